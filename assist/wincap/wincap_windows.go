package wincap

import (
	"fmt"
	"image"
	"log/slog"

	"github.com/kbinani/screenshot"
)

// Open captures display index i (0 is the primary, in the order of
// screenshot.GetDisplayBounds), through DXGI Desktop Duplication when it
// works and through GDI otherwise. It logs the path taken and why DXGI
// was not, on log.
func Open(i int, log *slog.Logger) (Source, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b, err := displayBounds(i)
	if err != nil {
		return nil, err
	}
	return pick(log, i,
		opener{"dxgi", func() (Source, error) { return newDXGI(b, log) }},
		opener{"gdi", func() (Source, error) { return newGDI(b), nil }},
	)
}

func displayBounds(i int) (image.Rectangle, error) {
	if n := screenshot.NumActiveDisplays(); i < 0 || i >= n {
		return image.Rectangle{}, fmt.Errorf("display %d not found (%d active)", i, n)
	}
	return screenshot.GetDisplayBounds(i), nil
}

// gdiSource captures with GDI BitBlt through kbinani/screenshot, which
// Wine implements and every Windows session has.
type gdiSource struct{ bounds image.Rectangle }

func newGDI(b image.Rectangle) *gdiSource { return &gdiSource{bounds: b} }

// Capture implements Source. GDI says nothing about what changed, so
// Dirty is nil.
func (s *gdiSource) Capture() (Frame, error) {
	img, err := screenshot.CaptureRect(s.bounds)
	if err != nil {
		return Frame{}, fmt.Errorf("capture screen: %w", err)
	}
	return Frame{Pix: img.Pix, Stride: img.Stride, Width: s.bounds.Dx(), Height: s.bounds.Dy(), Format: RGBA}, nil
}

// Bounds implements Source.
func (s *gdiSource) Bounds() image.Rectangle { return s.bounds }

// Path implements Source.
func (s *gdiSource) Path() string { return "gdi" }

// Close implements Source.
func (s *gdiSource) Close() error { return nil }
