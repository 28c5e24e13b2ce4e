package inputproto

import (
	"bytes"
	"errors"
	"reflect"
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
		{"select display 1", Message{Type: TypeSelectDisplay, Display: 1}, []byte{1, 0x08, 1}},
		{"select all displays", Message{Type: TypeSelectDisplay, Display: AllDisplays}, []byte{1, 0x08, 0xff}},
		{"full resolution", Message{Type: TypeFullResolution, Full: true}, []byte{1, 0x0a, 1}},
		{"fitted resolution", Message{Type: TypeFullResolution}, []byte{1, 0x0a, 0}},
		{"pointer position", Message{Type: TypePointerPosition, X: 0x8000, Y: 0xffff, Visible: true, ShapeID: 0x01020304},
			[]byte{1, 0x12, 0x80, 0x00, 0xff, 0xff, 1, 1, 2, 3, 4}},
		{"pointer hidden", Message{Type: TypePointerPosition}, []byte{1, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"console draws the pointer", Message{Type: TypeDrawPointer, Draw: true}, []byte{1, 0x14, 1}},
		{"desktop draws the pointer", Message{Type: TypeDrawPointer}, []byte{1, 0x14, 0}},
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
		{"select display short", []byte{1, 0x08}, ErrLength},
		{"full resolution bad bool", []byte{1, 0x0a, 2}, ErrInvalid},
		{"full resolution long", []byte{1, 0x0a, 1, 0}, ErrLength},
		{"select display long", []byte{1, 0x08, 0, 0}, ErrLength},
		{"input message over the input cap", append([]byte{1, 0x04, 1, 63}, bytes.Repeat([]byte("K"), 63)...), ErrTooLong},
		{"pointer position short", []byte{1, 0x12, 0, 0, 0, 0, 1, 0, 0, 0}, ErrLength},
		{"pointer position bad visible", []byte{1, 0x12, 0, 0, 0, 0, 2, 0, 0, 0, 0}, ErrInvalid},
		{"draw pointer bad bool", []byte{1, 0x14, 2}, ErrInvalid},
		{"draw pointer long", []byte{1, 0x14, 1, 1}, ErrLength},
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

// twoDisplays is a Displays list with a negative offset; displaysWire
// is its encoding.
var (
	twoDisplays = DisplayList{Shown: 1, Displays: []DisplayInfo{
		{X: 0, Y: 0, W: 1920, H: 1080, Primary: true, Name: "M0"},
		{X: -1280, Y: -200, W: 1280, H: 1024, Name: "DISPLAY2"},
	}}
	displaysWire = append([]byte{1, 0x11, 2, 1,
		0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x80, 0x04, 0x38, 1, 2, 'M', '0',
		0xff, 0xff, 0xfb, 0x00, 0xff, 0xff, 0xff, 0x38, 0x05, 0x00, 0x04, 0x00, 0, 8}, "DISPLAY2"...)
)

func TestDisplays(t *testing.T) {
	sixteen := DisplayList{Shown: AllDisplays}
	for i := range MaxDisplays {
		sixteen.Displays = append(sixteen.Displays, DisplayInfo{X: int32(i) * 65535, Y: -1, W: 65535, H: 1, Name: strings.Repeat("é", MaxNameLen/2)})
	}
	tests := []struct {
		name string
		list DisplayList
		size int
	}{
		{"two", twoDisplays, len(displaysWire)},
		{"one unnamed", DisplayList{Displays: []DisplayInfo{{W: 640, H: 480, Primary: true}}}, 4 + 14},
		{"sixteen, all shown, longest names", sixteen, MaxDisplaysMessageSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(Message{Type: TypeDisplays, Displays: &tt.list})
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != tt.size {
				t.Errorf("%d bytes, want %d", len(b), tt.size)
			}
			if tt.name == "two" && !bytes.Equal(b, displaysWire) {
				t.Errorf("Marshal = % x, want % x", b, displaysWire)
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type != TypeDisplays || !reflect.DeepEqual(*m.Displays, tt.list) {
				t.Errorf("Decode = %+v, want %+v", m.Displays, tt.list)
			}
		})
	}
}

func TestDisplaysErrors(t *testing.T) {
	with := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(displaysWire)) }
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"no count", []byte{1, 0x11}, ErrLength},
		{"no shown", []byte{1, 0x11, 1}, ErrLength},
		{"zero displays", []byte{1, 0x11, 0, 0xff}, ErrInvalid},
		{"seventeen displays", []byte{1, 0x11, 17, 0xff}, ErrInvalid},
		{"shown out of range", with(func(b []byte) []byte { b[3] = 2; return b }), ErrInvalid},
		{"entry cut short", displaysWire[:len(displaysWire)-14-8], ErrLength},
		{"name cut short", displaysWire[:len(displaysWire)-1], ErrLength},
		{"trailing byte", append(bytes.Clone(displaysWire), 0), ErrLength},
		{"zero width", with(func(b []byte) []byte { b[12], b[13] = 0, 0; return b }), ErrInvalid},
		{"bad primary", with(func(b []byte) []byte { b[16] = 2; return b }), ErrInvalid},
		{"name too long", append([]byte{1, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 33}, strings.Repeat("n", 33)...), ErrInvalid},
		{"name not UTF-8", []byte{1, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0xff}, ErrInvalid},
		{"over the displays cap", append([]byte{1, 0x11, 16, 0xff}, make([]byte, MaxDisplaysMessageSize)...), ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.wire)
			if !errors.Is(err, tt.want) {
				t.Errorf("Decode(% x) error = %v, want %v", tt.wire, err, tt.want)
			}
		})
	}
	for _, l := range []*DisplayList{
		nil,
		{},
		{Shown: 2, Displays: twoDisplays.Displays},
		{Displays: make([]DisplayInfo, MaxDisplays+1)},
		{Displays: []DisplayInfo{{W: 1}}},
		{Displays: []DisplayInfo{{W: 1, H: 1, Name: strings.Repeat("n", 33)}}},
		{Displays: []DisplayInfo{{W: 1, H: 1, Name: "\xff"}}},
	} {
		if _, err := Marshal(Message{Type: TypeDisplays, Displays: l}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Marshal(%+v) error = %v, want ErrInvalid", l, err)
		}
	}
}

// arrow is a 2×3 pointer shape with its hotspot at the bottom right.
var arrow = PointerImage{ID: 7, W: 2, H: 3, HotX: 1, HotY: 2, Pix: bytes.Repeat([]byte{0xff, 0, 0, 0x80}, 6)}

func TestPointerShape(t *testing.T) {
	biggest := PointerImage{ID: 0xffffffff, W: MaxPointerSize, H: MaxPointerSize, HotX: MaxPointerSize - 1, HotY: 0,
		Pix: bytes.Repeat([]byte{1, 2, 3, 4}, MaxPointerSize*MaxPointerSize)}
	for _, p := range []PointerImage{arrow, biggest, {ID: 1, W: 1, H: 1, Pix: []byte{0, 0, 0, 0}}} {
		b, err := Marshal(Message{Type: TypePointerShape, Shape: &p})
		if err != nil {
			t.Fatal(err)
		}
		if want := 10 + 4*p.W*p.H; len(b) != want {
			t.Errorf("%dx%d: %d bytes, want %d", p.W, p.H, len(b), want)
		}
		m, err := Decode(b)
		if err != nil {
			t.Fatalf("%dx%d: %v", p.W, p.H, err)
		}
		if m.Type != TypePointerShape || !reflect.DeepEqual(*m.Shape, p) {
			t.Errorf("Decode = %+v, want %+v", m.Shape, p)
		}
	}
	b, _ := Marshal(Message{Type: TypePointerShape, Shape: &biggest})
	if len(b) != MaxPointerShapeMessageSize {
		t.Errorf("largest shape: %d bytes, want MaxPointerShapeMessageSize %d", len(b), MaxPointerShapeMessageSize)
	}
	if want := []byte{1, 0x13, 0, 0, 0, 7, 2, 3, 1, 2, 0xff, 0, 0, 0x80}; !bytes.Equal(mustMarshal(t, Message{Type: TypePointerShape, Shape: &arrow})[:14], want) {
		t.Errorf("arrow's header and first pixel: want % x", want)
	}

	wire := mustMarshal(t, Message{Type: TypePointerShape, Shape: &arrow})
	with := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(wire)) }
	for _, tt := range []struct {
		name string
		wire []byte
		want error
	}{
		{"no header", []byte{1, 0x13, 0, 0, 0, 7, 2, 3, 1}, ErrLength},
		{"pixels cut short", wire[:len(wire)-1], ErrLength},
		{"trailing byte", append(bytes.Clone(wire), 0), ErrLength},
		{"zero width", with(func(b []byte) []byte { b[6] = 0; return b[:10] }), ErrInvalid},
		{"hotspot outside", with(func(b []byte) []byte { b[8] = 2; return b }), ErrInvalid},
		{"over the size cap", with(func(b []byte) []byte {
			b[6], b[7] = 65, 64
			return append(b[:10], make([]byte, 65*64*4)...)
		}), ErrTooLong},
		{"65 wide within the cap", with(func(b []byte) []byte {
			b[6], b[7] = 65, 2
			return append(b[:10], make([]byte, 65*2*4)...)
		}), ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.wire); !errors.Is(err, tt.want) {
				t.Errorf("Decode error = %v, want %v", err, tt.want)
			}
		})
	}
	for _, p := range []*PointerImage{
		nil,
		{W: 0, H: 1},
		{W: MaxPointerSize + 1, H: 1, Pix: make([]byte, (MaxPointerSize+1)*4)},
		{W: 2, H: 2, HotY: 2, Pix: make([]byte, 16)},
		{W: 2, H: 2, Pix: make([]byte, 15)},
	} {
		if _, err := Marshal(Message{Type: TypePointerShape, Shape: p}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Marshal(%+v) error = %v, want ErrInvalid", p, err)
		}
	}
}

func mustMarshal(t *testing.T, m Message) []byte {
	t.Helper()
	b, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTrimName(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "",
		"M0":                          "M0",
		strings.Repeat("a", 40):       strings.Repeat("a", 32),
		strings.Repeat("é", 20):       strings.Repeat("é", 16),
		"a" + strings.Repeat("é", 20): "a" + strings.Repeat("é", 15),
		"bad\xffname":                 "badname",
	} {
		if got := TrimName(in); got != want {
			t.Errorf("TrimName(%q) = %q, want %q", in, got, want)
		}
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
	f.Add([]byte{1, 0x08, 0xff})
	f.Add([]byte{1, 0x0a, 1})
	f.Add(displaysWire)
	f.Add([]byte{1, 0x12, 0x80, 0, 0x40, 0, 1, 0, 0, 0, 7})
	f.Add([]byte{1, 0x14, 1})
	f.Add(append([]byte{1, 0x13, 0, 0, 0, 7, 2, 3, 1, 2}, arrow.Pix...))
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
