package assist

import (
	"image"
	"slices"
	"sync"
	"testing"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// twoMonitors is a desktop with a primary 320×240 monitor and a 200×160
// one left of and above it, as Windows places them (negative offsets).
type twoMonitors struct {
	mu      sync.Mutex
	opened  []int // display numbers opened, in order
	sources []placedSource
}

var monitorRects = []image.Rectangle{image.Rect(0, 0, 320, 240), image.Rect(-200, -40, 0, 120)}

func (m *twoMonitors) list() ([]Display, error) {
	return []Display{
		{Index: 0, Bounds: monitorRects[0], Primary: true, Name: "DISPLAY1"},
		{Index: 1, Bounds: monitorRects[1], Name: "DISPLAY2"},
	}, nil
}

func (m *twoMonitors) open(i int) (Source, error) {
	r := unionBounds(monitorRects)
	if i != AllDisplays {
		r = monitorRects[i]
	}
	src := placedSource{newCountingSource(r.Dx(), r.Dy()), r.Min}
	m.mu.Lock()
	m.opened = append(m.opened, i)
	m.sources = append(m.sources, src)
	m.mu.Unlock()
	return src, nil
}

func (m *twoMonitors) openedDisplays() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.opened)
}

func (m *twoMonitors) source(i int) placedSource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sources[i]
}

func (s *Session) gateBounds() image.Rectangle {
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	return s.gate.bounds
}

// TestSwitchDisplay drives a live session over real pion peers: the
// technician is offered both displays, switches with viewing consent
// only, gets a keyframe of the other display on the same track and a new
// Displays message, and the pointer then maps into that display (or, for
// all displays, their bounding rectangle, negative offsets included). A
// SelectDisplay before viewing, or for a display that does not exist, is
// dropped and counted; consent is never asked again.
func TestSwitchDisplay(t *testing.T) {
	mons := &twoMonitors{}
	inj := &countingInjector{}
	consent := newScriptedConsenter()
	s, log, toDesk, fromDesk, done := newTestSession(t, Config{
		Consenter: consent, OpenDisplay: mons.open, ListDisplays: mons.list, Injector: inj, FPS: 30,
	})
	tech := newTechPeer(t, toDesk, fromDesk)
	selectMsg := func(d uint8) []byte {
		b, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypeSelectDisplay, Display: d})
		return b
	}

	// Before viewing is allowed a SelectDisplay (as if it had arrived on
	// the control channel) is dropped and opens nothing.
	s.gate.handle(selectMsg(1), false)
	waitStats(t, s, "the early SelectDisplay dropped", func(st Stats) bool { return st.DisplayDropped == 1 })
	if o := mons.openedDisplays(); len(o) != 0 {
		t.Fatalf("displays opened before viewing: %v", o)
	}

	toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex"}
	toDesk <- Signal{Type: SignalViewRequest}
	consent.next(t).answer <- true
	log.waitFor(t, StateViewing)
	tech.waitUntil("the display list", func() bool { _, ok := tech.lastDisplays(); return ok })
	l, _ := tech.lastDisplays()
	want := inputproto.DisplayList{Shown: 0, Displays: []inputproto.DisplayInfo{
		{X: 0, Y: 0, W: 320, H: 240, Primary: true, Name: "DISPLAY1"},
		{X: -200, Y: -40, W: 200, H: 160, Name: "DISPLAY2"},
	}}
	if !displayListEqual(l, want) {
		t.Errorf("Displays = %+v, want %+v", l, want)
	}
	if ev := log.waitFor(t, StateViewing); ev.Prev != StateViewing || ev.Shown != 0 || ev.Displays != 2 {
		t.Errorf("event once the displays are known = %+v, want Viewing again, display 0 of 2", ev)
	}
	tech.waitUntil("a keyframe of display 1", func() bool { return slices.Contains(tech.keySizes, image.Pt(320, 240)) })

	steps := []struct {
		name   string
		pick   uint8
		opened int // display number opened
		bounds image.Rectangle
		size   image.Point
		// where the pointer at the picture's top-left and bottom-right
		// corners lands
		topLeft, bottomRight image.Point
	}{
		{"display 2", 1, 1, monitorRects[1], image.Pt(200, 160), image.Pt(-200, -40), image.Pt(-1, 119)},
		{"all displays", inputproto.AllDisplays, AllDisplays, image.Rect(-200, -40, 320, 240), image.Pt(520, 280), image.Pt(-200, -40), image.Pt(319, 239)},
		{"display 1 again", 0, 0, monitorRects[0], image.Pt(320, 240), image.Pt(0, 0), image.Pt(319, 239)},
	}
	control := false
	for i, st := range steps {
		tech.mu.Lock()
		keys := len(tech.keySizes)
		tech.mu.Unlock()
		tech.send(inputproto.Message{Type: inputproto.TypeSelectDisplay, Display: st.pick})
		tech.waitUntil(st.name+" in Displays", func() bool { l, ok := tech.lastDisplays(); return ok && l.Shown == st.pick })
		tech.waitUntil("a keyframe of "+st.name, func() bool { return slices.Contains(tech.keySizes[keys:], st.size) })
		if ev := log.waitFor(t, s.State()); ev.Prev != ev.State || ev.Shown != st.opened || ev.Displays != 2 {
			t.Errorf("%s: event %+v, want the same state with display %d of 2", st.name, ev, st.opened)
		}
		if o := mons.openedDisplays(); len(o) != i+2 || o[i+1] != st.opened {
			t.Errorf("%s: displays opened %v", st.name, o)
		}
		waitStats(t, s, "the new bounds", func(Stats) bool { return s.gateBounds() == st.bounds })
		if !mons.source(i).closed.Load() {
			t.Errorf("%s: the display shown before is still captured", st.name)
		}
		if !control {
			// Control, asked once: switching needs none and asks nothing.
			toDesk <- Signal{Type: SignalControlRequest}
			consent.next(t).answer <- true
			log.waitFor(t, StateControlling)
			control = true
		}
		n := len(inj.Inputs())
		tech.send(inputproto.Message{Type: inputproto.TypeMouseButton, Down: true, X: 0, Y: 0})
		tech.send(inputproto.Message{Type: inputproto.TypeMouseButton, X: 65535, Y: 65535})
		waitStats(t, s, "two clicks injected", func(Stats) bool { return len(inj.Inputs()) == n+2 })
		in := inj.Inputs()[n:]
		if got := []image.Point{{in[0].X, in[0].Y}, {in[1].X, in[1].Y}}; got[0] != st.topLeft || got[1] != st.bottomRight {
			t.Errorf("%s: corners land at %v, want %v and %v", st.name, got, st.topLeft, st.bottomRight)
		}
	}

	// A display that does not exist: dropped, the list sent again unchanged.
	tech.mu.Lock()
	before := len(tech.permissions)
	tech.mu.Unlock()
	tech.send(inputproto.Message{Type: inputproto.TypeSelectDisplay, Display: 5})
	waitStats(t, s, "the unknown display dropped", func(st Stats) bool { return st.DisplayDropped == 2 })
	tech.waitUntil("the list again", func() bool {
		l, ok := tech.lastDisplays()
		return ok && len(tech.permissions) > before && l.Shown == 0
	})
	if st := s.Stats(); st.DisplaySwitches != 3 || st.InputFailed != 0 {
		t.Errorf("stats %+v, want 3 switches and nothing failed", st)
	}
	select {
	case q := <-consent.asked:
		t.Errorf("asked again: %+v", q.req)
	default:
	}
	s.Stop()
	<-done
	for i := range mons.openedDisplays() {
		mons.source(i).checkStopped(t)
	}
}

func displayListEqual(a, b inputproto.DisplayList) bool {
	return a.Shown == b.Shown && slices.Equal(a.Displays, b.Displays)
}
