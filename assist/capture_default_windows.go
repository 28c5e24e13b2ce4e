package assist

import (
	"errors"
	"image"
	"log/slog"
	"sync"

	"github.com/lifeline-desk/lifeline/assist/inputproto"

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
	return &winSource{s: s}, nil
}

// winSource adapts a wincap.Source to Source, and to pointerSource: the
// pointer is read with a wincap.PointerReader (GetCursorInfo, whatever
// the capture path), made on the first read.
type winSource struct {
	s wincap.Source

	mu     sync.Mutex
	reader *wincap.PointerReader
	closed bool
}

// DrawPointer implements pointerSource (the DXGI and GDI paths; the
// last-resort screenshot path never draws it).
func (w *winSource) DrawPointer(on bool) {
	if d, ok := w.s.(interface{ DrawPointer(bool) }); ok {
		d.DrawPointer(on)
	}
}

// ReadPointer implements pointerSource; the HCURSOR is the shape's id.
func (w *winSource) ReadPointer(known func(uint32) bool) (PointerState, *inputproto.PointerImage, error) {
	w.mu.Lock()
	if w.reader == nil && !w.closed {
		r, err := wincap.NewPointerReader()
		if err != nil {
			w.mu.Unlock()
			return PointerState{}, nil, err
		}
		w.reader = r
	}
	r := w.reader
	w.mu.Unlock()
	if r == nil {
		return PointerState{}, nil, errors.New("read pointer: source closed")
	}
	p, shape, err := r.Read(func(c uintptr) bool { return known(uint32(c)) })
	if err != nil {
		return PointerState{}, nil, err
	}
	st := PointerState{At: p.At, Visible: p.Visible, Shape: uint32(p.Cursor)}
	if shape == nil {
		return st, nil, nil
	}
	img := pointerImage(shape.W, shape.H, shape.HotX, shape.HotY, func(x, y int) (r, g, b, a uint8) {
		o := (y*shape.W + x) * 4
		return shape.Pix[o], shape.Pix[o+1], shape.Pix[o+2], shape.Pix[o+3]
	})
	return st, img, nil
}

// Capture implements Source.
func (w *winSource) Capture() (Frame, error) {
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
func (w *winSource) Bounds() image.Rectangle { return w.s.Bounds() }

// Close implements Source.
func (w *winSource) Close() error {
	w.mu.Lock()
	r := w.reader
	w.reader, w.closed = nil, true
	w.mu.Unlock()
	if r != nil {
		r.Close()
	}
	return w.s.Close()
}
