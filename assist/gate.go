package assist

import (
	"image"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// maxWheelSteps caps the notches one wheel event scrolls. robotgo turns
// every notch into an X button press and release, injected under the
// gate's lock: a wheel event of 30 000 notches would hold a revocation
// back until all of them were injected.
const maxWheelSteps = 20

// inputGate lets the technician's input through to the Injector only while
// the user allows control, and counts what it drops. Everything about
// injection happens under mu, so once withdraw has returned no further
// event is injected. The data channels call handle from pion's goroutines;
// the session grants and withdraws.
type inputGate struct {
	log        *slog.Logger
	configured Injector // Config.Injector; nil: a RobotgoInjector, opened on the first grant

	mu       sync.Mutex
	control  bool
	gen      uint64 // bumped by every withdrawal; a grant asked before it is void
	seqValid bool
	lastSeq  uint32
	bounds   image.Rectangle
	injector Injector
	own      bool               // injector opened by the gate, closed by close
	held     map[heldInput]bool // keys and buttons the technician holds down
	lastX    int
	lastY    int
	onInject func(received time.Time) // tests and benchmarks: latency probe
	// onSelect takes the technician's SelectDisplay past the control
	// check: choosing a display needs viewing only, which the session
	// checks (set once by New, before any message).
	onSelect func(display uint8)

	injected atomic.Uint64
	dropped  atomic.Uint64
	stale    atomic.Uint64
	failed   atomic.Uint64
	capped   atomic.Uint64
}

// heldInput identifies a key or button that is down; the Input to
// release it is the same with Down false.
type heldInput struct {
	kind   InputKind
	code   string
	button int
}

func newInputGate(configured Injector, log *slog.Logger) *inputGate {
	return &inputGate{log: log, configured: configured, held: make(map[heldInput]bool)}
}

// generation identifies the withdrawals so far; grant compares it.
func (g *inputGate) generation() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gen
}

// grant opens the gate for a control question asked at generation gen. It
// reports false when control was withdrawn since (the user revoked or
// stopped while the question was open), and an error when no injector can
// be opened.
func (g *inputGate) grant(gen uint64) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gen != gen {
		return false, nil
	}
	if g.injector == nil {
		inj := g.configured
		if inj == nil {
			ri, err := NewRobotgoInjector("")
			if err != nil {
				return false, err
			}
			inj = ri
		}
		g.injector, g.own = inj, g.configured == nil
	}
	g.control = true
	g.seqValid = false
	return true, nil
}

// withdraw ends control: no technician event is injected from now on, a
// control question still open is void, and the keys and buttons the
// technician was holding down are released (a Shift left pressed would
// otherwise stay pressed for the user).
func (g *inputGate) withdraw() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.withdrawLocked()
}

func (g *inputGate) withdrawLocked() {
	g.control = false
	g.gen++
	if g.injector != nil {
		for h := range g.held {
			in := Input{Kind: h.kind, Code: h.code, Button: h.button, X: g.lastX, Y: g.lastY}
			if err := g.injector.Inject(in); err != nil {
				g.log.Debug("release held input", "input", in, "err", err)
			}
		}
	}
	clear(g.held)
}

// close withdraws control for good and closes the injector the gate opened.
func (g *inputGate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.withdrawLocked()
	if c, ok := g.injector.(io.Closer); ok && g.own {
		if err := c.Close(); err != nil {
			g.log.Debug("close injector", "err", err)
		}
	}
	g.injector = nil
}

// setBounds sets the captured area that pointer coordinates map into.
func (g *inputGate) setBounds(b image.Rectangle) {
	g.mu.Lock()
	g.bounds = b
	g.mu.Unlock()
}

// count adds the gate's counters to st.
func (g *inputGate) count(st *Stats) {
	st.InputInjected = g.injected.Load()
	st.InputDropped = g.dropped.Load()
	st.InputStale = g.stale.Load()
	st.InputFailed = g.failed.Load()
	st.WheelCapped = g.capped.Load()
}

// handle applies one data-channel message.
func (g *inputGate) handle(raw []byte, pointerChannel bool) {
	received := time.Now()
	m, err := inputproto.Decode(raw)
	if err != nil {
		g.failed.Add(1)
		return
	}
	if pointerChannel != (m.Type == inputproto.TypePointerMove) {
		// Each channel carries only its own kind of message.
		g.failed.Add(1)
		return
	}
	if m.Type == inputproto.TypeSelectDisplay {
		if g.onSelect == nil {
			g.failed.Add(1)
			return
		}
		g.onSelect(m.Display)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.control || g.injector == nil {
		g.dropped.Add(1)
		return
	}
	if m.Type == inputproto.TypePointerMove {
		if g.seqValid && !inputproto.SeqNewer(m.Seq, g.lastSeq) {
			g.stale.Add(1)
			return
		}
		g.seqValid, g.lastSeq = true, m.Seq
	}
	in, ok := inputFor(g.bounds, m)
	if !ok {
		g.failed.Add(1)
		return
	}
	if in.Kind == InputWheel {
		in = g.capWheel(in)
	}
	if err := g.injector.Inject(in); err != nil {
		g.failed.Add(1)
		g.log.Debug("inject input", "err", err)
		return
	}
	switch in.Kind {
	case InputMove, InputButton:
		g.lastX, g.lastY = in.X, in.Y
	}
	if in.Kind == InputKey || in.Kind == InputButton {
		h := heldInput{kind: in.Kind, code: in.Code, button: in.Button}
		if in.Down {
			g.held[h] = true
		} else {
			delete(g.held, h)
		}
	}
	g.injected.Add(1)
	if g.onInject != nil {
		g.onInject(received)
	}
}

// capWheel cuts a wheel event to maxWheelSteps notches each way; the
// excess is dropped, counted and logged.
func (g *inputGate) capWheel(in Input) Input {
	dx := min(max(in.DX, -maxWheelSteps), maxWheelSteps)
	dy := min(max(in.DY, -maxWheelSteps), maxWheelSteps)
	if dx != in.DX || dy != in.DY {
		g.capped.Add(1)
		g.log.Debug("wheel event capped", "dx", in.DX, "dy", in.DY, "max", maxWheelSteps)
		in.DX, in.DY = dx, dy
	}
	return in
}
