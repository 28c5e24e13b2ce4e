package wincap

import (
	"bytes"
	"flag"
	"image"
	"log/slog"
	"strings"
	"testing"
)

// painted is set by TestUnderWine, which paints the pattern on the X
// server Wine draws its desktop on. On a real Windows desktop the screen
// shows whatever it shows, so the colour checks are left out.
var painted = flag.Bool("painted", false, "the screen shows pattern(patternW, patternH)")

// TestWindowsCapture opens display 0 the way assist does and checks that
// the path taken is DXGI exactly when DXGI duplication works here, that
// the log names it (and why DXGI was not taken), and that the frame shows
// the screen.
func TestWindowsCapture(t *testing.T) {
	b, err := displayBounds(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("display 0 at %v", b)
	dx, dxErr := newDXGI(b, slog.New(slog.DiscardHandler))
	if dxErr != nil {
		t.Logf("DXGI Desktop Duplication unavailable: %v", dxErr)
	} else {
		t.Log("DXGI Desktop Duplication works")
		dx.Close()
	}

	var logBuf bytes.Buffer
	s, err := Open(0, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := logBuf.String()
	t.Logf("log:\n%s", log)
	want := "dxgi"
	if dxErr != nil {
		want = "gdi"
		if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "path=dxgi") {
			t.Errorf("the log does not say why DXGI was not taken")
		}
	}
	if s.Path() != want {
		t.Fatalf("Open took %s, want %s", s.Path(), want)
	}
	if !strings.Contains(log, "level=INFO msg=\"screen capture\" display=0 path="+want) {
		t.Errorf("the log does not name the path taken (%s)", want)
	}
	if s.Bounds() != b {
		t.Errorf("Bounds() = %v, want %v", s.Bounds(), b)
	}

	for i := range 3 { // DXGI: the first frame is whole, later ones reuse it
		f, err := s.Capture()
		if err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
		if f.Width != b.Dx() || f.Height != b.Dy() || f.Stride < f.Width*4 || len(f.Pix) < f.Stride*(f.Height-1)+f.Width*4 {
			t.Fatalf("capture %d: frame %d×%d stride %d, %d bytes; want %d×%d", i, f.Width, f.Height, f.Stride, len(f.Pix), b.Dx(), b.Dy())
		}
		if !*painted {
			continue
		}
		if b != image.Rect(0, 0, patternW, patternH) {
			t.Fatalf("display at %v, want the painted %d×%d", b, patternW, patternH)
		}
		for _, p := range patternSamples {
			if got := rgbAt(f, p.x, p.y); got != p.rgb {
				t.Errorf("capture %d (%s, %v): pixel (%d,%d) = %v, want %v", i, s.Path(), f.Format, p.x, p.y, got, p.rgb)
			}
		}
	}
}

// BenchmarkWindowsCapture measures full-screen captures per second of
// each path that works here.
func BenchmarkWindowsCapture(b *testing.B) {
	bounds, err := displayBounds(0)
	if err != nil {
		b.Fatal(err)
	}
	paths := []opener{
		{"gdi", func() (Source, error) { return newGDI(bounds) }},
		{"screenshot", func() (Source, error) { return newScreenshot(bounds), nil }},
		{"dxgi", func() (Source, error) { return newDXGI(bounds, slog.New(slog.DiscardHandler)) }},
	}
	for _, p := range paths {
		b.Run(p.path, func(b *testing.B) {
			s, err := p.open()
			if err != nil {
				b.Skipf("%s unavailable: %v", p.path, err)
			}
			defer s.Close()
			b.ReportMetric(float64(bounds.Dx()), "width")
			b.ReportMetric(float64(bounds.Dy()), "height")
			for b.Loop() {
				if _, err := s.Capture(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
