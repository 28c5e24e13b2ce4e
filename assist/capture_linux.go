package assist

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"

	"github.com/gen2brain/shm"
	"github.com/jezek/xgb"
	mshm "github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xinerama"
	"github.com/jezek/xgb/xproto"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/assist/vpx"
)

// XShmSource captures an X11 display through one long-lived connection
// and one MIT-SHM segment: the server writes the pixels (BGRX) straight
// into shared memory and nothing is converted or allocated per frame. The
// mouse pointer, which is not part of the screen image, is drawn in from
// XFixes (so pointer motion alone also counts as a change).
// kbinani/screenshot opens a connection and a segment per frame and
// converts pixels one by one in Go, which costs more than encoding; see
// BENCHMARKS.md.
type XShmSource struct {
	mu     sync.Mutex
	c      *xgb.Conn
	root   xproto.Window
	seg    mshm.Seg
	data   []byte
	bounds image.Rectangle
	cursor bool // XFixes is available: draw the pointer into frames
	// noPointer leaves the pointer out of frames: the console draws it
	// (DrawPointer; read with ReadPointer).
	noPointer atomic.Bool
}

// NewXShmSource captures display index i (0 is the primary, as in
// Displays), or with AllDisplays the bounding rectangle of all of them,
// of the X server named display ("" means $DISPLAY).
func NewXShmSource(display string, i int) (*XShmSource, error) {
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", display, err)
	}
	s, err := newXShm(c, i)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func newXShm(c *xgb.Conn, i int) (*XShmSource, error) {
	if err := mshm.Init(c); err != nil {
		return nil, fmt.Errorf("X server lacks MIT-SHM: %w", err)
	}
	screen := xproto.Setup(c).DefaultScreen(c)
	heads := xHeads(c, screen)
	var bounds image.Rectangle
	switch {
	case i == AllDisplays:
		bounds = unionBounds(heads).Intersect(image.Rect(0, 0, int(screen.WidthInPixels), int(screen.HeightInPixels)))
	case i < 0 || i >= len(heads):
		return nil, fmt.Errorf("display %d not found (%d active)", i, len(heads))
	default:
		bounds = heads[i]
	}
	if screen.RootDepth != 24 && screen.RootDepth != 32 {
		return nil, fmt.Errorf("unsupported X screen depth %d (want 24 or 32)", screen.RootDepth)
	}
	size := bounds.Dx() * bounds.Dy() * 4
	id, err := shm.Get(shm.IPC_PRIVATE, size, shm.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("create shared memory: %w", err)
	}
	data, err := shm.At(id, 0, 0)
	if err != nil {
		shm.Rm(id)
		return nil, fmt.Errorf("attach shared memory: %w", err)
	}
	seg, err := mshm.NewSegId(c)
	if err == nil {
		err = mshm.AttachChecked(c, seg, uint32(id), false).Check()
	}
	// Once both sides are attached the segment can be marked for removal:
	// it disappears when the last one detaches, even after a crash.
	shm.Rm(id)
	if err != nil {
		shm.Dt(data)
		return nil, fmt.Errorf("X server cannot attach shared memory: %w", err)
	}
	s := &XShmSource{c: c, root: screen.Root, seg: seg, data: data, bounds: bounds}
	// The screen image does not contain the mouse pointer; XFixes lets us
	// draw it in, so the technician sees where the user points.
	if xfixes.Init(c) == nil {
		if _, err := xfixes.QueryVersion(c, 4, 0).Reply(); err == nil {
			s.cursor = true
		}
	}
	return s, nil
}

// xHeads are the rectangles of the X screen's monitors as Xinerama
// numbers them (its first head the primary one), or the whole screen
// without Xinerama.
func xHeads(c *xgb.Conn, screen *xproto.ScreenInfo) []image.Rectangle {
	if xinerama.Init(c) == nil {
		if r, err := xinerama.QueryScreens(c).Reply(); err == nil && r.Number > 0 {
			hs := make([]image.Rectangle, len(r.ScreenInfo))
			for i, si := range r.ScreenInfo {
				hs[i] = image.Rect(int(si.XOrg), int(si.YOrg), int(si.XOrg)+int(si.Width), int(si.YOrg)+int(si.Height))
			}
			return hs
		}
	}
	return []image.Rectangle{image.Rect(0, 0, int(screen.WidthInPixels), int(screen.HeightInPixels))}
}

// Capture implements Source. The frame is BGRA (alpha undefined).
func (s *XShmSource) Capture() (Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return Frame{}, errors.New("capture: source closed")
	}
	b := s.bounds
	_, err := mshm.GetImage(s.c, xproto.Drawable(s.root), int16(b.Min.X), int16(b.Min.Y),
		uint16(b.Dx()), uint16(b.Dy()), 0xffffffff, xproto.ImageFormatZPixmap, s.seg, 0).Reply()
	if err != nil {
		return Frame{}, fmt.Errorf("capture screen: %w", err)
	}
	f := Frame{Pix: s.data, Stride: b.Dx() * 4, Width: b.Dx(), Height: b.Dy(), Format: vpx.BGRA}
	if s.cursor && !s.noPointer.Load() {
		if cur, err := xfixes.GetCursorImage(s.c).Reply(); err == nil {
			drawCursor(f, b, cur)
		}
	}
	return f, nil
}

// drawCursor blends the pointer image (premultiplied ARGB, as XFixes
// returns it) into f, whose top-left corner is at b.Min on the desktop.
func drawCursor(f Frame, b image.Rectangle, cur *xfixes.GetCursorImageReply) {
	x0 := int(cur.X) - int(cur.Xhot) - b.Min.X
	y0 := int(cur.Y) - int(cur.Yhot) - b.Min.Y
	w, h := int(cur.Width), int(cur.Height)
	if len(cur.CursorImage) < w*h {
		return
	}
	for cy := 0; cy < h; cy++ {
		y := y0 + cy
		if y < 0 || y >= f.Height {
			continue
		}
		for cx := 0; cx < w; cx++ {
			x := x0 + cx
			if x < 0 || x >= f.Width {
				continue
			}
			p := cur.CursorImage[cy*w+cx]
			a := p >> 24
			if a == 0 {
				continue
			}
			o := y*f.Stride + x*4
			inv := 255 - a
			f.Pix[o] = byte(p&0xff + uint32(f.Pix[o])*inv/255)
			f.Pix[o+1] = byte(p>>8&0xff + uint32(f.Pix[o+1])*inv/255)
			f.Pix[o+2] = byte(p>>16&0xff + uint32(f.Pix[o+2])*inv/255)
		}
	}
}

// DrawPointer sets whether Capture draws the pointer into frames (the
// default) or leaves it to a console that draws it from ReadPointer.
func (s *XShmSource) DrawPointer(on bool) { s.noPointer.Store(!on) }

// ReadPointer reads the pointer through XFixes: its position, the cursor
// serial as the shape's id and, unless known, the cursor image.
func (s *XShmSource) ReadPointer(known func(uint32) bool) (PointerState, *inputproto.PointerImage, error) {
	// Not under mu: the request does not wait for a Capture in progress
	// (xgb connections take requests from any goroutine; one closed
	// meanwhile fails it).
	s.mu.Lock()
	c := s.c
	s.mu.Unlock()
	if c == nil {
		return PointerState{}, nil, errors.New("read pointer: source closed")
	}
	if !s.cursor {
		return PointerState{}, nil, errors.New("read pointer: the X server lacks XFixes")
	}
	cur, err := xfixes.GetCursorImage(c).Reply()
	if err != nil {
		return PointerState{}, nil, fmt.Errorf("read pointer: %w", err)
	}
	st := PointerState{At: image.Pt(int(cur.X), int(cur.Y)), Visible: true, Shape: cur.CursorSerial}
	w, h := int(cur.Width), int(cur.Height)
	if known(st.Shape) || len(cur.CursorImage) < w*h {
		return st, nil, nil
	}
	img := pointerImage(w, h, int(cur.Xhot), int(cur.Yhot), func(x, y int) (r, g, b, a uint8) {
		p := cur.CursorImage[y*w+x] // premultiplied ARGB
		al := p >> 24
		return unpremultiply(p>>16&0xff, al), unpremultiply(p>>8&0xff, al), unpremultiply(p&0xff, al), uint8(al)
	})
	return st, img, nil
}

// Bounds implements Source.
func (s *XShmSource) Bounds() image.Rectangle { return s.bounds }

// Close implements Source.
func (s *XShmSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return nil
	}
	mshm.DetachChecked(s.c, s.seg).Check()
	s.c.Close()
	s.c = nil
	return shm.Dt(s.data)
}
