package fileproto

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	var sum [32]byte
	for i := range sum {
		sum[i] = byte(i)
	}
	tests := []struct {
		name string
		msg  Message
		wire []byte
	}{
		{"offer", Message{Type: TypeOffer, ID: 7, Size: 0x0102, Name: "é.pdf"},
			[]byte{1, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 1, 2, 6, 0xc3, 0xa9, '.', 'p', 'd', 'f'}},
		{"accept", Message{Type: TypeAccept, ID: DesktopID | 3}, []byte{1, 2, 0x80, 0, 0, 3}},
		{"chunk", Message{Type: TypeChunk, ID: 1, Data: []byte("abc")}, []byte{1, 3, 0, 0, 0, 1, 'a', 'b', 'c'}},
		{"end", Message{Type: TypeEnd, ID: 1, SHA256: sum}, append([]byte{1, 4, 0, 0, 0, 1}, sum[:]...)},
		{"progress", Message{Type: TypeProgress, ID: 1, Bytes: 1 << 33}, []byte{1, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0}},
		{"done", Message{Type: TypeDone, ID: 9}, []byte{1, 6, 0, 0, 0, 9}},
		{"cancel", Message{Type: TypeCancel, ID: 9, Reason: ReasonDiskFull}, []byte{1, 7, 0, 0, 0, 9, 3}},
		{"request", Message{Type: TypeRequest, ID: 2}, []byte{1, 8, 0, 0, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.wire) {
				t.Errorf("Marshal = % x, want % x", got, tt.wire)
			}
			m, err := Decode(tt.wire)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tt.msg) {
				t.Errorf("Decode = %+v, want %+v", m, tt.msg)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"empty", nil, ErrTooShort},
		{"no id", []byte{1, 2, 0, 0, 0}, ErrTooShort},
		{"too long", make([]byte, MaxMessageSize+1), ErrTooLong},
		{"version 2", []byte{2, 2, 0, 0, 0, 1}, ErrVersion},
		{"unknown type", []byte{1, 0x7f, 0, 0, 0, 1}, ErrUnknownType},
		{"accept with payload", []byte{1, 2, 0, 0, 0, 1, 0}, ErrLength},
		{"empty chunk", []byte{1, 3, 0, 0, 0, 1}, ErrLength},
		{"short end", []byte{1, 4, 0, 0, 0, 1, 1, 2}, ErrLength},
		{"short progress", []byte{1, 5, 0, 0, 0, 1, 1}, ErrLength},
		{"bad reason", []byte{1, 7, 0, 0, 0, 1, 99}, ErrInvalid},
		{"offer short", []byte{1, 1, 0, 0, 0, 1, 0, 0}, ErrLength},
		{"offer name length mismatch", []byte{1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 'a'}, ErrLength},
		{"offer empty name", []byte{1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0}, ErrInvalid},
		{"offer name control", []byte{1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 'a', '\n'}, ErrInvalid},
		{"offer name not UTF-8", []byte{1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0xff}, ErrInvalid},
		{"offer huge", []byte{1, 1, 0, 0, 0, 1, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 'a'}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.wire); !errors.Is(err, tt.want) {
				t.Errorf("Decode(% x) = %v, want %v", tt.wire, err, tt.want)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	for _, m := range []Message{
		{Type: 0x42},
		{Type: TypeOffer, Name: ""},
		{Type: TypeOffer, Name: strings.Repeat("a", MaxNameLen+1)},
		{Type: TypeOffer, Name: "a", Size: MaxFileSize + 1},
		{Type: TypeChunk},
		{Type: TypeChunk, Data: make([]byte, ChunkSize+1)},
		{Type: TypeCancel, Reason: 200},
	} {
		if _, err := Marshal(m); err == nil {
			t.Errorf("Marshal(%v %q): no error", m.Type, m.Name)
		}
	}
}

// FuzzDecode: Decode never panics, and what it accepts re-encodes to the
// same bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{1, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 1, 2, 1, 'a'})
	f.Add([]byte{1, 3, 0, 0, 0, 1, 'a', 'b', 'c'})
	f.Add([]byte{1, 7, 0, 0, 0, 9, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		got, err := Marshal(m)
		if err != nil {
			t.Fatalf("Marshal of decoded %+v: %v", m, err)
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("round trip: % x → % x", b, got)
		}
	})
}
