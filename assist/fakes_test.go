package assist

import (
	"context"
	"errors"
	"image"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/vpx"
)

// pipeSignaler is one end of an in-memory signaling channel.
type pipeSignaler struct {
	in  <-chan Signal
	out chan<- Signal
}

func (p *pipeSignaler) Send(ctx context.Context, s Signal) error {
	select {
	case p.out <- s:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipeSignaler) Recv(ctx context.Context) (Signal, error) {
	select {
	case s, ok := <-p.in:
		if !ok {
			return Signal{}, errors.New("closed")
		}
		return s, nil
	case <-ctx.Done():
		return Signal{}, ctx.Err()
	}
}

// signalPipe returns the desktop's Signaler and the technician's ends.
func signalPipe() (desk *pipeSignaler, toDesk chan<- Signal, fromDesk <-chan Signal) {
	a, b := make(chan Signal, 64), make(chan Signal, 64)
	return &pipeSignaler{in: a, out: b}, a, b
}

// countingSource produces synthetic frames with a moving band and counts
// captures, and the captures after it was closed.
type countingSource struct {
	w, h    int
	calls   atomic.Int64
	opened  atomic.Int64
	closed  atomic.Bool
	late    atomic.Int64 // captures after Close
	static  atomic.Bool
	mu      sync.Mutex
	pix     []byte
	counter int
}

func newCountingSource(w, h int) *countingSource {
	return &countingSource{w: w, h: h, pix: make([]byte, w*h*4)}
}

func (c *countingSource) Capture() (Frame, error) {
	c.calls.Add(1)
	if c.closed.Load() {
		c.late.Add(1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.static.Load() {
		c.counter++
		row := (c.counter * 4) % c.h
		for i := row * c.w * 4; i < (row+4)*c.w*4 && i < len(c.pix); i++ {
			c.pix[i] += 97
		}
	}
	return Frame{Pix: c.pix, Stride: c.w * 4, Width: c.w, Height: c.h, Format: vpx.BGRA}, nil
}

func (c *countingSource) Bounds() image.Rectangle { return image.Rect(0, 0, c.w, c.h) }
func (c *countingSource) Close() error            { c.closed.Store(true); return nil }

func (c *countingSource) factory() func() (Source, error) {
	return func() (Source, error) {
		c.opened.Add(1)
		return c, nil
	}
}

// checkStopped fails t unless src was closed and never captured after
// that: call it once Run has returned.
func (c *countingSource) checkStopped(t testing.TB) {
	t.Helper()
	if c.opened.Load() > 0 && !c.closed.Load() {
		t.Error("capture source still open after Run returned")
	}
	if n := c.late.Load(); n != 0 {
		t.Errorf("%d captures after the source was closed", n)
	}
}

// countingInjector records what would have been injected.
type countingInjector struct {
	mu     sync.Mutex
	inputs []Input
}

func (c *countingInjector) Inject(in Input) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inputs = append(c.inputs, in)
	return nil
}

func (c *countingInjector) Inputs() []Input {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Input(nil), c.inputs...)
}

// fakeClock fires timers only when told to.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	added  chan struct{}
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), added: make(chan struct{}, 16)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	select {
	case c.added <- struct{}{}:
	default:
	}
	return ch
}

// Advance moves time forward, fires due timers and says how many.
func (c *fakeClock) Advance(d time.Duration) (fired int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.ch <- c.now
			fired++
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
	return fired
}

// scriptedConsenter hands each question to the test.
type scriptedConsenter struct {
	asked chan askCall
}

type askCall struct {
	req    ConsentRequest
	ctx    context.Context
	answer chan bool
}

func newScriptedConsenter() *scriptedConsenter {
	return &scriptedConsenter{asked: make(chan askCall, 4)}
}

func (s *scriptedConsenter) Ask(ctx context.Context, req ConsentRequest) (bool, error) {
	c := askCall{req: req, ctx: ctx, answer: make(chan bool, 1)}
	s.asked <- c
	select {
	case ok := <-c.answer:
		return ok, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (s *scriptedConsenter) next(t testing.TB) askCall {
	t.Helper()
	select {
	case c := <-s.asked:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no consent question asked")
		return askCall{}
	}
}

// eventLog collects state events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
	ch     chan Event
}

func newEventLog() *eventLog { return &eventLog{ch: make(chan Event, 64)} }

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
	l.ch <- e
}

func (l *eventLog) waitFor(t testing.TB, st State) Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e := <-l.ch:
			if e.State == st {
				return e
			}
		case <-timeout:
			t.Fatalf("state %v not reached; events: %v", st, l.states())
			return Event{}
		}
	}
}

func (l *eventLog) states() []State {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []State
	for _, e := range l.events {
		s = append(s, e.State)
	}
	return s
}

// expectSignal reads signals from the desktop until one of type typ.
func expectSignal(t testing.TB, from <-chan Signal, typ SignalType) Signal {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case s := <-from:
			if s.Type == typ {
				return s
			}
		case <-timeout:
			t.Fatalf("no %v signal from the desktop", typ)
			return Signal{}
		}
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
