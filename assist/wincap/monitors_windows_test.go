package wincap

import (
	"bytes"
	"flag"
	"image"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// twoMonitors is set by TestMonitorsUnderWine, which gives Wine the
// layout of pattern_test.go (a monitor left of the primary one) painted
// with monitorsPattern.
var twoMonitors = flag.Bool("monitors", false, "the desktop is the two-monitor layout of monitorsPattern")

// TestWindowsMonitors checks the monitors Windows reports, display 0
// being the primary one; then, on the two-monitor layout, that every path
// captures each monitor at its virtual-screen rectangle (negative x for
// the left one), that DXGI finds each monitor's output by its desktop
// coordinates, and that the pointer mapping of input lands where it
// should: normalised coordinates on display 1, mapped with
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
	if !*twoMonitors {
		return
	}
	var got []image.Rectangle
	for _, m := range ms {
		got = append(got, m.Bounds)
	}
	if want := []image.Rectangle{winPrimary, winLeft}; !slices.Equal(got, want) {
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

	left := ms[1].Bounds
	for _, tc := range []struct {
		nx, ny uint16
		want   image.Point
	}{
		{0, 0, image.Pt(-800, 0)},
		{65535, 65535, image.Pt(-1, 599)},
		{32768, 32768, image.Pt(-400, 300)},
		{65535, 0, image.Pt(-1, 0)},
		{lastNX, lastNY, image.Pt(-600, 449)},
	} {
		x, y := inputproto.ToRect(left, tc.nx, tc.ny)
		if image.Pt(x, y) != tc.want {
			t.Errorf("ToRect(%v, %d, %d) = %d,%d, want %v", left, tc.nx, tc.ny, x, y, tc.want)
		}
		if err := SetCursorPos(image.Pt(x, y)); err != nil {
			t.Fatal(err)
		}
		at, err := CursorPos()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("normalised %d,%d on display 1 → SetCursorPos(%d, %d) → GetCursorPos %v", tc.nx, tc.ny, x, y, at)
		if at != tc.want {
			t.Errorf("normalised %d,%d on display 1: pointer at %v, want %v", tc.nx, tc.ny, at, tc.want)
		}
	}

	// The pointer, now on display 1 at virtual-screen (-600, 449), is
	// drawn into that display's frame at (200, 449): some pixel below
	// and right of it is not the magenta underneath.
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
