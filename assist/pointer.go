package assist

import (
	"context"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// pointerInterval is how often the pointer is read while a console draws
// it: about 60 Hz, whatever the video's frame rate or its dropped frames.
const pointerInterval = time.Second / 60

// maxPointerBacklog is how much the control channel may hold unsent before
// a position is skipped rather than queued behind stale ones.
const maxPointerBacklog = 64 << 10

// maxPointerShapes caps the shape ids remembered as sent; past it the
// cache starts afresh (the console keeps its own).
const maxPointerShapes = 256

// PointerState is the mouse pointer as a capture source reads it.
type PointerState struct {
	At      image.Point // the hotspot, in desktop coordinates
	Visible bool        // false: the system hides the pointer
	Shape   uint32      // changes when the pointer's shape does (the X cursor serial)
}

// pointerSource is a capture Source that reads the pointer apart from its
// frames, for a console that draws the pointer itself (inputproto
// DrawPointer), and can leave it out of the frames for such a console.
// Both methods may be called from another goroutine than Capture's.
type pointerSource interface {
	// ReadPointer reads the pointer now; when known(state.Shape) is
	// false it also returns the shape's image (nil if it has none).
	ReadPointer(known func(shape uint32) bool) (PointerState, *inputproto.PointerImage, error)
	// DrawPointer sets whether Capture draws the pointer into frames
	// (the default).
	DrawPointer(on bool)
}

// pointerSampler sends the pointer's position and shape to a console that
// draws it, from its own goroutine and independently of the video's
// capture loop. It runs only while the video pipeline does (started by
// peer.startVideo, after the user allowed viewing; stopped with it).
type pointerSampler struct {
	log   *slog.Logger
	send  func([]byte) bool // false: not sent (channel not open, or backed up)
	draws *atomic.Bool      // the console draws the pointer

	mu  sync.Mutex
	src Source // the source shown now

	cancel context.CancelFunc
	done   chan struct{}
}

func startPointerSampler(ctx context.Context, src Source, draws *atomic.Bool, send func([]byte) bool, log *slog.Logger) *pointerSampler {
	ctx, cancel := context.WithCancel(ctx)
	ps := &pointerSampler{log: log, send: send, draws: draws, src: src, cancel: cancel, done: make(chan struct{})}
	ps.apply()
	go ps.run(ctx)
	return ps
}

// setSource follows a display switch: src is what the video shows from
// its next frame on; it leaves the pointer out if the console draws it.
func (ps *pointerSampler) setSource(src Source) {
	ps.mu.Lock()
	ps.src = src
	ps.mu.Unlock()
	ps.apply()
}

// apply tells the source shown whether to draw the pointer into frames.
func (ps *pointerSampler) apply() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.src.(pointerSource); ok {
		p.DrawPointer(!ps.draws.Load())
	}
}

// stop ends the sampling and waits for it: nothing is read or sent after.
func (ps *pointerSampler) stop() {
	ps.cancel()
	<-ps.done
}

func (ps *pointerSampler) run(ctx context.Context) {
	defer close(ps.done)
	t := time.NewTicker(pointerInterval)
	defer t.Stop()
	sent := map[uint32]bool{}
	var last inputproto.Message // the last position sent; Type 0: none since the console asked
	drew := ps.draws.Load()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if d := ps.draws.Load(); d != drew {
			drew = d
			ps.apply() // DrawPointer came while the sampler started
		}
		if !drew {
			last = inputproto.Message{}
			continue
		}
		ps.mu.Lock()
		src := ps.src
		ps.mu.Unlock()
		p, ok := src.(pointerSource)
		if !ok {
			continue
		}
		st, img, err := p.ReadPointer(func(id uint32) bool { return sent[id] })
		if err != nil {
			continue // a source closed by a switch: the next tick reads the new one
		}
		if img != nil && !sent[st.Shape] {
			img.ID = st.Shape
			b, err := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePointerShape, Shape: img})
			if err != nil {
				ps.log.Debug("pointer shape not sent", "err", err)
			} else if !ps.send(b) {
				continue
			}
			if len(sent) >= maxPointerShapes {
				clear(sent)
			}
			sent[st.Shape] = true
		}
		m := pointerPosition(src.Bounds(), st)
		if m == last {
			continue
		}
		b, _ := inputproto.Marshal(m)
		if ps.send(b) {
			last = m
		}
	}
}

// pointerPosition is the PointerPosition message of st over the picture
// of b, the area the video shows: the pointer is visible only on it.
func pointerPosition(b image.Rectangle, st PointerState) inputproto.Message {
	m := inputproto.Message{Type: inputproto.TypePointerPosition, ShapeID: st.Shape}
	if b.Empty() || !st.Visible || !st.At.In(b) {
		return m
	}
	norm := func(v, n int) uint16 {
		if n <= 1 {
			return 0
		}
		return uint16((v*65535 + (n-1)/2) / (n - 1))
	}
	m.X, m.Y = norm(st.At.X-b.Min.X, b.Dx()), norm(st.At.Y-b.Min.Y, b.Dy())
	m.Visible = true
	return m
}

// pointerImage makes a w×h pointer shape with hotspot hx, hy for a
// PointerShape message from px (straight-alpha RGBA of pixel x, y), scaled
// down to fit inputproto.MaxPointerSize (nearest pixel) if larger.
func pointerImage(w, h, hx, hy int, px func(x, y int) (r, g, b, a uint8)) *inputproto.PointerImage {
	if w <= 0 || h <= 0 {
		return nil
	}
	dw, dh := w, h
	if m := inputproto.MaxPointerSize; w > m || h > m {
		if w >= h {
			dw, dh = m, max(1, h*m/w)
		} else {
			dw, dh = max(1, w*m/h), m
		}
	}
	img := &inputproto.PointerImage{W: dw, H: dh,
		HotX: min(max(hx*dw/w, 0), dw-1), HotY: min(max(hy*dh/h, 0), dh-1),
		Pix: make([]byte, 0, dw*dh*4)}
	for y := range dh {
		for x := range dw {
			r, g, b, a := px(x*w/dw, y*h/dh)
			img.Pix = append(img.Pix, r, g, b, a)
		}
	}
	return img
}

// unpremultiply turns a premultiplied colour channel back into a straight one.
func unpremultiply(c, a uint32) uint8 {
	if a == 0 {
		return 0
	}
	return uint8(min(255, (c*255+a/2)/a))
}
