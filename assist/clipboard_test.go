package assist

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// memClipboard is a clipboard in memory.
type memClipboard struct {
	mu     sync.Mutex
	text   string
	writes int
}

func (c *memClipboard) ReadText() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text, nil
}

func (c *memClipboard) WriteText(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text, c.writes = s, c.writes+1
	return nil
}

// textGate is a gate with an in-memory clipboard whose replies and
// activity reports are recorded.
type textGate struct {
	*inputGate
	inj  *countingInjector
	clip *memClipboard

	mu      sync.Mutex
	replies []inputproto.Message
	done    []Activity
}

func newTextGate(t *testing.T) *textGate {
	tg := &textGate{inj: &countingInjector{}, clip: &memClipboard{}}
	tg.inputGate = newInputGate(tg.inj, tg.clip, slog.New(slog.DiscardHandler))
	tg.connect(func(b []byte) error {
		m, err := inputproto.Decode(b)
		if err != nil {
			t.Errorf("the gate replied with % x: %v", b, err)
		}
		tg.mu.Lock()
		tg.replies = append(tg.replies, m)
		tg.mu.Unlock()
		return nil
	}, func(kind protocol.ActivityKind, chars int) {
		tg.mu.Lock()
		tg.done = append(tg.done, Activity{Kind: kind, Chars: chars})
		tg.mu.Unlock()
	})
	return tg
}

func (tg *textGate) activities() []Activity {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return slices.Clone(tg.done)
}

// TestGateTextNeedsControl: typed text, clipboard text and a clipboard
// request do nothing before control is granted and after it is withdrawn
// — no keystroke, no clipboard change, no reply, nothing reported — and
// are counted as dropped.
func TestGateTextNeedsControl(t *testing.T) {
	tg := newTextGate(t)
	tg.clip.text = "the user's secret"
	msgs := [][]byte{
		marshal(t, inputproto.Message{Type: inputproto.TypeText, Text: "hello"}),
		marshal(t, inputproto.Message{Type: inputproto.TypeClipboard, Text: "from the technician"}),
		marshal(t, inputproto.Message{Type: inputproto.TypeClipRequest}),
	}
	for _, b := range msgs {
		tg.handle(b, false)
	}
	if ok, err := tg.grant(tg.generation()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	tg.withdraw()
	for _, b := range msgs {
		tg.handle(b, false)
	}
	var st Stats
	tg.count(&st)
	if n := len(tg.inj.Inputs()); n != 0 || tg.clip.writes != 0 || len(tg.replies) != 0 || len(tg.activities()) != 0 || st.InputDropped != 6 {
		t.Errorf("without control: %d injected, %d clipboard writes, %d replies, %v reported, %d dropped; want nothing and 6 dropped",
			n, tg.clip.writes, len(tg.replies), tg.activities(), st.InputDropped)
	}
	// Text on the pointer channel is refused as any misplaced message.
	tg.grant(tg.generation())
	tg.handle(msgs[0], true)
	if tg.count(&st); st.InputFailed != 1 || len(tg.inj.Inputs()) != 0 {
		t.Errorf("text on the pointer channel: failed %d, injected %d", st.InputFailed, len(tg.inj.Inputs()))
	}
}

// TestGateTypesAndCopies: with control, typed text becomes one keystroke a
// character (newline as Enter, tab as Tab), the technician's text lands on
// the clipboard exactly, a request is answered with the clipboard's text,
// and each is reported with its length in characters.
func TestGateTypesAndCopies(t *testing.T) {
	tg := newTextGate(t)
	if ok, err := tg.grant(tg.generation()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	tg.handle(marshal(t, inputproto.Message{Type: inputproto.TypeText, Text: "Hé\tx\n"}), false)
	want := []Input{
		{Kind: InputText, Text: "H"}, {Kind: InputText, Text: "é"},
		{Kind: InputKey, Code: "Tab", Down: true}, {Kind: InputKey, Code: "Tab"},
		{Kind: InputText, Text: "x"},
		{Kind: InputKey, Code: "Enter", Down: true}, {Kind: InputKey, Code: "Enter"},
	}
	if got := tg.inj.Inputs(); !slices.Equal(got, want) {
		t.Errorf("typed\n got %+v\nwant %+v", got, want)
	}

	const fromTech = "Ticket 4711 — Grüße ✓"
	tg.handle(marshal(t, inputproto.Message{Type: inputproto.TypeClipboard, Text: fromTech}), false)
	if tg.clip.text != fromTech {
		t.Errorf("clipboard = %q, want %q", tg.clip.text, fromTech)
	}

	// The user's clipboard, cut to what one message carries, on a
	// character boundary.
	tg.clip.text = strings.Repeat("é", inputproto.MaxClipboardText) // twice the bytes
	tg.handle(marshal(t, inputproto.Message{Type: inputproto.TypeClipRequest}), false)
	if len(tg.replies) != 1 || tg.replies[0].Type != inputproto.TypeClipboard || tg.replies[0].Text != strings.Repeat("é", inputproto.MaxClipboardText/2) {
		t.Fatalf("replies = %+.60v", tg.replies)
	}
	wantDone := []Activity{
		{Kind: protocol.ActivityTextTyped, Chars: 5},
		{Kind: protocol.ActivityClipboardToUser, Chars: 21},
		{Kind: protocol.ActivityClipboardFromUser, Chars: inputproto.MaxClipboardText / 2},
	}
	if got := tg.activities(); !slices.Equal(got, wantDone) {
		t.Errorf("reported %+v, want %+v", got, wantDone)
	}
}

// blockingInjector blocks each injection until released.
type blockingInjector struct {
	countingInjector
	step chan struct{}
}

func (b *blockingInjector) Inject(in Input) error {
	<-b.step
	return b.countingInjector.Inject(in)
}

// TestGateTypingStopsOnRevoke: control taken back in the middle of a long
// text stops the typing: withdraw does not wait for the rest, and once it
// has returned not one more character is typed.
func TestGateTypingStopsOnRevoke(t *testing.T) {
	inj := &blockingInjector{step: make(chan struct{})}
	g := newInputGate(inj, &memClipboard{}, slog.New(slog.DiscardHandler))
	g.grant(g.generation())
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.handle(marshal(t, inputproto.Message{Type: inputproto.TypeText, Text: strings.Repeat("a", 1000)}), false)
	}()
	for range 3 {
		inj.step <- struct{}{}
	}
	withdrawn := make(chan struct{})
	before := g.withdrawals.Load()
	go func() { g.withdraw(); close(withdrawn) }()
	for g.withdrawals.Load() == before { // withdraw has begun
		runtime.Gosched()
	}
	// Let characters through until withdraw has returned.
	for waiting := true; waiting; {
		select {
		case inj.step <- struct{}{}:
		case <-withdrawn:
			waiting = false
		}
	}
	atRevoke := len(inj.Inputs())
	close(inj.step) // whatever comes now is injected at once
	<-done
	if n := len(inj.Inputs()); n != atRevoke || n >= 1000 {
		t.Errorf("%d characters typed, %d when withdraw returned; want no more after it, and not all 1000", n, atRevoke)
	}
}

// watchedClipboard is a memClipboard whose copies the test makes.
type watchedClipboard struct {
	memClipboard
	copies chan string
}

func (w *watchedClipboard) WatchText(ctx context.Context) (<-chan string, error) {
	out := make(chan string)
	go func() {
		defer close(out)
		for {
			select {
			case t := <-w.copies:
				out <- t
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// TestShareClipboard: with sharing on, what the user copies goes to the
// technician only while control is granted; the technician's own text is
// not sent back; once the user turns sharing off nothing more goes.
func TestShareClipboard(t *testing.T) {
	clip := &watchedClipboard{copies: make(chan string)}
	s, err := New(Config{Signaler: nopSignaler{}, Consenter: ConsentFunc(func(context.Context, ConsentRequest) (bool, error) { return true, nil }),
		Injector: &countingInjector{}, Clipboard: clip}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan inputproto.Message, 8)
	s.gate.connect(func(b []byte) error {
		m, _ := inputproto.Decode(b)
		sent <- m
		return nil
	}, func(protocol.ActivityKind, int) {})
	if err := s.ShareClipboard(true); err != nil {
		t.Fatal(err)
	}
	if !s.SharingClipboard() {
		t.Fatal("sharing is off after ShareClipboard(true)")
	}
	expectNone := func(what string) {
		t.Helper()
		select {
		case m := <-sent:
			t.Fatalf("%s: sent %+v", what, m)
		case <-time.After(100 * time.Millisecond):
		}
	}
	clip.copies <- "copied before control"
	expectNone("without control")

	s.gate.grant(s.gate.generation())
	clip.copies <- "C:\\Users\\Ana\\report.xlsx"
	select {
	case m := <-sent:
		if m.Type != inputproto.TypeClipboard || m.Text != "C:\\Users\\Ana\\report.xlsx" {
			t.Errorf("sent %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("what the user copied was not shared")
	}
	s.gate.handle(marshal(t, inputproto.Message{Type: inputproto.TypeClipboard, Text: "from Alex"}), false)
	clip.copies <- "from Alex" // the watcher sees the technician's own text
	expectNone("the technician's own text")

	s.ShareClipboard(false)
	s.closeShare()
	select {
	case clip.copies <- "after sharing stopped":
		t.Error("the watcher still reads after sharing was turned off")
	case <-time.After(100 * time.Millisecond):
	}
	expectNone("after sharing stopped")
}

// nopSignaler carries nothing: for tests of a session that never runs.
type nopSignaler struct{}

func (nopSignaler) Send(context.Context, Signal) error { return nil }
func (nopSignaler) Recv(ctx context.Context) (Signal, error) {
	<-ctx.Done()
	return Signal{}, ctx.Err()
}
