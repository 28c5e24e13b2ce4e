package wincap

import (
	"image"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"
)

// TestWindowsPointer reads the pointer apart from the frames: where
// SetCursorPos put it, its shape once (not while the caller knows it),
// and a capture without it after DrawPointer(false), with it after
// DrawPointer(true). Under Wine (TestUnderWine) the GDI path is the one
// that draws it.
func TestWindowsPointer(t *testing.T) {
	if !*painted {
		t.Skip("needs the painted screen of TestUnderWine")
	}
	at := image.Pt(400, 150) // in the red quarter, away from the samples
	if ok, _, err := syscall.SyscallN(windows.NewLazySystemDLL("user32.dll").NewProc("SetCursorPos").Addr(), uintptr(at.X), uintptr(at.Y)); ok == 0 {
		t.Fatalf("SetCursorPos: %v", err)
	}
	r, err := NewPointerReader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, shape, err := r.Read(func(uintptr) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pointer %+v", p)
	if p.At != at || !p.Visible || p.Cursor == 0 {
		t.Fatalf("pointer %+v, want visible at %v", p, at)
	}
	if shape == nil || shape.W < 8 || shape.H < 8 || len(shape.Pix) != shape.W*shape.H*4 || shape.HotX >= shape.W || shape.HotY >= shape.H {
		t.Fatalf("shape %+v", shape)
	}
	opaque, clear := 0, 0
	for i := 3; i < len(shape.Pix); i += 4 {
		switch shape.Pix[i] {
		case 255:
			opaque++
		case 0:
			clear++
		}
	}
	t.Logf("shape %d×%d, hotspot %d,%d: %d opaque, %d transparent pixels", shape.W, shape.H, shape.HotX, shape.HotY, opaque, clear)
	if opaque == 0 || clear == 0 {
		t.Errorf("shape has %d opaque and %d transparent pixels: not a pointer", opaque, clear)
	}
	if _, again, _ := r.Read(func(c uintptr) bool { return c == p.Cursor }); again != nil {
		t.Error("a known shape was drawn again")
	}

	s, err := newGDI(image.Rect(0, 0, patternW, patternH))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	notRed := func() int {
		f, err := s.Capture()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for y := at.Y - 8; y < at.Y+32; y++ {
			for x := at.X - 8; x < at.X+32; x++ {
				if rgbAt(f, x, y) != [3]byte{0xff, 0, 0} {
					n++
				}
			}
		}
		return n
	}
	var _ interface{ DrawPointer(bool) } = s
	s.DrawPointer(false)
	if n := notRed(); n != 0 {
		t.Errorf("DrawPointer(false): %d pixels of the pointer in the frame", n)
	}
	s.DrawPointer(true)
	if n := notRed(); n == 0 {
		t.Error("DrawPointer(true): no pointer in the frame")
	}
}
