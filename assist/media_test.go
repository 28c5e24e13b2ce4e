package assist

import (
	"context"
	"image"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

func TestApplyRTCP(t *testing.T) {
	tests := []struct {
		name    string
		pkts    []rtcp.Packet
		start   int
		want    int
		wantKey bool
	}{
		{"PLI asks for a keyframe", []rtcp.Packet{&rtcp.PictureLossIndication{}}, 800, 800, true},
		{"FIR asks for a keyframe", []rtcp.Packet{&rtcp.FullIntraRequest{}}, 800, 800, true},
		{"first REMB below the target holds it", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 500_000}}, 1000, 1000, false},
		{"REMB raises", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 1_000_000}}, 500, 900, false},
		{"REMB capped at the maximum", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 50_000_000}}, 1000, 1000, false},
		{"falling REMB lowers", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 900_000}, &rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 500_000}}, 1000, 450, false},
		{"falling REMB floored at the minimum", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 900_000}, &rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 10_000}}, 1000, 150, false},
		{"heavy loss cuts", []rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{FractionLost: 64}}}}, 1000, 875, false},
		{"no loss grows", []rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{FractionLost: 0}}}}, 800, 840, false},
		{"moderate loss holds", []rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{FractionLost: 13}}}}, 800, 800, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVideo(videoConfig{BitrateKbps: 1000, StartKbps: 1000}, nil, nil, nil)
			v.bitrate.Store(int64(tt.start))
			applyRTCP(v, tt.pkts)
			if got := v.Bitrate(); got != tt.want {
				t.Errorf("bitrate = %d, want %d", got, tt.want)
			}
			if got := v.forceKey.Load(); got != tt.wantKey {
				t.Errorf("keyframe requested = %v, want %v", got, tt.wantKey)
			}
		})
	}
}

// TestREMBGrowsWhileTheBudgetIsUsed: an estimate that lags behind (Chrome's
// grows ~10 %/s from what it first saw) neither holds the target down nor
// caps its growth while the encoder spends its budget; a falling one cuts.
func TestREMBGrowsWhileTheBudgetIsUsed(t *testing.T) {
	v := newVideo(videoConfig{BitrateKbps: 4000, StartKbps: 1000}, nil, nil, nil)
	now := time.Now()
	sent := func(kbps int, d time.Duration) {
		v.count(func(s *VideoStats) { s.Bytes += uint64(kbps * 1000 / 8 * int(d/time.Millisecond) / 1000) })
		now = now.Add(d)
	}
	v.onREMB(300, now)
	for i, want := range []int{1250, 1562, 1952, 2440, 3050, 3812, 4000, 4000} {
		sent(v.Bitrate(), time.Second) // the encoder spends its whole budget
		v.onREMB(300+30*i, now)        // the lagging, slowly rising estimate
		if got := v.Bitrate(); got != want {
			t.Fatalf("after report %d: target %d, want %d", i+1, got, want)
		}
	}
	sent(500, time.Second) // a still screen: the budget is not used
	v.onREMB(600, now)
	if got := v.Bitrate(); got != 4000 {
		t.Errorf("app-limited: target %d, want it held at 4000", got)
	}
	sent(3500, time.Second)
	v.onREMB(3900, now)
	sent(3500, time.Second)
	v.onREMB(2000, now) // congestion: the estimate falls
	if got := v.Bitrate(); got != 1800 {
		t.Errorf("after a falling estimate: target %d, want 1800", got)
	}
}

// slowSource makes every capture take longer than a 30 fps frame.
type slowSource struct {
	*countingSource
	delay time.Duration
}

func (s slowSource) Capture() (Frame, error) {
	time.Sleep(s.delay)
	return s.countingSource.Capture()
}

// TestAdaptsWhenBehind checks that the pipeline lowers its frame rate and
// then its resolution when frames take longer than their budget, instead
// of letting latency grow.
func TestAdaptsWhenBehind(t *testing.T) {
	src := slowSource{newCountingSource(320, 240), 55 * time.Millisecond}
	v := newVideo(videoConfig{FPS: 30, Adapt: true}, src, func(encodedFrame) error { return nil }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := v.Stats()
	if st.Level < 2 {
		t.Errorf("quality level = %d after 2 s of 55 ms frames, want ≥ 2 (≤ 20 fps)", st.Level)
	}
	if st.Encoded == 0 {
		t.Error("nothing encoded")
	}
}

// resizingSource is a countingSource whose display changes from 320×240
// at the origin to 400×300 left of it after a few captures, as a
// resolution or layout change does.
type resizingSource struct {
	small, big *countingSource
	after      int64
	n          atomic.Int64
}

func (r *resizingSource) cur() *countingSource {
	if r.n.Load() > r.after {
		return r.big
	}
	return r.small
}

func (r *resizingSource) Capture() (Frame, error) {
	r.n.Add(1)
	return r.cur().Capture()
}

func (r *resizingSource) Bounds() image.Rectangle {
	if r.cur() == r.big {
		return image.Rect(-400, 0, 0, 300)
	}
	return image.Rect(0, 0, 320, 240)
}

func (r *resizingSource) Close() error { return nil }

// TestOnBoundsFollowsResize checks that the pipeline reports the new
// bounds once the source changed them, and that the input gate, fed by
// it as the session feeds it, then maps pointer messages into them.
func TestOnBoundsFollowsResize(t *testing.T) {
	src := &resizingSource{small: newCountingSource(320, 240), big: newCountingSource(400, 300), after: 3}
	gate := newInputGate(nil, nil, slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	var seen []image.Rectangle
	v := newVideo(videoConfig{FPS: 30, OnBounds: func(b image.Rectangle) {
		mu.Lock()
		seen = append(seen, b)
		mu.Unlock()
		gate.setBounds(b)
	}}, src, func(encodedFrame) error { return nil }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	if err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []image.Rectangle{image.Rect(0, 0, 320, 240), image.Rect(-400, 0, 0, 300)}
	if !slices.Equal(seen, want) {
		t.Fatalf("OnBounds called with %v, want %v", seen, want)
	}
	gate.mu.Lock()
	b := gate.bounds
	gate.mu.Unlock()
	in, ok := inputFor(b, inputproto.Message{Type: inputproto.TypePointerMove, X: 65535, Y: 65535})
	if !ok || in.X != -1 || in.Y != 299 {
		t.Errorf("pointer at the bottom right after the change maps to %d,%d, want -1,299", in.X, in.Y)
	}
}

// placedSource is a countingSource at a place on the desktop.
type placedSource struct {
	*countingSource
	at image.Point
}

func (p placedSource) Bounds() image.Rectangle {
	return image.Rectangle{Min: p.at, Max: p.at.Add(image.Pt(p.w, p.h))}
}

// vp8KeySize is the picture size of a VP8 keyframe, or false for a
// delta frame.
func vp8KeySize(f []byte) (image.Point, bool) {
	if len(f) < 10 || f[0]&1 != 0 || f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return image.Point{}, false
	}
	return image.Pt(int(f[6])|int(f[7])<<8&0x3fff, int(f[8])|int(f[9])<<8&0x3fff), true
}

// TestSwitchSource switches the pipeline to another display while it
// runs: the old source is closed, the stream goes on with a keyframe of
// the new display (whether its size differs or not), and OnBounds reports
// the new place, negative offsets included.
func TestSwitchSource(t *testing.T) {
	tests := []struct {
		name string
		a, b placedSource
	}{
		{"other size, left of the primary", placedSource{newCountingSource(320, 240), image.Pt(0, 0)}, placedSource{newCountingSource(200, 160), image.Pt(-200, -40)}},
		{"same size", placedSource{newCountingSource(320, 240), image.Pt(0, 0)}, placedSource{newCountingSource(320, 240), image.Pt(320, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.b.static.Store(true) // only the switch makes it encode
			var mu sync.Mutex
			var keys []image.Point // keyframe sizes, in order
			var bounds []image.Rectangle
			v := newVideo(videoConfig{FPS: 30, OnBounds: func(r image.Rectangle) {
				mu.Lock()
				bounds = append(bounds, r)
				mu.Unlock()
			}}, tt.a, func(f encodedFrame) error {
				if sz, ok := vp8KeySize(f.Data); ok {
					mu.Lock()
					keys = append(keys, sz)
					mu.Unlock()
				}
				return nil
			}, nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- v.Run(ctx) }()
			deadline := time.Now().Add(5 * time.Second)
			for v.Stats().Encoded < 5 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			v.SwitchSource(tt.b)
			for tt.b.calls.Load() < 5 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			v.closeSources()
			mu.Lock()
			defer mu.Unlock()
			sa, sb := image.Pt(tt.a.w, tt.a.h), image.Pt(tt.b.w, tt.b.h)
			if !slices.Equal(keys, []image.Point{sa, sb}) {
				t.Errorf("keyframes of sizes %v, want %v then %v (one at the start, one at the switch)", keys, sa, sb)
			}
			if want := []image.Rectangle{tt.a.Bounds(), tt.b.Bounds()}; !slices.Equal(bounds, want) {
				t.Errorf("OnBounds with %v, want %v", bounds, want)
			}
			if !tt.a.closed.Load() || !tt.b.closed.Load() {
				t.Errorf("sources closed: old %v, new %v; want both (the old at the switch, the new at the end)", tt.a.closed.Load(), tt.b.closed.Load())
			}
			if n := tt.a.late.Load() + tt.b.late.Load(); n != 0 {
				t.Errorf("%d captures from a closed source", n)
			}
		})
	}
	// A switch after the pipeline stopped closes the source it was given.
	v := newVideo(videoConfig{}, newCountingSource(8, 8), nil, nil)
	v.closeSources()
	late := newCountingSource(8, 8)
	v.SwitchSource(late)
	if !late.closed.Load() {
		t.Error("a source switched to after the end stays open")
	}
}

// TestEncodedSizeFits: screens over 1920×1080 are sent scaled to fit,
// keeping their shape (even sizes), unless full resolution was asked for;
// smaller ones stay as they are; the quality level halves either.
func TestEncodedSizeFits(t *testing.T) {
	v := newVideo(videoConfig{}, newCountingSource(320, 240), func(encodedFrame) error { return nil }, nil)
	for _, tc := range []struct {
		w, h, scale int
		full        bool
		wantW       int
		wantH       int
	}{
		{2560, 1440, 4, false, 1920, 1080},
		{3840, 2160, 4, false, 1920, 1080},
		{1920, 1200, 4, false, 1728, 1080},
		{3440, 1440, 4, false, 1920, 802},
		{1280, 720, 4, false, 1280, 720},
		{1920, 1080, 4, false, 1920, 1080},
		{2560, 1440, 4, true, 2560, 1440},
		{3840, 2160, 2, false, 960, 540},
		{3840, 2160, 2, true, 1920, 1080},
	} {
		v.SetFullResolution(tc.full)
		if w, h := v.encodedSize(tc.w, tc.h, tc.scale); w != tc.wantW || h != tc.wantH {
			t.Errorf("%d×%d scale %d/4 full=%v: %d×%d, want %d×%d", tc.w, tc.h, tc.scale, tc.full, w, h, tc.wantW, tc.wantH)
		}
	}
}

func TestQualityLevels(t *testing.T) {
	for _, tt := range []struct {
		max  int
		want []level
	}{
		{30, []level{{30, 4}, {25, 4}, {20, 4}, {15, 4}, {10, 4}, {10, 2}}},
		{60, []level{{60, 4}, {30, 4}, {25, 4}, {20, 4}, {15, 4}, {10, 4}, {10, 2}}},
		{24, []level{{24, 4}, {20, 4}, {15, 4}, {10, 4}, {10, 2}}},
		{10, []level{{10, 4}, {10, 2}}},
	} {
		if got := qualityLevels(tt.max); !slices.Equal(got, tt.want) {
			t.Errorf("qualityLevels(%d) = %v, want %v", tt.max, got, tt.want)
		}
	}
}

// TestFrameRateCap: a pipeline that may run at 60 fps runs at the cap it
// is given (30 off a LAN), and moves to 60 when the cap is raised while
// it runs.
func TestFrameRateCap(t *testing.T) {
	v := newVideo(videoConfig{FPS: 60, Adapt: false}, newCountingSource(64, 48), func(encodedFrame) error { return nil }, nil)
	v.SetFrameRateCap(30)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	waitFor := func(fps int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for v.Stats().FPS != fps {
			if time.Now().After(deadline) {
				t.Fatalf("pipeline at %d fps (%+v), want %d", v.Stats().FPS, v.Stats(), fps)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(30)
	v.SetFrameRateCap(60)
	waitFor(60)
	v.SetFrameRateCap(1000) // clamped to the maximum
	waitFor(60)
	v.SetFrameRateCap(30)
	waitFor(30)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestCaptureSoon: after injected input the screen is captured at once,
// not at the next tick (here a second away); a second request right
// after is left to the ticker.
func TestCaptureSoon(t *testing.T) {
	src := newCountingSource(64, 48)
	v := newVideo(videoConfig{FPS: 1}, src, func(encodedFrame) error { return nil }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	captures := func() int64 { return src.calls.Load() }
	for captures() == 0 { // the first tick, a second in
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(550 * time.Millisecond) // past half a frame interval
	before := captures()
	v.CaptureSoon()
	v.CaptureSoon() // within half an interval of the first: the ticker's
	deadline := time.Now().Add(300 * time.Millisecond)
	for captures() == before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if captures() != before+1 {
		t.Fatalf("captures %d → %d within 300 ms of CaptureSoon (the next tick is ≥ 150 ms later), want one more", before, captures())
	}
}
