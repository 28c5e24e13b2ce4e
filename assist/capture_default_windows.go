package assist

import (
	"image"
	"log/slog"

	"github.com/lifeline-desk/lifeline/assist/vpx"
	"github.com/lifeline-desk/lifeline/assist/wincap"
)

// defaultSource captures through DXGI Desktop Duplication and falls back
// to GDI where it is unavailable (Wine, some remote sessions); wincap.Open
// logs the path taken and why DXGI was not.
func defaultSource(display int, log *slog.Logger) (Source, error) {
	s, err := wincap.Open(display, log)
	if err != nil {
		return nil, err
	}
	return winSource{s}, nil
}

// winSource adapts a wincap.Source to Source.
type winSource struct{ s wincap.Source }

// Capture implements Source.
func (w winSource) Capture() (Frame, error) {
	f, err := w.s.Capture()
	if err != nil {
		return Frame{}, err
	}
	format := vpx.BGRA
	if f.Format == wincap.RGBA {
		format = vpx.RGBA
	}
	return Frame{Pix: f.Pix, Stride: f.Stride, Width: f.Width, Height: f.Height, Format: format}, nil
}

// Bounds implements Source.
func (w winSource) Bounds() image.Rectangle { return w.s.Bounds() }

// Close implements Source.
func (w winSource) Close() error { return w.s.Close() }
