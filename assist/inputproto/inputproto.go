// Package inputproto is the binary encoding of the messages exchanged on
// a live session's two WebRTC data channels, between the technician's
// browser console and the user's desktop.
//
// # Channels
//
// The desktop creates both channels before its offer:
//
//   - "control": reliable and ordered. Key and mouse-button events, wheel
//     events, display selection, and the desktop's permission and
//     display-list messages.
//   - "pointer": ordered:false, maxRetransmits:0. Pointer motion only. A
//     late motion message is useless, so a lost one is not resent and a
//     stale one (older sequence number) is dropped by the receiver.
//
// A third channel, "file" (reliable and ordered), carries file transfers
// in either direction; its messages are package fileproto's.
//
// Every data-channel message is exactly one binary message (not text; set
// dataChannel.binaryType = "arraybuffer" to read the desktop's messages).
//
// # Byte layout (protocol version 1)
//
// All multi-byte integers are big-endian (DataView's default in JS).
// Every message starts with a two-byte header:
//
//	offset 0  uint8  version   always 1 (Version); other versions are rejected
//	offset 1  uint8  type      one of the types below; unknown types are rejected
//
// followed by the type's payload. A message must have exactly the length
// given for its type (Key: 4+n). Input events are at most MaxMessageSize
// (64) bytes, Displays at most MaxDisplaysMessageSize, PointerShape at
// most MaxPointerShapeMessageSize, the text messages
// (TypeText, Clipboard) at most MaxTextMessageSize; anything longer is
// rejected before it is decoded.
//
// Technician → desktop:
//
//	0x01 PointerMove   10 bytes, channel "pointer"
//	     2  uint32 seq   increases by one per motion message (wraps); the
//	                     desktop drops a message whose seq is not newer
//	                     than the last one it applied (serial-number
//	                     arithmetic). Any seq is accepted as the first one
//	                     after control was granted.
//	     6  uint16 x     0..65535 across the shared display's width
//	                     (0 = left edge, 65535 = right edge)
//	     8  uint16 y     0..65535 across its height
//
//	0x02 MouseButton   8 bytes, channel "control"
//	     2  uint8  button  0 = left (primary), 1 = middle, 2 = right
//	                       (the same numbers as MouseEvent.button)
//	     3  uint8  down    1 = pressed, 0 = released
//	     4  uint16 x       normalised position, as in PointerMove; the
//	     6  uint16 y       pointer is moved there before the button changes
//
//	0x03 Wheel         6 bytes, channel "control"
//	     2  int16  dx      wheel steps (notches), positive = right
//	     4  int16  dy      wheel steps (notches), positive = down
//	                       (WheelEvent.deltaY in lines, or pixels / 100)
//
//	0x04 Key           4+n bytes, channel "control"
//	     2  uint8  down    1 = keydown, 0 = keyup
//	     3  uint8  n       length of code, 1..32
//	     4  [n]byte code   KeyboardEvent.code in ASCII, e.g. "KeyA",
//	                       "Digit1", "Enter", "ShiftLeft", "F5", "ArrowUp"
//	                       (only A-Z a-z 0-9 allowed). Unknown codes are
//	                       dropped by the desktop.
//
//	0x06 TypeText      4+n bytes, channel "control"
//	     2  uint16 n       length of text in bytes, 1..MaxTypedText
//	     4  [n]byte text   UTF-8; no control characters but "\n" (typed
//	                       as Enter) and "\t" (Tab). The desktop types it
//	                       character by character with the user's keyboard
//	                       layout out of the way, for fields that refuse
//	                       paste; control taken back stops it between two
//	                       characters.
//
//	0x07 Clipboard     6+n bytes, channel "control", both ways
//	     2  uint32 n       length of text in bytes, 0..MaxClipboardText
//	     6  [n]byte text   UTF-8 text (no NUL)
//	     Technician → desktop: put this text on the user's clipboard.
//	     Desktop → technician: the user's clipboard text, in answer to
//	     ClipboardRequest.
//
//	0x09 ClipboardRequest  2 bytes, channel "control"
//	     Asks for the text on the user's clipboard; the desktop answers
//	     with Clipboard (empty when the clipboard holds no text).
//
// TypeText, Clipboard and ClipboardRequest need control, as keys do:
// while control = 0 they are dropped. The desktop shows the user what
// happened ("Alex put text on your clipboard") and reports it to the relay
// (session.activity: kind and length, never the text), which audits it.
//
// The desktop understands these codes: KeyA..KeyZ, Digit0..Digit9, F1..F12,
// Numpad0..Numpad9, NumpadEnter, Enter, Escape, Backspace, Tab, Space,
// ArrowUp/Down/Left/Right, Home, End, PageUp, PageDown, Delete, Insert,
// CapsLock, PrintScreen, ShiftLeft/Right, ControlLeft/Right,
// AltLeft/Right, MetaLeft/Right, Minus, Equal, BracketLeft, BracketRight,
// Backslash, Semicolon, Quote, Backquote, Comma, Period, Slash. Send the
// physical key (KeyboardEvent.code) with modifiers as their own key
// events, not the typed character: the desktop's keyboard layout then
// produces the character. Keys and buttons still down when control ends
// are released by the desktop.
//
//	0x0A FullResolution 3 bytes, channel "control"
//	     2  uint8  full     1 = send the shared screen at its own size,
//	                        0 = scaled to fit 1920×1080 (the default for
//	                        larger screens). Needs viewing only; the next
//	                        frame is a keyframe at the new size.
//
//	0x08 SelectDisplay 3 bytes, channel "control"
//	     2  uint8  display  index into the desktop's last Displays list,
//	                        or 0xFF (AllDisplays): the bounding rectangle
//	                        of all of them. Needs viewing only, not
//	                        control; dropped before viewing is allowed.
//	                        The stream goes on (same track, next frame a
//	                        keyframe at the new size) and pointer
//	                        coordinates map over the new picture; the
//	                        desktop answers with Displays. An index out of
//	                        range is answered with Displays, unchanged.
//
// Permission requests do not travel on the data channels: the technician
// asks through the relay (consent.control.request), so that every request
// and answer is in the relay's audit log.
//
// Desktop → technician (besides Clipboard above):
//
//	0x10 Permission    4 bytes, channel "control"
//	     2  uint8  view     1 = the user allows viewing
//	     3  uint8  control  1 = the user allows control
//	     Sent when the channel opens and whenever the permission changes
//	     (the relay carries the same change as consent.control.*). Input
//	     that arrives while control = 0 is dropped by the desktop.
//
//	0x11 Displays      4+Σ(14+m) bytes, channel "control", at most
//	                   MaxDisplaysMessageSize (740): the only message
//	                   longer than MaxMessageSize
//	     2  uint8  n       number of displays, 1..16 (MaxDisplays)
//	     3  uint8  shown   index of the display shown, or 0xFF = all
//	     4  n entries of:
//	        int32  x, y    top-left corner in desktop coordinates (the X
//	                       root window's; Windows' virtual screen:
//	                       negative left of or above the primary monitor)
//	        uint16 w, h    size in pixels, 1..65535
//	        uint8  primary 1 = the primary display (index 0)
//	        uint8  m       length of name, 0..32 (MaxNameLen)
//	        [m]byte name   UTF-8: the RandR monitor name on X11, the
//	                       device name on Windows; may be empty
//	     Sent when the control channel opens and whenever what is shown
//	     changes (and in answer to every SelectDisplay). Consoles number
//	     displays from 1 as the user's banner does ("Display 2").
//
//	0x12 PointerPosition 11 bytes, channel "control"
//	     2  uint16 x       the user's pointer (its hotspot), 0..65535
//	     4  uint16 y       across the picture sent, as in PointerMove:
//	                       fractions of the display shown, so the same
//	                       at 1080p-fitted, full-resolution and any
//	                       display switched to
//	     6  uint8  visible 1 = the pointer is on the display shown;
//	                       0 = hidden, or on another display
//	     7  uint32 shape   id of its PointerShape (sent before the
//	                       first position that names it)
//	     Sent only to a console that asked with DrawPointer, only while
//	     the video streams (after the user allowed viewing), and only
//	     when the position, visibility or shape changed (at most about
//	     60 a second).
//
//	0x13 PointerShape  10+4·w·h bytes, channel "control", at most
//	                   MaxPointerShapeMessageSize (16 394)
//	     2  uint32 id      the shape's id (on X11 the XFixes cursor
//	                       serial); sent once per id: keep it
//	     6  uint8  w, h    size in pixels, 1..MaxPointerSize (64); a
//	                       larger cursor is scaled down to fit
//	     8  uint8  hotX    hotspot, 0..w-1 and 0..h-1: the pixel that
//	     9  uint8  hotY    sits at PointerPosition's x, y
//	    10  [w·h·4]byte    RGBA, rows top to bottom, straight (not
//	                       premultiplied) alpha: canvas ImageData's
//	                       layout
//
// Technician → desktop, besides the input above:
//
//	0x14 DrawPointer   3 bytes, channel "control"
//	     2  uint8  on      1 = this console draws the user's pointer
//	                       from PointerPosition and PointerShape: the
//	                       desktop leaves it out of the video and sends
//	                       those; 0 (the default, and what an older
//	                       console that never sends it gets) = the
//	                       pointer is drawn into the video frames and no
//	                       pointer message is sent. Needs viewing only;
//	                       it holds for the peer connection it came on.
//	                       A console that records the session draws the
//	                       pointer into the recording itself.
//
// Example (JS): pointer at the centre of the screen:
//
//	const b = new DataView(new ArrayBuffer(10));
//	b.setUint8(0, 1); b.setUint8(1, 0x01); b.setUint32(2, seq++);
//	b.setUint16(6, 32768); b.setUint16(8, 32768);
//	pointerChannel.send(b.buffer);
package inputproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Version is the protocol version carried in every message.
const Version = 1

// MaxMessageSize is the largest valid message in bytes.
const MaxMessageSize = 64

// MaxTypedText is the longest text in bytes a TypeText message carries:
// typed one character at a time, more would take minutes.
const MaxTypedText = 2048

// MaxClipboardText is the longest clipboard text in bytes (32 KiB).
const MaxClipboardText = 32 << 10

// MaxTextMessageSize is the largest valid text message (Clipboard) in bytes.
const MaxTextMessageSize = 6 + MaxClipboardText

// MaxCodeLen is the longest KeyboardEvent.code accepted.
const MaxCodeLen = 32

// Displays (0x11): the display list is the one message allowed to be
// longer than MaxMessageSize.
const (
	MaxDisplays            = 16
	MaxNameLen             = 32
	AllDisplays            = 0xFF // SelectDisplay and Displays.Shown: every display at once
	displayEntrySize       = 14   // x, y, w, h, primary, name length
	MaxDisplaysMessageSize = 4 + MaxDisplays*(displayEntrySize+MaxNameLen)
)

// PointerShape (0x13): the pointer image is at most MaxPointerSize
// pixels each way, 4 bytes a pixel.
const (
	MaxPointerSize             = 64
	MaxPointerShapeMessageSize = 10 + MaxPointerSize*MaxPointerSize*4
)

// Channel labels.
const (
	ControlChannel = "control"
	PointerChannel = "pointer"
)

// Type is a message type.
type Type uint8

// The closed set of message types.
const (
	TypePointerMove Type = 0x01
	TypeMouseButton Type = 0x02
	TypeWheel       Type = 0x03
	TypeKey         Type = 0x04
	TypeText        Type = 0x06 // 0x05 was the former in-band control request: never reused
	TypeClipboard   Type = 0x07
	TypeClipRequest Type = 0x09 // 0x08 is SelectDisplay
	TypePermission  Type = 0x10

	TypeSelectDisplay  Type = 0x08
	TypeFullResolution Type = 0x0A
	TypeDisplays       Type = 0x11

	TypePointerPosition Type = 0x12
	TypePointerShape    Type = 0x13
	TypeDrawPointer     Type = 0x14
)

func (t Type) String() string {
	switch t {
	case TypePointerMove:
		return "PointerMove"
	case TypeMouseButton:
		return "MouseButton"
	case TypeWheel:
		return "Wheel"
	case TypeKey:
		return "Key"
	case TypeText:
		return "TypeText"
	case TypeClipboard:
		return "Clipboard"
	case TypeClipRequest:
		return "ClipboardRequest"
	case TypePermission:
		return "Permission"
	case TypeSelectDisplay:
		return "SelectDisplay"
	case TypeFullResolution:
		return "FullResolution"
	case TypeDisplays:
		return "Displays"
	case TypePointerPosition:
		return "PointerPosition"
	case TypePointerShape:
		return "PointerShape"
	case TypeDrawPointer:
		return "DrawPointer"
	}
	return fmt.Sprintf("Type(%#02x)", uint8(t))
}

// Mouse buttons, numbered as MouseEvent.button.
const (
	ButtonLeft   = 0
	ButtonMiddle = 1
	ButtonRight  = 2
)

// Errors returned by Decode.
var (
	ErrTooLong     = errors.New("inputproto: message too long")
	ErrTooShort    = errors.New("inputproto: message too short")
	ErrVersion     = errors.New("inputproto: unsupported version")
	ErrUnknownType = errors.New("inputproto: unknown message type")
	ErrLength      = errors.New("inputproto: wrong length for type")
	ErrInvalid     = errors.New("inputproto: invalid field value")
)

// Message is one decoded message. Only the fields of its Type are set.
type Message struct {
	Type Type

	Seq  uint32 // PointerMove
	X, Y uint16 // PointerMove, MouseButton, PointerPosition: 0..65535 across the display

	Visible bool          // PointerPosition
	ShapeID uint32        // PointerPosition
	Shape   *PointerImage // PointerShape
	Draw    bool          // DrawPointer: the console draws the pointer

	Button uint8 // MouseButton
	Down   bool  // MouseButton, Key

	DX, DY int16 // Wheel

	Code string // Key: KeyboardEvent.code

	Text string // TypeText, Clipboard: UTF-8

	View, Control bool // Permission

	Display  uint8        // SelectDisplay: an index or AllDisplays
	Full     bool         // FullResolution
	Displays *DisplayList // Displays
}

// PointerImage is the payload of a PointerShape message.
type PointerImage struct {
	ID         uint32
	W, H       int    // 1..MaxPointerSize
	HotX, HotY int    // 0..W-1, 0..H-1
	Pix        []byte // W·H RGBA pixels, straight alpha, rows top to bottom
}

// DisplayList is the payload of a Displays message.
type DisplayList struct {
	Shown    uint8 // index into Displays, or AllDisplays
	Displays []DisplayInfo
}

// DisplayInfo is one display of a Displays message.
type DisplayInfo struct {
	X, Y    int32
	W, H    uint16
	Primary bool
	Name    string // UTF-8, at most MaxNameLen bytes
}

// Append appends m's encoding to b. It returns an error if m cannot be
// encoded (unknown type, invalid key code or button).
func Append(b []byte, m Message) ([]byte, error) {
	b = append(b, Version, byte(m.Type))
	switch m.Type {
	case TypePointerMove:
		b = binary.BigEndian.AppendUint32(b, m.Seq)
		b = binary.BigEndian.AppendUint16(b, m.X)
		b = binary.BigEndian.AppendUint16(b, m.Y)
	case TypeMouseButton:
		if m.Button > ButtonRight {
			return nil, fmt.Errorf("%w: button %d", ErrInvalid, m.Button)
		}
		b = append(b, m.Button, boolByte(m.Down))
		b = binary.BigEndian.AppendUint16(b, m.X)
		b = binary.BigEndian.AppendUint16(b, m.Y)
	case TypeWheel:
		b = binary.BigEndian.AppendUint16(b, uint16(m.DX))
		b = binary.BigEndian.AppendUint16(b, uint16(m.DY))
	case TypeKey:
		if !validCode(m.Code) {
			return nil, fmt.Errorf("%w: key code %q", ErrInvalid, m.Code)
		}
		b = append(b, boolByte(m.Down), byte(len(m.Code)))
		b = append(b, m.Code...)
	case TypeText:
		if err := validTyped(m.Text); err != nil {
			return nil, err
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(m.Text)))
		b = append(b, m.Text...)
	case TypeClipboard:
		if err := validClipboard(m.Text); err != nil {
			return nil, err
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(m.Text)))
		b = append(b, m.Text...)
	case TypeClipRequest:
	case TypePermission:
		b = append(b, boolByte(m.View), boolByte(m.Control))
	case TypeSelectDisplay:
		b = append(b, m.Display)
	case TypeFullResolution:
		b = append(b, boolByte(m.Full))
	case TypeDisplays:
		return appendDisplays(b, m.Displays)
	case TypePointerPosition:
		b = binary.BigEndian.AppendUint16(b, m.X)
		b = binary.BigEndian.AppendUint16(b, m.Y)
		b = append(b, boolByte(m.Visible))
		b = binary.BigEndian.AppendUint32(b, m.ShapeID)
	case TypePointerShape:
		p := m.Shape
		if p == nil || !validPointer(p.W, p.H, p.HotX, p.HotY) || len(p.Pix) != p.W*p.H*4 {
			return nil, fmt.Errorf("%w: pointer shape", ErrInvalid)
		}
		b = binary.BigEndian.AppendUint32(b, p.ID)
		b = append(b, byte(p.W), byte(p.H), byte(p.HotX), byte(p.HotY))
		b = append(b, p.Pix...)
	case TypeDrawPointer:
		b = append(b, boolByte(m.Draw))
	default:
		return nil, fmt.Errorf("%w: %v", ErrUnknownType, m.Type)
	}
	return b, nil
}

// Marshal returns m's encoding.
func Marshal(m Message) ([]byte, error) { return Append(make([]byte, 0, 16), m) }

// Decode parses one message. The size cap is checked before anything else.
func Decode(b []byte) (Message, error) {
	if len(b) > MaxTextMessageSize || len(b) > MaxMessageSize && len(b) > maxSize(Type(b[1])) {
		return Message{}, ErrTooLong
	}
	if len(b) < 2 {
		return Message{}, ErrTooShort
	}
	if b[0] != Version {
		return Message{}, fmt.Errorf("%w: %d", ErrVersion, b[0])
	}
	if Type(b[1]) == TypeDisplays {
		return decodeDisplays(b[2:])
	}
	m := Message{Type: Type(b[1])}
	p := b[2:]
	want := -1
	switch m.Type {
	case TypePointerMove:
		want = 8
	case TypeMouseButton:
		want = 6
	case TypeWheel:
		want = 4
	case TypeKey:
		if len(p) >= 2 {
			want = 2 + int(p[1])
		} else {
			want = 2
		}
	case TypeText:
		want = 2
		if len(p) >= 2 {
			want += int(binary.BigEndian.Uint16(p))
		}
	case TypeClipboard:
		want = 4
		if len(p) >= 4 {
			want += int(binary.BigEndian.Uint32(p))
		}
	case TypeClipRequest:
		want = 0
	case TypePermission:
		want = 2
	case TypeSelectDisplay, TypeFullResolution, TypeDrawPointer:
		want = 1
	case TypePointerPosition:
		want = 9
	case TypePointerShape:
		want = 8
		if len(p) >= 8 {
			want += int(p[4]) * int(p[5]) * 4
		}
	default:
		return Message{}, fmt.Errorf("%w: %#02x", ErrUnknownType, b[1])
	}
	if len(p) != want {
		return Message{}, fmt.Errorf("%w: %v with %d payload bytes, want %d", ErrLength, m.Type, len(p), want)
	}
	switch m.Type {
	case TypePointerMove:
		m.Seq = binary.BigEndian.Uint32(p)
		m.X = binary.BigEndian.Uint16(p[4:])
		m.Y = binary.BigEndian.Uint16(p[6:])
	case TypeMouseButton:
		m.Button = p[0]
		if m.Button > ButtonRight {
			return Message{}, fmt.Errorf("%w: button %d", ErrInvalid, p[0])
		}
		var err error
		if m.Down, err = parseBool(p[1]); err != nil {
			return Message{}, err
		}
		m.X = binary.BigEndian.Uint16(p[2:])
		m.Y = binary.BigEndian.Uint16(p[4:])
	case TypeWheel:
		m.DX = int16(binary.BigEndian.Uint16(p))
		m.DY = int16(binary.BigEndian.Uint16(p[2:]))
	case TypeKey:
		var err error
		if m.Down, err = parseBool(p[0]); err != nil {
			return Message{}, err
		}
		code := p[2:]
		if !validCode(string(code)) {
			return Message{}, fmt.Errorf("%w: key code", ErrInvalid)
		}
		m.Code = string(code)
	case TypeText:
		m.Text = string(p[2:])
		if err := validTyped(m.Text); err != nil {
			return Message{}, err
		}
	case TypeClipboard:
		m.Text = string(p[4:])
		if err := validClipboard(m.Text); err != nil {
			return Message{}, err
		}
	case TypePermission:
		var err error
		if m.View, err = parseBool(p[0]); err != nil {
			return Message{}, err
		}
		if m.Control, err = parseBool(p[1]); err != nil {
			return Message{}, err
		}
	case TypeSelectDisplay:
		m.Display = p[0]
	case TypeFullResolution:
		var err error
		if m.Full, err = parseBool(p[0]); err != nil {
			return Message{}, err
		}
	case TypeDrawPointer:
		var err error
		if m.Draw, err = parseBool(p[0]); err != nil {
			return Message{}, err
		}
	case TypePointerPosition:
		m.X = binary.BigEndian.Uint16(p)
		m.Y = binary.BigEndian.Uint16(p[2:])
		var err error
		if m.Visible, err = parseBool(p[4]); err != nil {
			return Message{}, err
		}
		m.ShapeID = binary.BigEndian.Uint32(p[5:])
	case TypePointerShape:
		img := &PointerImage{ID: binary.BigEndian.Uint32(p), W: int(p[4]), H: int(p[5]), HotX: int(p[6]), HotY: int(p[7])}
		if !validPointer(img.W, img.H, img.HotX, img.HotY) {
			return Message{}, fmt.Errorf("%w: pointer shape %dx%d, hotspot %d,%d", ErrInvalid, img.W, img.H, img.HotX, img.HotY)
		}
		img.Pix = bytes.Clone(p[8:])
		m.Shape = img
	}
	return m, nil
}

// appendDisplays appends the payload of a Displays message.
func appendDisplays(b []byte, l *DisplayList) ([]byte, error) {
	if l == nil || len(l.Displays) == 0 || len(l.Displays) > MaxDisplays {
		return nil, fmt.Errorf("%w: Displays needs 1..%d displays", ErrInvalid, MaxDisplays)
	}
	if l.Shown != AllDisplays && int(l.Shown) >= len(l.Displays) {
		return nil, fmt.Errorf("%w: shown display %d of %d", ErrInvalid, l.Shown, len(l.Displays))
	}
	b = append(b, byte(len(l.Displays)), l.Shown)
	for _, d := range l.Displays {
		if d.W == 0 || d.H == 0 || len(d.Name) > MaxNameLen || !utf8.ValidString(d.Name) {
			return nil, fmt.Errorf("%w: display %+v", ErrInvalid, d)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(d.X))
		b = binary.BigEndian.AppendUint32(b, uint32(d.Y))
		b = binary.BigEndian.AppendUint16(b, d.W)
		b = binary.BigEndian.AppendUint16(b, d.H)
		b = append(b, boolByte(d.Primary), byte(len(d.Name)))
		b = append(b, d.Name...)
	}
	return b, nil
}

// decodeDisplays parses the payload p of a Displays message, whose size
// Decode has capped.
func decodeDisplays(p []byte) (Message, error) {
	if len(p) < 2 {
		return Message{}, fmt.Errorf("%w: Displays with %d payload bytes", ErrLength, len(p))
	}
	n, shown := int(p[0]), p[1]
	if n == 0 || n > MaxDisplays || shown != AllDisplays && int(shown) >= n {
		return Message{}, fmt.Errorf("%w: %d displays, shown %d", ErrInvalid, n, shown)
	}
	l := &DisplayList{Shown: shown, Displays: make([]DisplayInfo, 0, n)}
	p = p[2:]
	for range n {
		if len(p) < displayEntrySize || len(p) < displayEntrySize+int(p[displayEntrySize-1]) {
			return Message{}, fmt.Errorf("%w: Displays entry cut short", ErrLength)
		}
		d := DisplayInfo{
			X: int32(binary.BigEndian.Uint32(p)), Y: int32(binary.BigEndian.Uint32(p[4:])),
			W: binary.BigEndian.Uint16(p[8:]), H: binary.BigEndian.Uint16(p[10:]),
		}
		var err error
		if d.Primary, err = parseBool(p[12]); err != nil {
			return Message{}, err
		}
		m := int(p[13])
		d.Name = string(p[displayEntrySize : displayEntrySize+m])
		if d.W == 0 || d.H == 0 || m > MaxNameLen || !utf8.ValidString(d.Name) {
			return Message{}, fmt.Errorf("%w: display entry", ErrInvalid)
		}
		l.Displays = append(l.Displays, d)
		p = p[displayEntrySize+m:]
	}
	if len(p) != 0 {
		return Message{}, fmt.Errorf("%w: %d bytes after the last display", ErrLength, len(p))
	}
	return Message{Type: TypeDisplays, Displays: l}, nil
}

// TrimName cuts s to at most MaxNameLen bytes without splitting a
// UTF-8 sequence, for a display name to put in a Displays message.
func TrimName(s string) string {
	s = strings.ToValidUTF8(s, "")
	for len(s) > MaxNameLen {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// SeqNewer reports whether sequence number a is newer than b, with
// wrap-around (serial-number arithmetic, RFC 1982).
func SeqNewer(a, b uint32) bool { return int32(a-b) > 0 }

func validCode(s string) bool {
	if len(s) == 0 || len(s) > MaxCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// maxSize is the size cap of a message of type t.
func maxSize(t Type) int {
	switch t {
	case TypeText, TypeClipboard:
		return MaxTextMessageSize
	case TypeDisplays:
		return MaxDisplaysMessageSize
	case TypePointerShape:
		return MaxPointerShapeMessageSize
	}
	return MaxMessageSize
}

// validPointer checks a pointer shape's size and hotspot.
func validPointer(w, h, hx, hy int) bool {
	return w >= 1 && w <= MaxPointerSize && h >= 1 && h <= MaxPointerSize && hx >= 0 && hx < w && hy >= 0 && hy < h
}

// validTyped checks the text of a TypeText message.
func validTyped(s string) error {
	if len(s) == 0 || len(s) > MaxTypedText {
		return fmt.Errorf("%w: typed text of %d bytes, want 1..%d", ErrInvalid, len(s), MaxTypedText)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: typed text is not UTF-8", ErrInvalid)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return fmt.Errorf("%w: typed text holds control character %U", ErrInvalid, r)
		}
	}
	return nil
}

// validClipboard checks the text of a Clipboard message.
func validClipboard(s string) error {
	if len(s) > MaxClipboardText {
		return fmt.Errorf("%w: clipboard text of %d bytes, want at most %d", ErrInvalid, len(s), MaxClipboardText)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return fmt.Errorf("%w: clipboard text is not UTF-8 text", ErrInvalid)
	}
	return nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func parseBool(b byte) (bool, error) {
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, fmt.Errorf("%w: boolean byte %d", ErrInvalid, b)
}

// ToRect maps a normalised coordinate pair (0..65535 across the shared
// display, as X and Y of pointer messages carry) to a pixel of b, the
// display's rectangle in desktop coordinates: 0 is b's first column or
// row, 65535 its last. b may lie at negative coordinates (a Windows
// monitor left of or above the primary one).
func ToRect(b image.Rectangle, nx, ny uint16) (x, y int) {
	w, h := b.Dx(), b.Dy()
	x = b.Min.X + (int(nx)*(w-1)+32767)/65535
	y = b.Min.Y + (int(ny)*(h-1)+32767)/65535
	return x, y
}
