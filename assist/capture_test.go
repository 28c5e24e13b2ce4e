//go:build linux

package assist

import (
	"image"
	"image/color"
	"testing"

	"github.com/lifeline-desk/lifeline/assist/vpx"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

func testPattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0xff, 0, 0, 0xff} // red
			switch {
			case x >= w/2 && y < h/2:
				c = color.RGBA{0, 0xff, 0, 0xff}
			case y >= h/2:
				c = color.RGBA{0, 0, 0xff, 0xff}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// rgbAt reads a pixel of a captured frame as R, G, B.
func rgbAt(f Frame, x, y int) [3]byte {
	o := y*f.Stride + x*4
	p := f.Pix[o : o+4]
	if f.Format == vpx.BGRA {
		return [3]byte{p[2], p[1], p[0]}
	}
	return [3]byte{p[0], p[1], p[2]}
}

func TestCaptureXvfb(t *testing.T) {
	d := xtest.Start(t, 320, 240)
	xtest.Paint(t, d, testPattern(320, 240))
	t.Setenv("DISPLAY", d)

	ds, err := Displays()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Bounds != image.Rect(0, 0, 320, 240) || !ds[0].Primary {
		t.Errorf("Displays() = %+v", ds)
	}

	xshm, err := NewXShmSource(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer xshm.Close()
	shot, err := NewScreenshotSource(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		src  Source
	}{{"xshm", xshm}, {"screenshot", shot}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.src.Capture()
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != 320 || f.Height != 240 {
				t.Fatalf("frame %dx%d", f.Width, f.Height)
			}
			for _, p := range []struct {
				x, y int
				want [3]byte
			}{
				{10, 10, [3]byte{0xff, 0, 0}},
				{300, 10, [3]byte{0, 0xff, 0}},
				{10, 200, [3]byte{0, 0, 0xff}},
			} {
				if got := rgbAt(f, p.x, p.y); got != p.want {
					t.Errorf("pixel (%d,%d) = %x, want %x", p.x, p.y, got, p.want)
				}
			}
		})
	}

	// Content painted after the source was opened is captured: the
	// segment is re-read every frame.
	xtest.Fill(t, d, color.RGBA{0x11, 0x22, 0x33, 0xff})
	f, err := xshm.Capture()
	if err != nil {
		t.Fatal(err)
	}
	if got := rgbAt(f, 100, 100); got != [3]byte{0x11, 0x22, 0x33} {
		t.Errorf("after repaint pixel = %x", got)
	}
}

func TestXShmSourceNoServer(t *testing.T) {
	if _, err := NewXShmSource(":4242", 0); err == nil {
		t.Error("no error for a display without server")
	}
}

// TestSecondMonitorOffsetXvfb checks that a pointer position on a display
// that does not start at the desktop's origin lands at the right place on
// the X server. (Xvfb's +xinerama stacks its screens at 0,0, so the second
// monitor is the right part of one wide screen; xtest.StartMonitors can
// declare it a RandR monitor, which the pointer mapping does not need.)
func TestSecondMonitorOffsetXvfb(t *testing.T) {
	d := xtest.Start(t, 720, 300)
	inj, err := NewRobotgoInjector(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inj.Close() })
	second := image.Rect(320, 0, 720, 300)
	for _, tc := range []struct {
		nx, ny uint16
		x, y   int
	}{{0, 0, 320, 0}, {65535, 65535, 719, 299}, {32768, 32768, 520, 150}} {
		x, y := toDesktop(second, tc.nx, tc.ny)
		if err := inj.Inject(Input{Kind: InputMove, X: x, Y: y}); err != nil {
			t.Fatal(err)
		}
		if gx, gy := xtest.Pointer(t, d); gx != tc.x || gy != tc.y {
			t.Errorf("normalised %d,%d on the second monitor: pointer at %d,%d, want %d,%d", tc.nx, tc.ny, gx, gy, tc.x, tc.y)
		}
	}
}

// pointerScreen is a 320×240 Xvfb filled with one green, a robotgo
// injector and an XShm source on it, and changedNear: how many pixels of
// a frame within 12 of x,y differ from the green.
func pointerScreen(t *testing.T) (d string, inj *RobotgoInjector, src *XShmSource, changedNear func(f Frame, x, y int) int) {
	t.Helper()
	d = xtest.Start(t, 320, 240)
	xtest.Fill(t, d, color.RGBA{0x20, 0x80, 0x20, 0xff})
	inj, err := NewRobotgoInjector(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inj.Close() })
	src, err = NewXShmSource(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	bg := [3]byte{0x20, 0x80, 0x20}
	changedNear = func(f Frame, x, y int) int {
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
	return d, inj, src, changedNear
}

// TestXShmDrawsPointer checks that the pointer appears in captured frames
// where the X server has it, and moves with it.
func TestXShmDrawsPointer(t *testing.T) {
	_, inj, src, changedNear := pointerScreen(t)
	for _, p := range []image.Point{{100, 100}, {250, 60}} {
		if err := inj.Inject(Input{Kind: InputMove, X: p.X, Y: p.Y}); err != nil {
			t.Fatal(err)
		}
		f, err := src.Capture()
		if err != nil {
			t.Fatal(err)
		}
		if n := changedNear(f, p.X, p.Y); n < 10 {
			t.Errorf("pointer at %v: only %d pixels differ from the background around it", p, n)
		}
		other := image.Pt(20, 220)
		if n := changedNear(f, other.X, other.Y); n != 0 {
			t.Errorf("pointer at %v: %d pixels differ near %v", p, n, other)
		}
	}
}

// TestDisplaysXvfbMonitors lists two RandR monitors of one Xvfb screen,
// named as xrandr --setmonitor named them, in Xinerama's order, and
// captures each and both at once with XShm.
func TestDisplaysXvfbMonitors(t *testing.T) {
	m0, m1 := image.Rect(0, 0, 320, 240), image.Rect(320, 0, 720, 300)
	d := xtest.StartMonitors(t, m0, m1)
	t.Setenv("DISPLAY", d)
	img := image.NewRGBA(image.Rect(0, 0, 720, 300))
	red, green := color.RGBA{0xff, 0, 0, 0xff}, color.RGBA{0, 0xff, 0, 0xff}
	for y := range 300 {
		for x := range 720 {
			if x < 320 {
				img.SetRGBA(x, y, red)
			} else {
				img.SetRGBA(x, y, green)
			}
		}
	}
	xtest.Paint(t, d, img)
	ds, err := Displays()
	if err != nil {
		t.Fatal(err)
	}
	want := []Display{{Index: 0, Bounds: m0, Primary: true, Name: "M0"}, {Index: 1, Bounds: m1, Name: "M1"}}
	if len(ds) != 2 || ds[0] != want[0] || ds[1] != want[1] {
		t.Fatalf("Displays = %+v, want %+v", ds, want)
	}
	for _, tc := range []struct {
		display int
		bounds  image.Rectangle
		left    [3]byte // the frame's first pixel
		right   [3]byte // its last column's
	}{
		{0, m0, [3]byte{0xff, 0, 0}, [3]byte{0xff, 0, 0}},
		{1, m1, [3]byte{0, 0xff, 0}, [3]byte{0, 0xff, 0}},
		{AllDisplays, image.Rect(0, 0, 720, 300), [3]byte{0xff, 0, 0}, [3]byte{0, 0xff, 0}},
	} {
		s, err := NewXShmSource(d, tc.display)
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.Capture()
		if err != nil {
			t.Fatal(err)
		}
		if s.Bounds() != tc.bounds || f.Width != tc.bounds.Dx() || f.Height != tc.bounds.Dy() {
			t.Errorf("display %d: bounds %v, frame %d×%d, want %v", tc.display, s.Bounds(), f.Width, f.Height, tc.bounds)
		}
		// Below the pointer's corner (XShm draws it in).
		if l, r := rgbAt(f, 0, f.Height-1), rgbAt(f, f.Width-1, f.Height-1); l != tc.left || r != tc.right {
			t.Errorf("display %d: pixels %v … %v, want %v … %v", tc.display, l, r, tc.left, tc.right)
		}
		s.Close()
	}
}
