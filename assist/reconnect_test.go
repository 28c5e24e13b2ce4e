package assist

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// signalSwitch forwards the desktop's signals to the technician's console
// of the moment: a reloaded console is a new techPeer on a new channel.
type signalSwitch struct {
	cur atomic.Pointer[chan Signal]
}

func newSignalSwitch(t *testing.T, fromDesk <-chan Signal) *signalSwitch {
	sw := &signalSwitch{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-fromDesk:
				select {
				case *sw.cur.Load() <- s:
				default: // a console gone: nobody reads
				}
			}
		}
	}()
	return sw
}

// next is the channel of a new console; the previous one gets no more.
func (sw *signalSwitch) next() <-chan Signal {
	ch := make(chan Signal, 64)
	sw.cur.Store(&ch)
	return ch
}

// sources opens a new countingSource each time, as reopening the screen
// does.
type sources struct {
	mu   sync.Mutex
	list []*countingSource
}

func (ss *sources) open() (Source, error) {
	c := newCountingSource(160, 120)
	c.opened.Add(1)
	ss.mu.Lock()
	ss.list = append(ss.list, c)
	ss.mu.Unlock()
	return c, nil
}

func (ss *sources) all() []*countingSource {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return append([]*countingSource(nil), ss.list...)
}

// waitPresence waits for an Event that reports p.
func (l *eventLog) waitPresence(t testing.TB, p Presence) Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e := <-l.ch:
			if e.Presence == p {
				return e
			}
		case <-timeout:
			t.Fatalf("no %v event; states: %v", p, l.states())
			return Event{}
		}
	}
}

func waitInputs(t *testing.T, inj *countingInjector, cond func([]Input) bool) []Input {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if in := inj.Inputs(); cond(in) {
			return in
		}
		time.Sleep(10 * time.Millisecond)
	}
	in := inj.Inputs()
	t.Fatalf("injected %+v", in)
	return in
}

func hasKey(in []Input, code string, down bool) bool {
	for _, i := range in {
		if i.Kind == InputKey && i.Code == code && i.Down == down {
			return true
		}
	}
	return false
}

// startSharedSession runs a session to Controlling with a technician's
// console (techPeer) streaming.
func startSharedSession(t *testing.T, net NetworkOptions) (s *Session, ss *sources, inj *countingInjector, consent *scriptedConsenter, log *eventLog, toDesk chan<- Signal, sw *signalSwitch, tech *techPeer, done chan error) {
	t.Helper()
	ss, inj, consent, log = &sources{}, &countingInjector{}, newScriptedConsenter(), newEventLog()
	desk, toDesk, fromDesk := signalPipe()
	s, err := New(Config{Signaler: desk, Consenter: consent, OnEvent: log.add, NewSource: ss.open, Injector: inj, Network: net}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		<-done
	})
	go func() { done <- s.Run(ctx) }()
	sw = newSignalSwitch(t, fromDesk)
	tech = newTechPeer(t, toDesk, sw.next())
	toDesk <- Signal{Type: SignalViewRequest, Peer: "Sam"}
	consent.next(t).answer <- true
	tech.waitUntil("frames", func() bool { return tech.frames >= 3 })
	toDesk <- Signal{Type: SignalControlRequest}
	consent.next(t).answer <- true
	log.waitFor(t, StateControlling)
	tech.waitUntil("control permission", func() bool { p, ok := tech.lastPermission(); return ok && p.Control })
	return s, ss, inj, consent, log, toDesk, sw, tech, done
}

// noMoreQuestions fails t if the user was asked anything more.
func noMoreQuestions(t *testing.T, consent *scriptedConsenter) {
	t.Helper()
	select {
	case q := <-consent.asked:
		t.Errorf("the user was asked again: %+v", q.req)
	default:
	}
}

// TestTechnicianReconnects: the technician's console goes away (capture
// stops at once, the key they held is released, the user is told) and
// comes back with a new console that asks for a new offer: a new peer
// connection streams again, from a reopened source, control is still
// granted (the new control channel says so and input is injected) and
// the user is asked nothing more.
func TestTechnicianReconnects(t *testing.T) {
	s, ss, inj, consent, log, toDesk, sw, tech, done := startSharedSession(t, NetworkOptions{LoopbackOnly: true})
	tech.send(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "ShiftLeft"})
	waitInputs(t, inj, func(in []Input) bool { return hasKey(in, "ShiftLeft", true) })

	toDesk <- Signal{Type: SignalTechAway, Grace: time.Minute}
	if e := log.waitPresence(t, PresenceAway); e.Technician != "Sam" || e.Grace != time.Minute || e.State != StateControlling {
		t.Errorf("away event %+v", e)
	}
	waitInputs(t, inj, func(in []Input) bool { return hasKey(in, "ShiftLeft", false) })
	first := ss.all()[0]
	if !first.closed.Load() {
		t.Error("capture source still open while the technician is away")
	}
	tech.pc.Close()
	time.Sleep(100 * time.Millisecond)
	first.checkStopped(t)

	toDesk <- Signal{Type: SignalTechBack, Away: 2 * time.Second}
	if e := log.waitPresence(t, PresenceBack); e.Technician != "Sam" || e.State != StateControlling {
		t.Errorf("back event %+v", e)
	}
	start := time.Now()
	tech2 := newTechPeer(t, toDesk, sw.next())
	toDesk <- Signal{Type: SignalRestart}
	tech2.waitUntil("frames on the new connection", func() bool { return tech2.frames >= 3 })
	t.Logf("restart to 3 frames: %v", time.Since(start).Round(time.Millisecond))
	tech2.waitUntil("control permission on the new channel", func() bool { p, ok := tech2.lastPermission(); return ok && p.Control })
	if len(ss.all()) != 2 {
		t.Errorf("capture opened %d times, want twice (once per connection)", len(ss.all()))
	}
	tech2.send(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "KeyA"})
	waitInputs(t, inj, func(in []Input) bool { return hasKey(in, "KeyA", true) })
	if st := s.State(); st != StateControlling {
		t.Errorf("state %v, want controlling", st)
	}
	noMoreQuestions(t, consent)

	s.Stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	done <- nil // for the cleanup
	for _, src := range ss.all() {
		src.checkStopped(t)
	}
}

// TestPeerFailureWaitsForRestart: a connection that worked and then
// fails (the technician's browser vanishes without a word) stops capture
// but no longer ends the session: the console asks for a new offer and
// the picture comes back, with nobody asked again.
func TestPeerFailureWaitsForRestart(t *testing.T) {
	s, ss, _, consent, _, toDesk, sw, tech, done := startSharedSession(t, NetworkOptions{LoopbackOnly: true, iceFailedAfter: 2 * time.Second})
	tech.pc.Close()
	first := ss.all()[0]
	deadline := time.Now().Add(20 * time.Second)
	for !first.closed.Load() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !first.closed.Load() {
		t.Fatal("capture still running 20 s after the connection failed")
	}
	select {
	case err := <-done:
		t.Fatalf("session ended after a failure it can recover from: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	tech2 := newTechPeer(t, toDesk, sw.next())
	toDesk <- Signal{Type: SignalRestart}
	tech2.waitUntil("frames on the new connection", func() bool { return tech2.frames >= 3 })
	if st := s.State(); st != StateControlling {
		t.Errorf("state %v, want controlling", st)
	}
	noMoreQuestions(t, consent)
}

// TestRestartBeforeViewingIgnored: a restart asked before the user
// allowed viewing opens nothing.
func TestRestartBeforeViewingIgnored(t *testing.T) {
	ss := &sources{}
	desk, toDesk, fromDesk := signalPipe()
	log := newEventLog()
	s, err := New(Config{Signaler: desk, Consenter: newScriptedConsenter(), OnEvent: log.add, NewSource: ss.open, Injector: &countingInjector{},
		Network: NetworkOptions{LoopbackOnly: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	toDesk <- Signal{Type: SignalRestart}
	toDesk <- Signal{Type: SignalTechBack}
	log.waitPresence(t, PresenceBack)
	select {
	case sig := <-fromDesk:
		t.Errorf("desktop sent %v after a restart before viewing", sig.Type)
	case <-time.After(300 * time.Millisecond):
	}
	if n := len(ss.all()); n != 0 {
		t.Errorf("capture opened %d times", n)
	}
	cancel()
	<-done
}
