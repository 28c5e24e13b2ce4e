package wincap

import (
	"fmt"
	"image"
	"log/slog"
	"os"

	"github.com/kbinani/screenshot"
)

// Open captures display index i (in the order of Monitors: 0 is the
// primary monitor), through DXGI Desktop Duplication when it
// works and through GDI otherwise (or from the path CaptureEnv names). It
// logs the path taken and why the better ones were not, on log.
func Open(i int, log *slog.Logger) (Source, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b, err := displayBounds(i)
	if err != nil {
		return nil, err
	}
	return pick(log, i, startAt(log, os.Getenv(CaptureEnv), []opener{
		{"dxgi", func() (Source, error) { return newDXGI(b, log) }},
		{"gdi", func() (Source, error) { return newGDI(b) }},
		{"gdi-screenshot", func() (Source, error) { return newScreenshot(b), nil }},
	})...)
}

// screenshotSource captures through kbinani/screenshot: GDI again, but
// with a new device context, bitmap and image per frame and a conversion
// to RGBA in Go. It is the last resort should the DIB section of
// gdiSource be refused.
type screenshotSource struct{ bounds image.Rectangle }

func newScreenshot(b image.Rectangle) *screenshotSource { return &screenshotSource{bounds: b} }

// Capture implements Source.
func (s *screenshotSource) Capture() (Frame, error) {
	img, err := screenshot.CaptureRect(s.bounds)
	if err != nil {
		return Frame{}, fmt.Errorf("capture screen: %w", err)
	}
	return Frame{Pix: img.Pix, Stride: img.Stride, Width: s.bounds.Dx(), Height: s.bounds.Dy(), Format: RGBA}, nil
}

// Bounds implements Source.
func (s *screenshotSource) Bounds() image.Rectangle { return s.bounds }

// Path implements Source.
func (s *screenshotSource) Path() string { return "gdi-screenshot" }

// Close implements Source.
func (s *screenshotSource) Close() error { return nil }
