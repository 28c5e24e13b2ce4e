//go:build linux

package assist

import (
	"context"
	"image/color"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// TestLiveSessionXvfb runs a session against a real X server: the
// default XShm capture and the robotgo injector, checked on the server.
func TestLiveSessionXvfb(t *testing.T) {
	d := xtest.Start(t, 640, 480)
	t.Setenv("DISPLAY", d)
	xtest.Fill(t, d, color.RGBA{0x30, 0x60, 0x90, 0xff})
	rec := xtest.NewRecorder(t, d)

	consent := newScriptedConsenter()
	s, log, toDesk, fromDesk, done := newTestSession(t, Config{Consenter: consent})
	tech := newTechPeer(t, toDesk, fromDesk)
	toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex (IT)"}
	toDesk <- Signal{Type: SignalViewRequest}
	consent.next(t).answer <- true
	log.waitFor(t, StateViewing)
	tech.waitUntil("a keyframe", func() bool { return tech.keyframes >= 1 })
	tech.waitUntil("data channels", func() bool { return tech.control != nil && tech.pointer != nil })

	toDesk <- Signal{Type: SignalControlRequest}
	consent.next(t).answer <- true
	log.waitFor(t, StateControlling)

	tech.send(inputproto.Message{Type: inputproto.TypePointerMove, X: 32768, Y: 16384})
	waitStats(t, s, "move injected", func(st Stats) bool { return st.InputInjected >= 1 })
	if x, y := xtest.Pointer(t, d); x != 320 || y != 120 {
		t.Errorf("X pointer at %d,%d, want 320,120", x, y)
	}
	tech.send(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "KeyQ"})
	tech.send(inputproto.Message{Type: inputproto.TypeKey, Code: "KeyQ"})
	tech.send(inputproto.Message{Type: inputproto.TypeMouseButton, Button: inputproto.ButtonLeft, Down: true, X: 0, Y: 65535})
	tech.send(inputproto.Message{Type: inputproto.TypeMouseButton, Button: inputproto.ButtonLeft, X: 0, Y: 65535})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev := rec.WaitFor(ctx, 4)
	if len(ev) != 4 || ev[0].Keysym != 'q' || !ev[0].Down || ev[2].Kind != "button" || ev[2].Button != 1 || ev[2].X != 0 || ev[2].Y != 479 {
		t.Errorf("X server received %+v", ev)
	}

	// The technician holds Shift when the user takes control back: the
	// revocation releases it on the X server.
	tech.send(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "ShiftLeft"})
	if ev := rec.WaitFor(ctx, 5); len(ev) != 5 || ev[4].Keysym != 0xffe1 || !ev[4].Down {
		t.Fatalf("shift press not received: %+v", ev)
	}
	s.RevokeControl()
	if ev := rec.WaitFor(ctx, 6); len(ev) != 6 || ev[5].Keysym != 0xffe1 || ev[5].Down {
		t.Errorf("shift not released on revocation: %+v", ev)
	}
	n := s.Stats().InputInjected
	tech.send(inputproto.Message{Type: inputproto.TypePointerMove, X: 0, Y: 0})
	tech.send(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "KeyW"})
	waitStats(t, s, "events dropped", func(st Stats) bool { return st.InputDropped >= 2 })
	s.Stop()
	<-done

	// Run has returned: the final counters and the X server say what was
	// injected after the revocation.
	if s.Stats().InputInjected != n {
		t.Errorf("injected after revocation")
	}
	if got := rec.Sync(t); len(got) != 6 {
		t.Errorf("X server received events after revocation: %+v", got[6:])
	}
	if x, y := xtest.Pointer(t, d); x != 0 || y != 479 {
		t.Errorf("pointer moved after revocation to %d,%d", x, y)
	}
}

// BenchmarkInputLatency measures data-channel message received → injected
// into Xvfb by robotgo over a real pion data channel (the target is p50
// ≤ 2 ms, see BENCHMARKS.md); run with -benchtime=1x.
func BenchmarkInputLatency(b *testing.B) {
	for b.Loop() {
		p50, p99, _ := measureInputLatency(b, 1000)
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	}
}

// measureInputLatency runs a session on a 1280×720 Xvfb with the real
// capture and robotgo, grants control, sends n pointer moves (one every
// 2 ms) plus a Shift key event every third, and returns the percentiles of
// the time from the data-channel callback to robotgo's return.
func measureInputLatency(t testing.TB, n int) (p50, p99 time.Duration, count int) {
	d := xtest.Start(t, 1280, 720)
	t.Setenv("DISPLAY", d)
	consent := newScriptedConsenter()
	s, log, toDesk, fromDesk, done := newTestSession(t, Config{Consenter: consent})
	var mu sync.Mutex
	var lat []time.Duration
	s.gate.onInject = func(received time.Time) {
		mu.Lock()
		lat = append(lat, time.Since(received))
		mu.Unlock()
	}
	tech := newTechPeer(t, toDesk, fromDesk)
	toDesk <- Signal{Type: SignalViewRequest, Peer: "Alex"}
	consent.next(t).answer <- true
	log.waitFor(t, StateViewing)
	tech.waitUntil("data channels", func() bool { return tech.control != nil && tech.pointer != nil })
	toDesk <- Signal{Type: SignalControlRequest}
	consent.next(t).answer <- true
	log.waitFor(t, StateControlling)
	for i := 0; i < n; i++ {
		tech.send(inputproto.Message{Type: inputproto.TypePointerMove, X: uint16(i * 211), Y: uint16(i * 97)})
		if i%3 == 0 {
			tech.send(inputproto.Message{Type: inputproto.TypeKey, Down: i%2 == 0, Code: "ShiftLeft"})
		}
		time.Sleep(2 * time.Millisecond)
	}
	waitStats(t, s, "events injected", func(st Stats) bool {
		return st.InputInjected+st.InputStale+st.InputDropped >= uint64(n+(n+2)/3)
	})
	s.Stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], lat[len(lat)*99/100], len(lat)
}
