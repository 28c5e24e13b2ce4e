// Package fileproto is the binary encoding of file transfers in a live
// session, on their own WebRTC data channel "file" (reliable and ordered),
// between the technician's browser console and the user's desktop. A
// transfer goes either way; whoever has the file is the sender.
//
// # A transfer
//
//	sender                          receiver
//	Offer(id, size, name)   ──▶     asks its person: accept? where to save?
//	                        ◀──     Accept(id)        or Cancel(id, declined)
//	Chunk(id, data) …       ──▶     writes; Progress(id, received) now and then
//	End(id, sha256)         ──▶     checks the SHA-256 of what it wrote
//	                        ◀──     Done(id)          or Cancel(id, hash_mismatch)
//
// Either side may send Cancel(id, reason) at any time; the receiver then
// deletes what it wrote. Back-pressure is SCTP's: a receiver that writes
// slowly stops reading, and the sender waits for its channel's
// bufferedAmount to fall before it sends more. The technician may also ask
// the user to send a file (Request): the user picks one, or says no
// (Cancel(id, declined)); the desktop's offer that follows carries the
// request's id.
//
// Transfer ids are chosen by whoever starts the transfer: the technician's
// have bit 31 clear, the desktop's bit 31 set (DesktopID), so the two
// never collide and every message names its transfer unambiguously.
//
// # Byte layout (protocol version 1)
//
// Big-endian; every message is one binary data-channel message starting
// with a two-byte header (version 1, type), then the type's payload; a
// message must have exactly its type's length and is at most
// MaxMessageSize bytes, checked before anything is decoded.
//
//	0x01 Offer     2 uint32 id, 6 uint64 size, 14 uint8 n, 15 [n]byte name
//	               name: the file's base name, UTF-8, 1..MaxNameLen bytes, no
//	               control characters; size ≤ MaxFileSize
//	0x02 Accept    2 uint32 id
//	0x03 Chunk     2 uint32 id, 6 [1..ChunkSize]byte data
//	0x04 End       2 uint32 id, 6 [32]byte sha256 of the whole file
//	0x05 Progress  2 uint32 id, 6 uint64 bytes received and written so far
//	0x06 Done      2 uint32 id   (the receiver has the file, hash verified)
//	0x07 Cancel    2 uint32 id, 6 uint8 reason (Reason)
//	0x08 Request   2 uint32 id   (technician → desktop: please send me a file)
package fileproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Version is the protocol version carried in every message.
const Version = 1

// Channel is the data channel's label.
const Channel = "file"

// Sizes.
const (
	ChunkSize      = 16 << 10 // largest Chunk payload: 16 KiB, what every browser sends in one SCTP message
	MaxNameLen     = 255
	MaxFileSize    = 1 << 40 // the wire's own bound; the relay's operator sets a lower one
	MaxMessageSize = 6 + ChunkSize
)

// DesktopID marks the ids of transfers the desktop starts.
const DesktopID = 1 << 31

// Type is a message type.
type Type uint8

// The closed set of message types.
const (
	TypeOffer    Type = 0x01
	TypeAccept   Type = 0x02
	TypeChunk    Type = 0x03
	TypeEnd      Type = 0x04
	TypeProgress Type = 0x05
	TypeDone     Type = 0x06
	TypeCancel   Type = 0x07
	TypeRequest  Type = 0x08
)

var typeNames = map[Type]string{TypeOffer: "Offer", TypeAccept: "Accept", TypeChunk: "Chunk", TypeEnd: "End",
	TypeProgress: "Progress", TypeDone: "Done", TypeCancel: "Cancel", TypeRequest: "Request"}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("Type(%#02x)", uint8(t))
}

// Reason says why a transfer was cancelled.
type Reason uint8

// Reasons.
const (
	ReasonCancelled    Reason = 0 // the person cancelled it
	ReasonDeclined     Reason = 1 // the receiver's person said no (or did not answer)
	ReasonTooLarge     Reason = 2 // over the size the relay's operator allows
	ReasonDiskFull     Reason = 3 // the receiver's disk is full
	ReasonWriteFailed  Reason = 4 // the receiver could not write the file
	ReasonHashMismatch Reason = 5 // what arrived is not what was sent
	ReasonProtocol     Reason = 6 // a message out of turn or malformed
	ReasonBusy         Reason = 7 // another transfer is under way, or the session is ending
	ReasonReadFailed   Reason = 8 // the sender could not read its file
	maxReason                 = ReasonReadFailed
)

// Errors returned by Decode and Marshal.
var (
	ErrTooLong     = errors.New("fileproto: message too long")
	ErrTooShort    = errors.New("fileproto: message too short")
	ErrVersion     = errors.New("fileproto: unsupported version")
	ErrUnknownType = errors.New("fileproto: unknown message type")
	ErrLength      = errors.New("fileproto: wrong length for type")
	ErrInvalid     = errors.New("fileproto: invalid field value")
)

// Message is one decoded message. Only the fields of its Type are set.
type Message struct {
	Type   Type
	ID     uint32
	Size   uint64   // Offer
	Name   string   // Offer
	Data   []byte   // Chunk (aliases the decoded buffer)
	SHA256 [32]byte // End
	Bytes  uint64   // Progress
	Reason Reason   // Cancel
}

// Append appends m's encoding to b.
func Append(b []byte, m Message) ([]byte, error) {
	b = append(b, Version, byte(m.Type))
	b = binary.BigEndian.AppendUint32(b, m.ID)
	switch m.Type {
	case TypeOffer:
		if err := validName(m.Name); err != nil {
			return nil, err
		}
		if m.Size > MaxFileSize {
			return nil, fmt.Errorf("%w: size %d", ErrInvalid, m.Size)
		}
		b = binary.BigEndian.AppendUint64(b, m.Size)
		b = append(b, byte(len(m.Name)))
		b = append(b, m.Name...)
	case TypeChunk:
		if len(m.Data) == 0 || len(m.Data) > ChunkSize {
			return nil, fmt.Errorf("%w: chunk of %d bytes", ErrInvalid, len(m.Data))
		}
		b = append(b, m.Data...)
	case TypeEnd:
		b = append(b, m.SHA256[:]...)
	case TypeProgress:
		b = binary.BigEndian.AppendUint64(b, m.Bytes)
	case TypeCancel:
		if m.Reason > maxReason {
			return nil, fmt.Errorf("%w: reason %d", ErrInvalid, m.Reason)
		}
		b = append(b, byte(m.Reason))
	case TypeAccept, TypeDone, TypeRequest:
	default:
		return nil, fmt.Errorf("%w: %v", ErrUnknownType, m.Type)
	}
	return b, nil
}

// Marshal returns m's encoding.
func Marshal(m Message) ([]byte, error) { return Append(nil, m) }

// Decode parses one message; the size cap is checked first. A Chunk's
// Data aliases b.
func Decode(b []byte) (Message, error) {
	if len(b) > MaxMessageSize {
		return Message{}, ErrTooLong
	}
	if len(b) < 6 {
		return Message{}, ErrTooShort
	}
	if b[0] != Version {
		return Message{}, fmt.Errorf("%w: %d", ErrVersion, b[0])
	}
	m := Message{Type: Type(b[1]), ID: binary.BigEndian.Uint32(b[2:])}
	p := b[6:]
	exact := func(n int) error {
		if len(p) != n {
			return fmt.Errorf("%w: %v with %d payload bytes, want %d", ErrLength, m.Type, len(p), n)
		}
		return nil
	}
	var err error
	switch m.Type {
	case TypeOffer:
		if len(p) < 9 {
			return Message{}, fmt.Errorf("%w: short offer", ErrLength)
		}
		if err = exact(9 + int(p[8])); err != nil {
			return Message{}, err
		}
		m.Size = binary.BigEndian.Uint64(p)
		m.Name = string(p[9:])
		if m.Size > MaxFileSize {
			return Message{}, fmt.Errorf("%w: size %d", ErrInvalid, m.Size)
		}
		err = validName(m.Name)
	case TypeChunk:
		if len(p) == 0 {
			return Message{}, fmt.Errorf("%w: empty chunk", ErrLength)
		}
		m.Data = p
	case TypeEnd:
		if err = exact(32); err == nil {
			copy(m.SHA256[:], p)
		}
	case TypeProgress:
		if err = exact(8); err == nil {
			m.Bytes = binary.BigEndian.Uint64(p)
		}
	case TypeCancel:
		if err = exact(1); err == nil {
			m.Reason = Reason(p[0])
			if m.Reason > maxReason {
				err = fmt.Errorf("%w: reason %d", ErrInvalid, p[0])
			}
		}
	case TypeAccept, TypeDone, TypeRequest:
		err = exact(0)
	default:
		return Message{}, fmt.Errorf("%w: %#02x", ErrUnknownType, b[1])
	}
	if err != nil {
		return Message{}, err
	}
	return m, nil
}

// validName checks an offered file name: UTF-8, 1..MaxNameLen bytes, no
// control characters. (The receiver still makes it a safe base name.)
func validName(s string) error {
	if len(s) == 0 || len(s) > MaxNameLen || !utf8.ValidString(s) {
		return fmt.Errorf("%w: file name of %d bytes", ErrInvalid, len(s))
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: file name holds control character %U", ErrInvalid, r)
		}
	}
	return nil
}
