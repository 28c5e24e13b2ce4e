package xtest

import (
	"image"
	"image/color"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Flip is one change of a Reactor's square, answering one input event.
type Flip struct {
	Colour int       // index of the colour the square now has (0 or 1)
	Event  time.Time // when the reactor read the key or button press
	Drawn  time.Time // when the X server had filled the square (a round trip after the fill)
}

// Reactor is a full-screen, input-focused window of its own X client that
// answers every key press and button press by filling a square with the
// other of two colours: a screen that changes in reaction to input, for
// measuring input → changed pixel through a remote session. It keeps the
// times of each flip on the test's clock.
type Reactor struct {
	c       *xgb.Conn
	win     xproto.Window
	gc      xproto.Gcontext
	square  image.Rectangle
	colours [2]color.RGBA

	mu     sync.Mutex
	cur    int
	flips  []Flip
	notify chan struct{}
}

// NewReactor maps a full-screen window on display painted bg, with square
// in colours[0], gives it the input focus and flips the square on every
// key or button press until the test ends. It returns once the square is
// drawn.
func NewReactor(t testing.TB, display string, bg color.RGBA, square image.Rectangle, colours [2]color.RGBA) *Reactor {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	win := fullScreenWindow(t, c, pixel(bg), xproto.EventMaskKeyPress|xproto.EventMaskButtonPress|xproto.EventMaskExposure)
	gc, err := xproto.NewGcontextId(c)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	if err := xproto.CreateGCChecked(c, gc, xproto.Drawable(win), xproto.GcGraphicsExposures, []uint32{0}).Check(); err != nil {
		c.Close()
		t.Fatalf("create GC: %v", err)
	}
	r := &Reactor{c: c, win: win, gc: gc, square: square, colours: colours, notify: make(chan struct{}, 1)}
	if err := r.fill(0); err != nil {
		c.Close()
		t.Fatalf("draw the square: %v", err)
	}
	done := make(chan struct{})
	go r.loop(done)
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	return r
}

// pixel is c as a 24-bit TrueColor pixel value.
func pixel(c color.RGBA) uint32 { return uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B) }

// fill paints the square in colour i and waits until the server did.
func (r *Reactor) fill(i int) error {
	xproto.ChangeGC(r.c, r.gc, xproto.GcForeground, []uint32{pixel(r.colours[i])})
	q := r.square
	xproto.PolyFillRectangle(r.c, xproto.Drawable(r.win), r.gc,
		[]xproto.Rectangle{{X: int16(q.Min.X), Y: int16(q.Min.Y), Width: uint16(q.Dx()), Height: uint16(q.Dy())}})
	_, err := xproto.GetInputFocus(r.c).Reply()
	return err
}

func (r *Reactor) loop(done chan struct{}) {
	defer close(done)
	for {
		ev, err := r.c.WaitForEvent()
		if ev == nil && err == nil {
			return
		}
		at := time.Now()
		switch ev.(type) {
		case xproto.KeyPressEvent, xproto.ButtonPressEvent:
		case xproto.ExposeEvent:
			r.mu.Lock()
			cur := r.cur
			r.mu.Unlock()
			r.fill(cur)
			continue
		default:
			continue
		}
		r.mu.Lock()
		r.cur = 1 - r.cur
		cur := r.cur
		r.mu.Unlock()
		if r.fill(cur) != nil {
			return // the connection closed
		}
		drawn := time.Now()
		r.mu.Lock()
		r.flips = append(r.flips, Flip{Colour: cur, Event: at, Drawn: drawn})
		r.mu.Unlock()
		select {
		case r.notify <- struct{}{}:
		default:
		}
	}
}

// Colour is the index of the square's colour now.
func (r *Reactor) Colour() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// Flips returns the flips so far, oldest first.
func (r *Reactor) Flips() []Flip {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Flip(nil), r.flips...)
}

// WaitFlips waits up to timeout until at least n flips happened and
// returns the flips so far.
func (r *Reactor) WaitFlips(n int, timeout time.Duration) []Flip {
	deadline := time.After(timeout)
	for {
		f := r.Flips()
		if len(f) >= n {
			return f
		}
		select {
		case <-r.notify:
		case <-deadline:
			return f
		}
	}
}
