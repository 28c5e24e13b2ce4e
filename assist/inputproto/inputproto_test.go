package inputproto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		wire []byte
	}{
		{"pointer move", Message{Type: TypePointerMove, Seq: 0x01020304, X: 0x8000, Y: 0xffff},
			[]byte{1, 0x01, 1, 2, 3, 4, 0x80, 0x00, 0xff, 0xff}},
		{"left down", Message{Type: TypeMouseButton, Button: ButtonLeft, Down: true, X: 10, Y: 20},
			[]byte{1, 0x02, 0, 1, 0, 10, 0, 20}},
		{"right up", Message{Type: TypeMouseButton, Button: ButtonRight, X: 0xffff, Y: 0},
			[]byte{1, 0x02, 2, 0, 0xff, 0xff, 0, 0}},
		{"wheel", Message{Type: TypeWheel, DX: -1, DY: 3},
			[]byte{1, 0x03, 0xff, 0xff, 0, 3}},
		{"key down", Message{Type: TypeKey, Down: true, Code: "KeyA"},
			[]byte{1, 0x04, 1, 4, 'K', 'e', 'y', 'A'}},
		{"key up", Message{Type: TypeKey, Code: "ShiftLeft"},
			[]byte{1, 0x04, 0, 9, 'S', 'h', 'i', 'f', 't', 'L', 'e', 'f', 't'}},
		{"permission", Message{Type: TypePermission, View: true}, []byte{1, 0x10, 1, 0}},
		{"type text", Message{Type: TypeText, Text: "é\tb\n"}, []byte{1, 0x06, 0, 5, 0xc3, 0xa9, '\t', 'b', '\n'}},
		{"clipboard", Message{Type: TypeClipboard, Text: "hi"}, []byte{1, 0x07, 0, 0, 0, 2, 'h', 'i'}},
		{"clipboard empty", Message{Type: TypeClipboard}, []byte{1, 0x07, 0, 0, 0, 0}},
		{"clipboard request", Message{Type: TypeClipRequest}, []byte{1, 0x09}},
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
			if m != tt.msg {
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
		{"one byte", []byte{1}, ErrTooShort},
		{"too long", make([]byte, MaxMessageSize+1), ErrTooLong},
		{"version 0", []byte{0, 0x05}, ErrVersion},
		{"version 2", []byte{2, 0x05}, ErrVersion},
		{"unknown type", []byte{1, 0x7f}, ErrUnknownType},
		{"short pointer", []byte{1, 0x01, 0, 0, 0, 1, 0, 0, 0}, ErrLength},
		{"long pointer", []byte{1, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0}, ErrLength},
		{"bad button", []byte{1, 0x02, 3, 1, 0, 0, 0, 0}, ErrInvalid},
		{"bad bool", []byte{1, 0x02, 0, 2, 0, 0, 0, 0}, ErrInvalid},
		{"key no len", []byte{1, 0x04, 1}, ErrLength},
		{"key len mismatch", []byte{1, 0x04, 1, 5, 'K', 'e', 'y', 'A'}, ErrLength},
		{"key empty", []byte{1, 0x04, 1, 0}, ErrInvalid},
		{"key bad char", []byte{1, 0x04, 1, 2, 'K', ' '}, ErrInvalid},
		{"key too long", append([]byte{1, 0x04, 1, 33}, bytes.Repeat([]byte("K"), 33)...), ErrInvalid},
		{"former request control", []byte{1, 0x05}, ErrUnknownType},
		{"permission short", []byte{1, 0x10, 1}, ErrLength},
		{"key over input cap", append([]byte{1, 0x04, 1, 63}, bytes.Repeat([]byte("K"), 63)...), ErrTooLong},
		{"text empty", []byte{1, 0x06, 0, 0}, ErrInvalid},
		{"text no len", []byte{1, 0x06, 0}, ErrLength},
		{"text len mismatch", []byte{1, 0x06, 0, 3, 'a', 'b'}, ErrLength},
		{"text bad utf8", []byte{1, 0x06, 0, 1, 0xff}, ErrInvalid},
		{"text control char", []byte{1, 0x06, 0, 1, 0x1b}, ErrInvalid},
		{"text over cap", append([]byte{1, 0x06, 0x08, 0x01}, bytes.Repeat([]byte("a"), MaxTypedText+1)...), ErrInvalid},
		{"clipboard len mismatch", []byte{1, 0x07, 0, 0, 0, 3, 'h', 'i'}, ErrLength},
		{"clipboard huge len", []byte{1, 0x07, 0xff, 0xff, 0xff, 0xff, 'h'}, ErrLength},
		{"clipboard NUL", []byte{1, 0x07, 0, 0, 0, 1, 0}, ErrInvalid},
		{"clipboard over cap", append([]byte{1, 0x07, 0, 0, 0x80, 0x01}, bytes.Repeat([]byte("a"), MaxClipboardText+1)...), ErrTooLong},
		{"clipboard request with payload", []byte{1, 0x09, 0}, ErrLength},
		{"permission bad bool", []byte{1, 0x10, 1, 7}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.wire)
			if !errors.Is(err, tt.want) {
				t.Errorf("Decode(% x) error = %v, want %v", tt.wire, err, tt.want)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	for _, m := range []Message{
		{Type: 0x42},
		{Type: TypeKey, Code: ""},
		{Type: TypeKey, Code: "Key-A"},
		{Type: TypeMouseButton, Button: 9},
		{Type: TypeText},
		{Type: TypeText, Text: "\x1b[2J"},
		{Type: TypeClipboard, Text: strings.Repeat("a", MaxClipboardText+1)},
	} {
		if _, err := Marshal(m); err == nil {
			t.Errorf("Marshal(%+v): no error", m)
		}
	}
}

func TestSeqNewer(t *testing.T) {
	tests := []struct {
		a, b uint32
		want bool
	}{
		{2, 1, true},
		{1, 2, false},
		{1, 1, false},
		{0, 0xffffffff, true},
		{0xffffffff, 0, false},
	}
	for _, tt := range tests {
		if got := SeqNewer(tt.a, tt.b); got != tt.want {
			t.Errorf("SeqNewer(%d, %d) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{1, 0x01, 0, 0, 0, 1, 0x80, 0, 0x80, 0})
	f.Add([]byte{1, 0x04, 1, 4, 'K', 'e', 'y', 'A'})
	f.Add([]byte{1, 0x10, 1, 1})
	f.Add([]byte{1, 0x06, 0, 2, 'h', 'i'})
	f.Add([]byte{1, 0x07, 0, 0, 0, 2, 'h', 'i'})
	f.Add([]byte{1, 0x09})
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
			t.Fatalf("round trip: % x → %+v → % x", b, m, got)
		}
	})
}
