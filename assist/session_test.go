package assist

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

func waitStats(t testing.TB, s *Session, what string, cond func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := s.Stats()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; stats %+v", what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settledDrops waits until no dropped input has been counted for a while
// and returns the count.
func settledDrops(t testing.TB, s *Session) uint64 {
	t.Helper()
	const quiet = 300 * time.Millisecond
	last, since := s.Stats().InputDropped, time.Now()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n := s.Stats().InputDropped; n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return last
		}
	}
	t.Fatalf("dropped input still counting after 20 s (%d)", last)
	return 0
}

// TestLiveSession runs the whole ladder over two in-process pion peers on
// loopback: view consent, VP8 frames and keyframes on PLI, input gated by
// the control consent, revocation, a second request, and the end.
func TestLiveSession(t *testing.T) {
	src := newCountingSource(320, 240)
	inj := &countingInjector{}
	consent := newScriptedConsenter()
	s, log, toDesk, fromDesk, done := newTestSession(t, Config{
		Consenter: consent, NewSource: src.factory(), Injector: inj, FPS: 30,
	})
	tech := newTechPeer(t, toDesk, fromDesk)

	toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex (IT)"}
	toDesk <- Signal{Type: SignalViewRequest}
	q := consent.next(t)
	if q.req.Permission != PermissionView || q.req.Technician != "Alex (IT)" {
		t.Fatalf("first question = %+v", q.req)
	}
	if src.calls.Load() != 0 || src.opened.Load() != 0 {
		t.Fatalf("captured before consent: opened %d, %d frames", src.opened.Load(), src.calls.Load())
	}
	q.answer <- true
	if ev := log.waitFor(t, StateViewing); ev.Technician != "Alex (IT)" {
		t.Errorf("viewing event technician = %q", ev.Technician)
	}

	// Video arrives, starting with a keyframe.
	tech.waitUntil("10 frames", func() bool { return tech.frames >= 10 })
	if _, k := tech.counts(); k < 1 {
		t.Errorf("no keyframe among the first frames")
	}
	tech.waitUntil("data channels", func() bool { return tech.control != nil && tech.pointer != nil })
	tech.waitUntil("initial permission", func() bool {
		p, ok := tech.lastPermission()
		return ok && p.View && !p.Control
	})

	// A keyframe on PLI.
	_, k0 := tech.counts()
	tech.sendPLI()
	tech.waitUntil("keyframe after PLI", func() bool { return tech.keyframes > k0 })

	// Input before control consent is dropped and counted.
	tech.send(inputproto.Message{Type: inputproto.TypePointerMove, X: 100, Y: 100})
	tech.send(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "KeyA"})
	waitStats(t, s, "2 dropped events", func(st Stats) bool { return st.InputDropped == 2 })
	if n := len(inj.Inputs()); n != 0 {
		t.Fatalf("%d events injected without control consent", n)
	}

	// Control: a second, separate question.
	toDesk <- Signal{Type: SignalControlRequest}
	q = consent.next(t)
	if q.req.Permission != PermissionControl {
		t.Fatalf("second question = %+v", q.req)
	}
	q.answer <- true
	log.waitFor(t, StateControlling)
	tech.waitUntil("control-grant signal", func() bool { return tech.sawSignal(SignalControlGrant) })
	tech.waitUntil("control permission", func() bool {
		p, ok := tech.lastPermission()
		return ok && p.Control
	})

	tech.send(inputproto.Message{Type: inputproto.TypePointerMove, X: 65535, Y: 32768})
	tech.send(inputproto.Message{Type: inputproto.TypeMouseButton, Button: inputproto.ButtonRight, Down: true, X: 0, Y: 0})
	tech.send(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "Enter"})
	tech.send(inputproto.Message{Type: inputproto.TypeWheel, DY: 2})
	waitStats(t, s, "4 injected events", func(st Stats) bool { return st.InputInjected == 4 })
	got := inj.Inputs()
	want := []Input{
		{Kind: InputMove, X: 319, Y: 120},
		{Kind: InputButton, X: 0, Y: 0, Button: inputproto.ButtonRight, Down: true},
		{Kind: InputKey, Down: true, Code: "Enter"},
		{Kind: InputWheel, DY: 2},
	}
	// The pointer channel is unordered: compare as sets of kinds in order
	// within the reliable channel, and the move separately.
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
			}
		}
		if !found {
			t.Errorf("injected %+v, missing %+v", got, w)
		}
	}

	// Revocation under fire: the technician keeps moving the pointer;
	// after RevokeControl returns not one more event is injected.
	var stop atomic.Bool
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := 0; !stop.Load(); i++ {
			tech.send(inputproto.Message{Type: inputproto.TypePointerMove, X: uint16(i * 97), Y: uint16(i * 31)})
			time.Sleep(time.Millisecond)
		}
	}()
	waitStats(t, s, "moves flowing", func(st Stats) bool { return st.InputInjected > 20 })
	s.RevokeControl()
	atRevoke := len(inj.Inputs())
	// What the technician still held down (Enter, the right button) was
	// released as part of the revocation.
	released := map[Input]bool{}
	for _, in := range inj.Inputs()[atRevoke-2:] {
		released[Input{Kind: in.Kind, Code: in.Code, Button: in.Button, Down: in.Down}] = true
	}
	if !released[Input{Kind: InputKey, Code: "Enter"}] || !released[Input{Kind: InputButton, Button: inputproto.ButtonRight}] {
		t.Errorf("held inputs not released on revoke; last inputs %+v", inj.Inputs()[atRevoke-2:])
	}
	waitStats(t, s, "moves dropped after revoke", func(st Stats) bool { return st.InputDropped > 2+20 })
	stop.Store(true)
	<-sent
	if ev := log.waitFor(t, StateViewing); ev.Consent != protocol.ConsentRevoked {
		t.Errorf("revoke event consent reason = %q", ev.Consent)
	}
	tech.waitUntil("control-revoke signal", func() bool { return tech.sawSignal(SignalControlRevoke) })
	tech.waitUntil("permission withdrawn", func() bool {
		p, ok := tech.lastPermission()
		return ok && p.View && !p.Control
	})

	// The technician cannot re-grant itself: it must ask, and the user
	// can say no.
	toDesk <- Signal{Type: SignalControlRequest}
	q = consent.next(t)
	q.answer <- false
	tech.waitUntil("control-deny signal", func() bool { return tech.sawSignal(SignalControlDeny) })
	// Moves sent before the sender stopped travel on the unordered pointer
	// channel and may still be landing: count from when they have settled.
	dropped := settledDrops(t, s)
	keys := []inputproto.Message{
		{Type: inputproto.TypeKey, Down: true, Code: "KeyB"},
		{Type: inputproto.TypeKey, Down: false, Code: "KeyB"},
		{Type: inputproto.TypeKey, Down: true, Code: "KeyC"},
	}
	for _, k := range keys {
		tech.send(k)
	}
	waitStats(t, s, "keys dropped after deny", func(st Stats) bool { return st.InputDropped >= dropped+uint64(len(keys)) })
	if n := len(inj.Inputs()); n != atRevoke {
		t.Fatalf("event injected after control was denied")
	}
	if s.State() != StateViewing {
		t.Errorf("state after deny = %v", s.State())
	}

	// The end: the stream stops.
	s.Stop()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if ev := log.waitFor(t, StateEnded); ev.Reason != protocol.EndUser {
		t.Errorf("end reason = %q", ev.Reason)
	}
	tech.waitUntil("end signal", func() bool { return tech.sawSignal(SignalEnd) })

	// Run has returned: its final counters say what happened after the
	// revocation and after the end.
	if n := len(inj.Inputs()); n != atRevoke {
		t.Errorf("%d events injected after RevokeControl returned", n-atRevoke)
	}
	src.checkStopped(t)
	st := s.Stats()
	if c := uint64(src.calls.Load()); st.Video.Captured != c {
		t.Errorf("the pipeline counted %d captures, the source saw %d", st.Video.Captured, c)
	}
	if f, _ := tech.counts(); uint64(f) > st.Video.Encoded {
		t.Errorf("technician received %d frames, more than the %d encoded", f, st.Video.Encoded)
	}
}

// TestUnchangedScreenNotEncoded checks that a static screen is captured
// but not re-encoded, apart from one sharp frame once it has been still
// for sharpenAfter (and the periodic refresh, an hour here).
func TestUnchangedScreenNotEncoded(t *testing.T) {
	src := newCountingSource(320, 240)
	src.static.Store(true)
	var frames atomic.Int64
	v := newVideo(videoConfig{FPS: 30, Refresh: time.Hour}, src, func(encodedFrame) error { frames.Add(1); return nil }, nil)
	ctx, cancel := contextWithTimeout(500 * time.Millisecond)
	defer cancel()
	if err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := v.Stats()
	if st.Captured < 5 {
		t.Fatalf("only %d captures in 500 ms", st.Captured)
	}
	if st.Encoded != 2 || st.Sharpened != 1 || frames.Load() != 2 {
		t.Errorf("encoded %d frames of a static screen, %d sharp (sink got %d), want the first and one sharp", st.Encoded, st.Sharpened, frames.Load())
	}
	if st.Unchanged != st.Captured-2 {
		t.Errorf("unchanged = %d, captured = %d", st.Unchanged, st.Captured)
	}
}

func TestChangeDetector(t *testing.T) {
	const w, h = 64, 32
	f := Frame{Pix: make([]byte, w*h*4), Stride: w * 4, Width: w, Height: h}
	var d changeDetector
	if !d.changed(f) {
		t.Fatal("first frame not reported as changed")
	}
	d.keep(f)
	if d.changed(f) || d.changed(f) {
		t.Fatal("identical frame reported as changed")
	}
	for row := 0; row < h; row++ {
		f.Pix[row*w*4+7] ^= 1
		seen := false
		for range detectRowStep {
			seen = seen || d.changed(f)
		}
		if !seen {
			t.Errorf("change in row %d not seen within %d frames", row, detectRowStep)
		}
		d.keep(f)
	}
	// A change four rows tall is seen at once, whatever the phase.
	for phase := range detectRowStep {
		d.phase = phase
		for row := 10; row < 14; row++ {
			f.Pix[row*w*4] ^= 0x80
		}
		if !d.changed(f) {
			t.Errorf("phase %d: 4-row change not seen on the next frame", phase)
		}
		d.keep(f)
	}
}

// A connection that worked and then fails no longer ends the session:
// see TestPeerFailureWaitsForRestart (reconnect_test.go).
