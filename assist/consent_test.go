package assist

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

func newTestSession(t testing.TB, cfg Config) (*Session, *eventLog, chan<- Signal, <-chan Signal, chan error) {
	t.Helper()
	desk, toDesk, fromDesk := signalPipe()
	log := newEventLog()
	cfg.Signaler = desk
	cfg.OnEvent = log.add
	cfg.Network = NetworkOptions{LoopbackOnly: true}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.Done():
		case <-time.After(10 * time.Second):
			t.Error("session did not end")
		}
	})
	return s, log, toDesk, fromDesk, done
}

// TestViewConsent: a declined or unanswered view request tells the
// technician and leaves the session open, without capturing; the
// technician may ask again, and the second request is asked again.
func TestViewConsent(t *testing.T) {
	tests := []struct {
		name   string
		answer func(t *testing.T, c askCall, clock *fakeClock)
		want   protocol.ConsentReason // on the deny signal and the event
	}{
		{"declined", func(_ *testing.T, c askCall, _ *fakeClock) { c.answer <- false }, ""},
		{"no answer in 60 s", func(t *testing.T, c askCall, clock *fakeClock) {
			if n := clock.Advance(59 * time.Second); n != 0 || c.ctx.Err() != nil {
				t.Errorf("after 59 s: %d timers fired, question error %v; want the question still open", n, c.ctx.Err())
			}
			if n := clock.Advance(time.Second); n != 1 {
				t.Errorf("at 60 s %d timers fired, want the consent timeout", n)
			}
			<-c.ctx.Done() // the dialog is told to close
		}, protocol.ConsentNoAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newCountingSource(64, 64)
			consent := newScriptedConsenter()
			clock := newFakeClock()
			s, log, toDesk, fromDesk, done := newTestSession(t, Config{
				Consenter: consent, NewSource: src.factory(), Injector: &countingInjector{}, Clock: clock,
			})
			toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex (IT)"}
			toDesk <- Signal{Type: SignalViewRequest}
			c := consent.next(t)
			if c.req.Technician != "Alex (IT)" || c.req.Permission != PermissionView {
				t.Errorf("consent request = %+v, want view by Alex (IT)", c.req)
			}
			if want := clock.Now().Add(DefaultConsentTimeout); !c.req.Deadline.Equal(want) {
				t.Errorf("deadline = %v, want %v", c.req.Deadline, want)
			}
			log.waitFor(t, StateWaitingConsent)
			tt.answer(t, c, clock)
			if deny := expectSignal(t, fromDesk, SignalViewDeny); deny.Consent != tt.want {
				t.Errorf("deny signal reason = %q, want %q", deny.Consent, tt.want)
			}
			ev := log.waitFor(t, StateRequested)
			if ev.Prev != StateWaitingConsent || ev.Consent != tt.want || ev.Technician != "Alex (IT)" {
				t.Errorf("after the decline: %+v, want Requested from WaitingConsent with reason %q", ev, tt.want)
			}
			select {
			case err := <-done:
				t.Fatalf("the session ended after a decline: Run = %v", err)
			default:
			}

			// The technician asks again: the question is put again.
			toDesk <- Signal{Type: SignalViewRequest}
			again := consent.next(t)
			if again.req.Permission != PermissionView {
				t.Fatalf("second question = %+v, want view", again.req)
			}
			again.answer <- false
			expectSignal(t, fromDesk, SignalViewDeny)
			log.waitFor(t, StateRequested)

			s.Stop()
			if end := expectSignal(t, fromDesk, SignalEnd); end.Reason != protocol.EndUser {
				t.Errorf("end signal reason = %q, want user", end.Reason)
			}
			if err := <-done; err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
			if ev := log.waitFor(t, StateEnded); ev.Reason != protocol.EndUser {
				t.Errorf("end reason = %q, want user", ev.Reason)
			}
			want := []State{StateRequested, StateWaitingConsent, StateRequested, StateWaitingConsent, StateRequested, StateEnded}
			if got := log.states(); !slices.Equal(got, want) {
				t.Errorf("states = %v, want %v", got, want)
			}
			if n, m := src.opened.Load(), src.calls.Load(); n != 0 || m != 0 {
				t.Errorf("source opened %d times, captured %d frames without view consent", n, m)
			}
			if s.State() != StateEnded {
				t.Errorf("State() = %v", s.State())
			}
		})
	}
}

func TestStopWhileAsking(t *testing.T) {
	src := newCountingSource(64, 64)
	consent := newScriptedConsenter()
	s, log, toDesk, fromDesk, done := newTestSession(t, Config{Consenter: consent, NewSource: src.factory()})
	toDesk <- Signal{Type: SignalViewRequest, Peer: "Sam"}
	c := consent.next(t)
	s.Stop()
	<-c.ctx.Done()
	end := expectSignal(t, fromDesk, SignalEnd)
	if end.Reason != protocol.EndUser {
		t.Errorf("end reason = %q", end.Reason)
	}
	<-done
	log.waitFor(t, StateEnded)
	if src.calls.Load() != 0 {
		t.Errorf("%d captures", src.calls.Load())
	}
}

func TestTechnicianEnds(t *testing.T) {
	consent := newScriptedConsenter()
	_, log, toDesk, fromDesk, done := newTestSession(t, Config{Consenter: consent, NewSource: newCountingSource(64, 64).factory()})
	toDesk <- Signal{Type: SignalViewRequest, Peer: "Sam"}
	consent.next(t)
	toDesk <- Signal{Type: SignalEnd, Reason: protocol.EndTechnician}
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if ev := log.waitFor(t, StateEnded); ev.Reason != protocol.EndTechnician {
		t.Errorf("reason = %q", ev.Reason)
	}
	select {
	case s := <-fromDesk:
		if s.Type == SignalEnd {
			t.Errorf("desktop echoed end to the technician")
		}
	default:
	}
}

func TestControlRequestIgnoredBeforeViewing(t *testing.T) {
	consent := newScriptedConsenter()
	s, _, toDesk, _, done := newTestSession(t, Config{Consenter: consent, NewSource: newCountingSource(64, 64).factory()})
	toDesk <- Signal{Type: SignalControlRequest, Peer: "Sam"}
	toDesk <- Signal{Type: SignalViewRequest, Peer: "Sam"}
	c := consent.next(t)
	if c.req.Permission != PermissionView {
		t.Fatalf("first question is %v, want view", c.req.Permission)
	}
	s.Stop()
	<-done
	// Run has returned, and with it every question it asked.
	select {
	case c := <-consent.asked:
		t.Fatalf("unexpected question %+v", c.req)
	default:
	}
}

func TestSignalingLostEndsSession(t *testing.T) {
	consent := newScriptedConsenter()
	src := newCountingSource(64, 64)
	_, log, toDesk, _, done := newTestSession(t, Config{Consenter: consent, NewSource: src.factory()})
	toDesk <- Signal{Type: SignalViewRequest, Peer: "Sam"}
	c := consent.next(t)
	close(toDesk) // the relay connection drops while the user is deciding
	<-c.ctx.Done()
	if err := <-done; err == nil {
		t.Error("Run returned nil after the signaling failed")
	}
	if ev := log.waitFor(t, StateEnded); ev.Reason != protocol.EndSignalingLost {
		t.Errorf("reason = %q", ev.Reason)
	}
	if src.opened.Load() != 0 {
		t.Error("source opened")
	}
}

func TestControlConsentTimeout(t *testing.T) {
	consent := newScriptedConsenter()
	clock := newFakeClock()
	s, log, toDesk, fromDesk, _ := newTestSession(t, Config{
		Consenter: consent, Clock: clock, NewSource: newCountingSource(64, 64).factory(), Injector: &countingInjector{},
	})
	toDesk <- Signal{Type: SignalViewRequest, Peer: "Sam"}
	consent.next(t).answer <- true
	log.waitFor(t, StateViewing)
	expectSignal(t, fromDesk, SignalViewGrant)
	toDesk <- Signal{Type: SignalControlRequest}
	q := consent.next(t)
	if q.req.Permission != PermissionControl {
		t.Fatalf("question = %+v", q.req)
	}
	clock.Advance(DefaultConsentTimeout)
	<-q.ctx.Done()
	expectSignal(t, fromDesk, SignalControlDeny)
	if ev := log.waitFor(t, StateViewing); ev.Consent != protocol.ConsentControlDenied {
		t.Errorf("event consent reason = %q", ev.Consent)
	}
	if s.State() != StateViewing {
		t.Errorf("state = %v, want viewing", s.State())
	}
	s.Stop()
}
