package assist

import (
	"image"
	"image/color"
	"testing"

	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// TestXShmReadPointer reads the pointer apart from the frames on a real X
// server: its position, a shape with a hotspot inside it (once, then only
// the id while known), and frames without it once DrawPointer(false).
func TestXShmReadPointer(t *testing.T) {
	d := xtest.Start(t, 320, 240)
	xtest.Fill(t, d, color.RGBA{0x20, 0x80, 0x20, 0xff})
	inj, err := NewRobotgoInjector(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inj.Close() })
	src, err := NewXShmSource(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bg := [3]byte{0x20, 0x80, 0x20}
	changedNear := func(f Frame, x, y int) int {
		n := 0
		for yy := max(0, y-12); yy < min(f.Height, y+12); yy++ {
			for xx := max(0, x-12); xx < min(f.Width, x+12); xx++ {
				if rgbAt(f, xx, yy) != bg {
					n++
				}
			}
		}
		return n
	}
	known := map[uint32]bool{}
	for _, p := range []image.Point{{100, 100}, {250, 60}} {
		if err := inj.Inject(Input{Kind: InputMove, X: p.X, Y: p.Y}); err != nil {
			t.Fatal(err)
		}
		st, img, err := src.ReadPointer(func(id uint32) bool { return known[id] })
		if err != nil {
			t.Fatal(err)
		}
		if st.At != p || !st.Visible {
			t.Errorf("pointer read at %v (visible %v), want %v", st.At, st.Visible, p)
		}
		if known[st.Shape] {
			if img != nil {
				t.Errorf("shape %d sent again", st.Shape)
			}
		} else {
			if img == nil || img.W < 2 || img.H < 2 || len(img.Pix) != img.W*img.H*4 {
				t.Fatalf("shape %d: image %+v", st.Shape, img)
			}
			opaque := 0
			for i := 3; i < len(img.Pix); i += 4 {
				if img.Pix[i] != 0 {
					opaque++
				}
			}
			if opaque == 0 {
				t.Errorf("shape %d is fully transparent", st.Shape)
			}
			known[st.Shape] = true
		}

		src.DrawPointer(false)
		f, err := src.Capture()
		if err != nil {
			t.Fatal(err)
		}
		if n := changedNear(f, p.X, p.Y); n != 0 {
			t.Errorf("DrawPointer(false): %d pixels of the pointer at %v in the frame", n, p)
		}
		src.DrawPointer(true)
		if f, err = src.Capture(); err != nil {
			t.Fatal(err)
		}
		if n := changedNear(f, p.X, p.Y); n < 10 {
			t.Errorf("DrawPointer(true): only %d pixels differ around the pointer at %v", n, p)
		}
	}
	if len(known) == 0 {
		t.Error("no shape read")
	}
}
