package wincap

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// threeMonitors is set by TestMonitorsUnderWine, which gives Wine the
// layout of pattern_test.go (monitors left of and above the primary one)
// painted with monitorsPattern.
var threeMonitors = flag.Bool("monitors", false, "the desktop is the monitor layout of monitorsPattern")

// TestWindowsMonitors checks the monitors Windows reports, display 0
// being the primary one; then, on the three-monitor layout, that every
// path captures each monitor at its virtual-screen rectangle (negative x
// for the left one, negative y for the one above), that DXGI finds each monitor's output by its desktop
// coordinates, and that the pointer mapping of input lands where it
// should: normalised coordinates on each display, mapped with
// inputproto.ToRect as the input gate maps them, then SetCursorPos as
// the Windows injector moves, end at that virtual-screen point.
func TestWindowsMonitors(t *testing.T) {
	ms, err := Monitors()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		t.Logf("display %d: %v primary=%v %s", i, m.Bounds, m.Primary, m.Device)
	}
	if !ms[0].Primary {
		t.Errorf("display 0 is not the primary monitor: %+v", ms)
	}
	if !*threeMonitors {
		return
	}
	var got []image.Rectangle
	for _, m := range ms {
		got = append(got, m.Bounds)
	}
	if want := []image.Rectangle{winPrimary, winLeft, winAbove}; !slices.Equal(got, want) {
		t.Fatalf("monitors at %v, want %v", got, want)
	}
	// Keep the pointer on the primary monitor, off the samples.
	if err := SetCursorPos(image.Pt(300, 400)); err != nil {
		t.Fatal(err)
	}

	for i, m := range ms {
		adapter, output, err := findOutput(m.Bounds)
		if err != nil {
			t.Errorf("display %d: %v", i, err)
		} else {
			t.Logf("display %d: DXGI output found at desktop coordinates %v", i, m.Bounds)
			output.release()
			adapter.release()
		}
		paths := []opener{
			{"gdi", func() (Source, error) { return newGDI(m.Bounds) }},
			{"gdi-screenshot", func() (Source, error) { return newScreenshot(m.Bounds), nil }},
		}
		for _, p := range paths {
			s, err := p.open()
			if err != nil {
				t.Errorf("display %d, %s: %v", i, p.path, err)
				continue
			}
			checkMonitorFrame(t, i, s)
			s.Close()
		}
		// And the way assist opens it.
		var logBuf bytes.Buffer
		s, err := Open(i, slog.New(slog.NewTextHandler(&logBuf, nil)))
		if err != nil {
			t.Fatalf("Open(%d): %v", i, err)
		}
		if s.Bounds() != m.Bounds {
			t.Errorf("Open(%d).Bounds() = %v, want %v", i, s.Bounds(), m.Bounds)
		}
		if !strings.Contains(logBuf.String(), "bounds="+m.Bounds.String()) {
			t.Errorf("Open(%d) logged no bounds=%v:\n%s", i, m.Bounds, logBuf.String())
		}
		checkMonitorFrame(t, i, s)
		s.Close()
	}

	checkAllDisplays(t)

	for _, tc := range []struct {
		display int
		nx, ny  uint16
		want    image.Point
	}{
		{1, 0, 0, image.Pt(-800, 0)},
		{1, 65535, 65535, image.Pt(-1, 599)},
		{1, 32768, 32768, image.Pt(-400, 300)},
		{1, 65535, 0, image.Pt(-1, 0)},
		{2, 0, 0, image.Pt(0, -600)},
		{2, 65535, 65535, image.Pt(639, -1)},
		{0, 65535, 65535, image.Pt(1023, 767)},
		{1, lastNX, lastNY, image.Pt(-600, 449)},
	} {
		b := ms[tc.display].Bounds
		x, y := inputproto.ToRect(b, tc.nx, tc.ny)
		if image.Pt(x, y) != tc.want {
			t.Errorf("ToRect(%v, %d, %d) = %d,%d, want %v", b, tc.nx, tc.ny, x, y, tc.want)
		}
		if err := SetCursorPos(image.Pt(x, y)); err != nil {
			t.Fatal(err)
		}
		at, err := CursorPos()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("normalised %d,%d on display %d → SetCursorPos(%d, %d) → GetCursorPos %v", tc.nx, tc.ny, tc.display, x, y, at)
		if at != tc.want {
			t.Errorf("normalised %d,%d on display %d: pointer at %v, want %v", tc.nx, tc.ny, tc.display, at, tc.want)
		}
	}

	// The pointer, now on display 1 at virtual-screen (-600, 449), is
	// drawn into that display's frame at (200, 449): some pixel below
	// and right of it is not the magenta underneath.
	left := ms[1].Bounds
	s, err := newGDI(left)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.Capture()
	if err != nil {
		t.Fatal(err)
	}
	at := image.Pt(-600, 449).Sub(left.Min)
	drawn := 0
	for y := at.Y - 8; y < at.Y+32; y++ {
		for x := at.X - 8; x < at.X+32; x++ {
			if rgbAt(f, x, y) != magenta {
				drawn++
			}
		}
	}
	t.Logf("display 1: %d pixels of the pointer drawn around %v", drawn, at)
	if drawn == 0 {
		t.Errorf("display 1: no pointer drawn at %v of the frame", at)
	}
}

// checkMonitorFrame captures display i from s and checks the colours
// monitorsPattern painted there.
// checkAllDisplays opens AllDisplays, as the console's "All displays"
// does: the bounding rectangle of the three monitors, from negative x
// and y, captured (by GDI: DXGI duplicates one output) with each
// monitor's colours where it lies and black where none does; pointer
// coordinates map across it.
func checkAllDisplays(t *testing.T) {
	t.Helper()
	var logBuf bytes.Buffer
	s, err := Open(AllDisplays, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err != nil {
		t.Fatalf("Open(AllDisplays): %v", err)
	}
	defer s.Close()
	want := winLeft.Union(winPrimary).Union(winAbove)
	if s.Bounds() != want || want != image.Rect(-800, -600, 1024, 768) {
		t.Fatalf("Open(AllDisplays).Bounds() = %v, want %v", s.Bounds(), want)
	}
	f, err := s.Capture()
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != want.Dx() || f.Height != want.Dy() {
		t.Fatalf("all displays: frame %d×%d, want %d×%d", f.Width, f.Height, want.Dx(), want.Dy())
	}
	for _, p := range []struct {
		at  image.Point // virtual screen
		rgb [3]byte
	}{
		{image.Pt(900, 700), grey}, {image.Pt(-700, 100), yellow}, {image.Pt(-100, 100), cyan},
		{image.Pt(-400, 500), magenta}, {image.Pt(100, -300), orange}, {image.Pt(600, -300), white},
		{image.Pt(-400, -300), [3]byte{}}, {image.Pt(900, -300), [3]byte{}},
	} {
		if got := rgbAt(f, p.at.X-want.Min.X, p.at.Y-want.Min.Y); got != p.rgb {
			t.Errorf("all displays, %s: virtual-screen pixel %v = %x, want %x", s.Path(), p.at, got, p.rgb)
		}
	}
	t.Logf("all displays at %v, %s", want, s.Path())
	for _, tc := range []struct {
		nx, ny uint16
		want   image.Point
	}{{0, 0, image.Pt(-800, -600)}, {65535, 65535, image.Pt(1023, 767)}} {
		if x, y := inputproto.ToRect(s.Bounds(), tc.nx, tc.ny); image.Pt(x, y) != tc.want {
			t.Errorf("all displays: ToRect(%d, %d) = %d,%d, want %v", tc.nx, tc.ny, x, y, tc.want)
		}
	}
}

func checkMonitorFrame(t *testing.T, i int, s Source) {
	t.Helper()
	f, err := s.Capture()
	if err != nil {
		t.Errorf("display %d, %s: %v", i, s.Path(), err)
		return
	}
	b := s.Bounds()
	if f.Width != b.Dx() || f.Height != b.Dy() {
		t.Errorf("display %d, %s: frame %d×%d, want %d×%d", i, s.Path(), f.Width, f.Height, b.Dx(), b.Dy())
		return
	}
	bad := 0
	for _, p := range monitorSamples[i] {
		if got := rgbAt(f, p.x, p.y); got != p.rgb {
			t.Errorf("display %d, %s: pixel (%d,%d) = %x, want %x", i, s.Path(), p.x, p.y, got, p.rgb)
			bad++
		}
	}
	if bad == 0 {
		t.Logf("display %d at %v, %s: %d samples right", i, b, s.Path(), len(monitorSamples[i]))
	}
}

// pointerTo is set by TestMonitorsUnderWine: "display,nx,ny".
var pointerTo = flag.String("pointer", "", "move the pointer to normalised nx,ny of display (display,nx,ny) and exit")

// TestWindowsPointerTo moves the pointer as the Windows injector does —
// normalised coordinates mapped into the display's virtual-screen
// rectangle with inputproto.ToRect, then SetCursorPos — so that the test
// on the Linux side can read where it landed on the X server.
func TestWindowsPointerTo(t *testing.T) {
	if *pointerTo == "" {
		t.Skip("run by TestMonitorsUnderWine with -pointer")
	}
	var d int
	var nx, ny uint16
	if _, err := fmt.Sscanf(*pointerTo, "%d,%d,%d", &d, &nx, &ny); err != nil {
		t.Fatalf("-pointer %q: %v", *pointerTo, err)
	}
	ms, err := Monitors()
	if err != nil {
		t.Fatal(err)
	}
	if d < 0 || d >= len(ms) {
		t.Fatalf("display %d of %d", d, len(ms))
	}
	x, y := inputproto.ToRect(ms[d].Bounds, nx, ny)
	if err := SetCursorPos(image.Pt(x, y)); err != nil {
		t.Fatal(err)
	}
	t.Logf("display %d at %v: normalised %d,%d → SetCursorPos(%d, %d)", d, ms[d].Bounds, nx, ny, x, y)
}
