package assist

import (
	"errors"
	"image"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/relay/protocol"
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
	onActed  func()                   // a key, button or wheel event was injected: the screen may change
	// onSelect takes the technician's SelectDisplay past the control
	// check: choosing a display needs viewing only, which the session
	// checks (set once by New, before any message).
	onSelect func(display uint8)
	// onResolution takes FullResolution past the control gate the same
	// way (viewing only).
	onResolution func(full bool)
	// onDrawPointer takes DrawPointer past the control gate too: it
	// only changes how the pointer the technician may see is drawn.
	onDrawPointer func(on bool)

	clipboard Clipboard
	lastPut   string // the technician's text last put on the clipboard: not shared back
	// reply sends a message to the technician on the control channel;
	// activity reports what was done beyond mouse and keyboard. Both are
	// set by the peer and called without mu held.
	reply    func([]byte) error
	activity func(protocol.ActivityKind, int)

	// withdrawals counts withdraw calls as they begin, before they take mu:
	// a text being typed stops at the next character even if the typing
	// goroutine would win mu again first.
	withdrawals atomic.Uint64

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

func newInputGate(configured Injector, clip Clipboard, log *slog.Logger) *inputGate {
	if clip == nil {
		clip = SystemClipboard{}
	}
	return &inputGate{log: log, configured: configured, clipboard: clip, held: make(map[heldInput]bool)}
}

// connect sets where replies and activity reports go.
func (g *inputGate) connect(reply func([]byte) error, activity func(protocol.ActivityKind, int)) {
	g.mu.Lock()
	g.reply, g.activity = reply, activity
	g.mu.Unlock()
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
	g.withdrawals.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.withdrawLocked()
}

func (g *inputGate) withdrawLocked() {
	g.control = false
	g.gen++
	g.releaseHeldLocked()
}

// releaseHeldLocked releases the keys and buttons the technician holds.
func (g *inputGate) releaseHeldLocked() {
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
	g.withdrawals.Add(1)
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
	switch m.Type {
	case inputproto.TypeText:
		g.typeText(m.Text)
		return
	case inputproto.TypeClipboard:
		g.writeClipboard(m.Text)
		return
	case inputproto.TypeClipRequest:
		g.sendClipboard()
		return
	}
	if m.Type == inputproto.TypeFullResolution {
		if g.onResolution == nil {
			g.failed.Add(1)
			return
		}
		g.onResolution(m.Full)
		return
	}
	if m.Type == inputproto.TypeDrawPointer {
		if g.onDrawPointer == nil {
			g.failed.Add(1)
			return
		}
		g.onDrawPointer(m.Draw)
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
	if g.onActed != nil && in.Kind != InputMove {
		g.onActed()
	}
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

// allowed reports, with mu held, whether control is granted now; if not,
// the message is counted as dropped.
func (g *inputGate) allowedLocked() bool {
	if !g.control || g.injector == nil {
		g.dropped.Add(1)
		return false
	}
	return true
}

// typeText types text one character at a time, taking the gate for each:
// control taken back stops it between two characters, and the rest is
// dropped. A newline is typed as Enter, a tab as Tab.
func (g *inputGate) typeText(text string) {
	typed, w := 0, g.withdrawals.Load()
	for _, r := range text {
		if g.withdrawals.Load() != w {
			g.dropped.Add(1)
			break
		}
		if !g.typeRune(r) {
			break
		}
		typed++
	}
	if typed > 0 {
		g.report(protocol.ActivityTextTyped, typed)
	}
}

func (g *inputGate) typeRune(r rune) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.allowedLocked() {
		return false
	}
	var ins []Input
	switch r {
	case '\n':
		ins = []Input{{Kind: InputKey, Code: "Enter", Down: true}, {Kind: InputKey, Code: "Enter"}}
	case '\t':
		ins = []Input{{Kind: InputKey, Code: "Tab", Down: true}, {Kind: InputKey, Code: "Tab"}}
	default:
		ins = []Input{{Kind: InputText, Text: string(r)}}
	}
	for _, in := range ins {
		if err := g.injector.Inject(in); err != nil {
			g.failed.Add(1)
			g.log.Debug("type text", "err", err)
			return false
		}
	}
	g.injected.Add(1)
	return true
}

// writeClipboard puts the technician's text on the user's clipboard.
func (g *inputGate) writeClipboard(text string) {
	g.mu.Lock()
	if !g.allowedLocked() {
		g.mu.Unlock()
		return
	}
	err := g.clipboard.WriteText(text)
	if err == nil {
		g.lastPut = text
	}
	g.mu.Unlock()
	if err != nil {
		g.failed.Add(1)
		g.log.Warn("put the technician's text on the clipboard", "err", err)
		return
	}
	g.injected.Add(1)
	g.report(protocol.ActivityClipboardToUser, utf8.RuneCountInString(text))
}

// sendClipboard answers a ClipboardRequest with the user's clipboard
// text (cut to what a message carries). The clipboard is read outside
// the gate (an X clipboard owner may take its time); the answer goes only
// if control was not taken back meanwhile.
func (g *inputGate) sendClipboard() {
	g.mu.Lock()
	if !g.allowedLocked() {
		g.mu.Unlock()
		return
	}
	gen := g.gen
	g.mu.Unlock()

	text, err := g.clipboard.ReadText()
	if err != nil {
		g.failed.Add(1)
		g.log.Warn("read the clipboard for the technician", "err", err)
		return
	}
	g.shareText(gen, text)
}

// shareClipboard sends text the user copied to the technician, when the
// user shares what they copy: only while control is granted.
func (g *inputGate) shareClipboard(text string) {
	g.mu.Lock()
	if !g.control || g.injector == nil || text == g.lastPut {
		// Not counted: nothing came from the technician (and their own
		// text is not sent back to them).
		g.mu.Unlock()
		return
	}
	gen := g.gen
	g.mu.Unlock()
	g.shareText(gen, text)
}

// shareText sends the user's clipboard text, cut to what a message
// carries, if control was not taken back since gen.
func (g *inputGate) shareText(gen uint64, text string) {
	text = cutText(text, inputproto.MaxClipboardText)
	b, err := inputproto.Marshal(inputproto.Message{Type: inputproto.TypeClipboard, Text: text})
	if err != nil { // not text (a NUL): nothing to send
		g.failed.Add(1)
		g.log.Warn("clipboard text cannot be sent", "err", err)
		return
	}
	g.mu.Lock()
	if g.gen != gen || !g.control {
		g.mu.Unlock()
		g.dropped.Add(1)
		return
	}
	reply := g.reply
	// Sent under the gate: once withdraw has returned nothing more leaves.
	err = errors.New("no control channel")
	if reply != nil {
		err = reply(b)
	}
	g.mu.Unlock()
	if err != nil {
		g.failed.Add(1)
		g.log.Warn("send the clipboard text", "err", err)
		return
	}
	g.injected.Add(1)
	g.report(protocol.ActivityClipboardFromUser, utf8.RuneCountInString(text))
}

func (g *inputGate) report(kind protocol.ActivityKind, chars int) {
	g.mu.Lock()
	activity := g.activity
	g.mu.Unlock()
	if activity != nil {
		activity(kind, chars)
	}
}

// cutText cuts s to at most n bytes without splitting a character.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
