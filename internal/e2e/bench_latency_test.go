//go:build cgo

package e2e

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// The input → pixel benchmark's screen: a 720p desktop, dark, with a
// 256-pixel square in the middle that an X client flips between two
// colours on every key press (xtest.Reactor).
const (
	latScreenW, latScreenH = 1280, 720
	latTrials              = 80 // measured key presses per frame rate
	latWarmup              = 5  // key presses before measuring (the pipeline leaves its idle polling)
	latSpacing             = 150 * time.Millisecond
	latIdleTrials          = 15                      // key presses after a still screen
	latIdleSpacing         = 2500 * time.Millisecond // more than assist's idleAfter (2 s)
)

var (
	latSquare  = image.Rect(512, 232, 768, 488)
	latBG      = color.RGBA{0x30, 0x30, 0x30, 0xff}
	latColours = [2]color.RGBA{{0xf0, 0xe0, 0x20, 0xff}, {0x20, 0x40, 0xe0, 0xff}}
)

// BenchmarkInputToPixel measures what the technician feels: from a key
// pressed in the console (a real key event dispatched to the page through
// CDP, taken by the console's own keydown handler and sent on the control
// data channel) until the browser shows a video frame in which the X
// client that received the key has changed its pixels. Everything runs
// for real: Chromium, the relay, a desktop session capturing Xvfb with
// XShm, encoding VP8 and injecting with robotgo.
//
// Per trial the page records performance.now() in a capturing keydown
// listener (before the console's handler runs) and, on every decoded
// frame (requestVideoFrameCallback), reads the square back through a
// small canvas; the first frame with the new colour ends the trial. The
// main metric is performance.now() in that frame callback − key time
// (p50/p90/p99, ms): the frame is decoded and about to be composited, its
// pixels read back. display-p50-ms uses the frame's expectedDisplayTime
// instead, which Chrome derives from its render-time estimate (with a
// playout delay of 0 it can lie before the callback). Trials are
// spaced latSpacing plus a random fraction of a frame interval apart, so
// key presses land at every phase of the capture ticker.
//
// The breakdown (p50s, ms) puts the reactor's own clock (when it read the
// X key event, when the server had drawn the change) on the browser's
// clock (offset measured by round trips over CDP, error ≤ half the best
// round trip, reported as clock-err-ms):
//
//	input  key in the page → KeyPress at the X client (data channel, assist, robotgo/XTest)
//	draw   KeyPress → the fill done on the server
//	wire   fill done → last packet of the frame received by the browser
//	       (wait for the capture tick, capture, encode, RTP, loopback)
//	render received → the frame callback (jitter buffer, decode, compositor)
//
// Run with -benchtime=1x (see assist/BENCHMARKS.md).
func BenchmarkInputToPixel(b *testing.B) {
	for _, v := range []struct {
		name    string
		fps     int
		trials  int
		spacing time.Duration
	}{
		{"fps=30", 30, latTrials, latSpacing},
		{"fps=60", 60, latTrials, latSpacing},
		// The first key after a still screen: the pipeline polls an
		// unchanged screen at a third of its frame rate after 2 s.
		{"idle-fps=30", 30, latIdleTrials, latIdleSpacing},
		{"idle-fps=60", 60, latIdleTrials, latIdleSpacing},
	} {
		b.Run(v.name, func(b *testing.B) {
			// Loopback is a direct local pair: the session runs at its
			// LAN rate, which is at least FPS.
			benchInputToPixel(b, v.trials, v.spacing, v.fps)
		})
	}
}

// latFlip is what the page recorded for one trial.
type latFlip struct {
	Timeout  bool    `json:"timeout"`
	Key      float64 `json:"key"`      // performance.now() in the keydown listener
	CB       float64 `json:"cb"`       // performance.now() in the frame callback
	Present  float64 `json:"present"`  // metadata.presentationTime
	Expected float64 `json:"expected"` // metadata.expectedDisplayTime
	Receive  float64 `json:"receive"`  // metadata.receiveTime (0 if absent)
	RTP      float64 `json:"rtp"`      // metadata.rtpTimestamp: the desktop's capture time (0 if absent)
	Frames   int     `json:"frames"`   // frame callbacks so far
}

// benchInputToPixel runs the trials against a session whose LAN rate
// (loopback is a direct local pair) is fps.
func benchInputToPixel(b *testing.B, trials int, spacing time.Duration, fps int) {
	d := xtest.Start(b, latScreenW, latScreenH)
	b.Setenv("DISPLAY", d)
	react := xtest.NewReactor(b, d, latBG, latSquare, latColours)
	ld := startLiveDesktop(b, func(c *assist.Config) { c.FPS, c.LANFPS = min(fps, 30), fps })
	tb := ld.tb
	ld.takeControl()
	consoletest.Eval[bool](tb, `(() => { document.querySelector('.session:not([hidden]) .screen').focus({ preventScroll: true }); return true })()`)
	installPixelProbe(b, tb)
	b.Logf("video header extensions negotiated: %s", consoletest.Eval[string](tb, `(() => { const pc = (window.__pcs || [])[0];
		const sdp = pc && pc.currentLocalDescription ? pc.currentLocalDescription.sdp : '';
		return sdp.split('\r\n').filter(l => l.startsWith('a=extmap:')).map(l => l.split(' ')[1]).join(' ') || 'none' })()`))
	if got := consoletest.Eval[int](tb, `window.__lat.last`); got != 0 {
		b.Fatalf("the square shows colour %d in the video before any key, want 0 (%s)", got, consoletest.Eval[string](tb, `JSON.stringify(window.__lat.sample())`))
	}

	base := time.Now()
	goMs := func(t time.Time) float64 { return float64(t.Sub(base)) / float64(time.Millisecond) }
	offset, clockErr := clockOffset(b, tb, goMs) // browser ms = Go ms + offset

	key := func(typ input.DispatchKeyEventType) {
		if _, err := chromedp.Call(tb.Ctx, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Code: "KeyA", Key: "a", WindowsVirtualKeyCode: 65}); err != nil {
			b.Fatalf("dispatch key: %v", err)
		}
	}
	frame := time.Second / time.Duration(fps)
	trial := func(i int, pause time.Duration) latFlip {
		time.Sleep(pause + rand.N(frame))
		want := (i + 1) % 2
		key(input.DispatchKeyEventTypeRawKeyDown)
		key(input.DispatchKeyEventTypeKeyUp)
		f := consoletest.Eval[latFlip](tb, fmt.Sprintf(`window.__lat.wait(%d, %d, 3000)`, i, want))
		if f.Timeout {
			b.Fatalf("trial %d: no frame with colour %d within 3 s of the key (reactor flips %d, page %s, desktop %+v)",
				i, want, len(react.Flips()), consoletest.Eval[string](tb, `JSON.stringify(window.__lat.sample())`), ld.sess.Stats().Video)
		}
		return f
	}

	var flips []latFlip
	var before, after assist.VideoStats
	var rtpBefore, rtpAfter inboundRTP
	var took time.Duration
	for b.Loop() {
		flips = flips[:0]
		n := consoletest.Eval[int](tb, `window.__lat.keys.length`)
		for i := 0; i < latWarmup; i++ {
			trial(n+i, latSpacing)
		}
		before = ld.sess.Stats().Video
		rtpBefore = inboundVideo(b, tb)
		t0 := time.Now()
		for i := 0; i < trials; i++ {
			flips = append(flips, trial(n+latWarmup+i, spacing))
		}
		took = time.Since(t0)
		after = ld.sess.Stats().Video
		rtpAfter = inboundVideo(b, tb)
	}

	// The X client saw exactly one key press per keydown in the page (and
	// nothing else), so its last flips are the measured trials'.
	xf := react.Flips()
	if keys := consoletest.Eval[int](tb, `window.__lat.keys.length`); len(xf) != keys {
		b.Fatalf("the X client saw %d key presses for %d keydowns in the page", len(xf), keys)
	}
	xf = xf[len(xf)-len(flips):]

	tick, encode := splitWire(flips, xf, func(t time.Time) float64 { return goMs(t) + offset })
	var pixel, display, in, draw, wire, render []float64
	for i, f := range flips {
		pixel = append(pixel, f.CB-f.Key)
		display = append(display, f.Expected-f.Key)
		ev, drawn := goMs(xf[i].Event)+offset, goMs(xf[i].Drawn)+offset
		in = append(in, ev-f.Key)
		draw = append(draw, drawn-ev)
		if f.Receive > 0 {
			wire = append(wire, f.Receive-drawn)
			render = append(render, f.CB-f.Receive)
		}
		if f.CB-f.Key > 100 {
			b.Logf("slow trial %d: %.1f ms (input %.1f draw %.1f wire %.1f render %.1f; expected on screen %.1f after the key)",
				i, f.CB-f.Key, ev-f.Key, drawn-ev, f.Receive-drawn, f.CB-f.Receive, f.Expected-f.Key)
		}
	}
	b.ReportMetric(pct(pixel, 50), "p50-ms")
	b.ReportMetric(pct(pixel, 90), "p90-ms")
	b.ReportMetric(pct(pixel, 99), "p99-ms")
	b.ReportMetric(pct(display, 50), "display-p50-ms")
	b.ReportMetric(pct(in, 50), "input-p50-ms")
	b.ReportMetric(pct(draw, 50), "draw-p50-ms")
	if len(wire) > 0 {
		b.ReportMetric(pct(wire, 50), "wire-p50-ms")
		b.ReportMetric(pct(render, 50), "render-p50-ms")
	}
	if len(tick) > 0 {
		b.ReportMetric(pct(tick, 50), "tick-p50-ms")
		b.ReportMetric(pct(encode, 50), "encode-p50-ms")
	}
	b.ReportMetric(clockErr, "clock-err-ms")
	rtp := rtpAfter.sub(rtpBefore)
	if rtp.JitterBufferEmittedCount > 0 && rtp.FramesDecoded > 0 {
		b.ReportMetric(1000*rtp.JitterBufferDelay/rtp.JitterBufferEmittedCount, "jitterbuf-ms")
		b.ReportMetric(1000*rtp.TotalDecodeTime/rtp.FramesDecoded, "decode-ms")
	}
	b.Logf("browser inbound-rtp over the trials: %+v", rtp)
	b.ReportMetric(float64(after.Encoded-before.Encoded)/took.Seconds(), "encoded-fps")
	b.ReportMetric(float64(after.Level), "level")
	b.ReportMetric(float64(after.FPS), "pipeline-fps")
	b.Logf("fps %d: input→pixel ms p50 %.1f p90 %.1f p99 %.1f (min %.1f max %.1f); breakdown p50: input %.1f draw %.1f wire %.1f (tick wait %.1f + capture→received %.1f) render %.1f; desktop %+v",
		fps, pct(pixel, 50), pct(pixel, 90), pct(pixel, 99), pct(pixel, 0), pct(pixel, 100),
		pct(in, 50), pct(draw, 50), pct(wire, 50), pct(tick, 50), pct(encode, 50), pct(render, 50), after)
}

// splitWire splits each trial's wire time (fill done → frame received)
// into the wait for the capture that saw the change and the rest (capture,
// encode, RTP, loopback), from the frame's RTP timestamp: assist stamps
// each frame with its capture time on a 90 kHz clock from an unknown
// start. With the key presses at random phases of the capture ticker, the
// waits are spread evenly over a frame interval, so drawn − capture offset
// is spread evenly over [start − interval, start]: start is placed at the
// 90th percentile of that plus an eighth of the 10th–90th span (robust to
// a reactor timestamp delayed by the load). toPage puts a reactor time on
// the page's clock. Trials without a timestamp give none.
func splitWire(flips []latFlip, xf []xtest.Flip, toPage func(time.Time) float64) (tick, encode []float64) {
	if len(flips) < 10 || flips[0].RTP == 0 {
		return nil, nil
	}
	rel := make([]float64, len(flips)) // ms since the first trial's capture
	var lead []float64                 // drawn − rel: start minus the wait
	for i, f := range flips {
		rel[i] = float64(uint32(f.RTP)-uint32(flips[0].RTP)) / 90
		lead = append(lead, toPage(xf[i].Drawn)-rel[i])
	}
	p10, p90 := pct(lead, 10), pct(lead, 90)
	start := p90 + (p90-p10)/8
	for i, f := range flips {
		capture := start + rel[i]
		tick = append(tick, capture-toPage(xf[i].Drawn))
		if f.Receive > 0 {
			encode = append(encode, f.Receive-capture)
		}
	}
	return tick, encode
}

// inboundRTP are the counters of the page's inbound video RTP stream
// (WebRTC stats, seconds for the times).
type inboundRTP struct {
	FramesDecoded            float64 `json:"framesDecoded"`
	FramesDropped            float64 `json:"framesDropped"`
	JitterBufferDelay        float64 `json:"jitterBufferDelay"`
	JitterBufferEmittedCount float64 `json:"jitterBufferEmittedCount"`
	TotalDecodeTime          float64 `json:"totalDecodeTime"`
	TotalProcessingDelay     float64 `json:"totalProcessingDelay"`
	FreezeCount              float64 `json:"freezeCount"`
	NackCount                float64 `json:"nackCount"`
	PliCount                 float64 `json:"pliCount"`
	PacketsLost              float64 `json:"packetsLost"`
}

func (a inboundRTP) sub(b inboundRTP) inboundRTP {
	return inboundRTP{a.FramesDecoded - b.FramesDecoded, a.FramesDropped - b.FramesDropped,
		a.JitterBufferDelay - b.JitterBufferDelay, a.JitterBufferEmittedCount - b.JitterBufferEmittedCount,
		a.TotalDecodeTime - b.TotalDecodeTime, a.TotalProcessingDelay - b.TotalProcessingDelay,
		a.FreezeCount - b.FreezeCount, a.NackCount - b.NackCount, a.PliCount - b.PliCount, a.PacketsLost - b.PacketsLost}
}

// inboundVideo reads the page's inbound video stats (the first tracked
// peer connection).
func inboundVideo(b testing.TB, tb *consoletest.Tab) inboundRTP {
	b.Helper()
	return consoletest.Eval[inboundRTP](tb, `(async () => { const pc = (window.__pcs || [])[0]; let r = {};
		if (pc) (await pc.getStats()).forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') r = s; });
		return r; })()`)
}

// pct is the p-th percentile of v (nearest rank; 0 is the minimum, 100
// the maximum); NaN-free: 0 for no samples.
func pct(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// installPixelProbe adds the test-only probe to the page: window.__lat
// keeps the performance.now() of every keydown (a capturing listener on
// window, so it runs before the console's handler on the screen element)
// and, on every frame the session video presents, samples the middle of
// the square through a 4×4 canvas and records each change of colour.
// __lat.wait(i, k, ms) resolves with the first change to colour k after
// the i-th keydown (or {timeout: true}).
func installPixelProbe(b testing.TB, tb *consoletest.Tab) {
	b.Helper()
	sq := latSquare.Inset(latSquare.Dx() / 4)
	js := fmt.Sprintf(`(() => {
		const v = %s;
		const W = %d, H = %d, sq = [%d, %d, %d, %d];
		const cols = [[%d, %d, %d], [%d, %d, %d]];
		const L = window.__lat = { keys: [], flips: [], frames: 0, last: -1, rgb: null, waiters: [] };
		window.addEventListener('keydown', (e) => { if (e.code === 'KeyA') L.keys.push(performance.now()); }, true);
		const c = document.createElement('canvas'); c.width = c.height = 4;
		const g = c.getContext('2d', { willReadFrequently: true });
		L.sample = () => {
			const fx = v.videoWidth / W, fy = v.videoHeight / H;
			g.drawImage(v, sq[0] * fx, sq[1] * fy, sq[2] * fx, sq[3] * fy, 0, 0, 4, 4);
			const d = g.getImageData(0, 0, 4, 4).data; const rgb = [0, 0, 0];
			for (let i = 0; i < d.length; i += 4) for (let j = 0; j < 3; j++) rgb[j] += d[i + j] / 16;
			L.rgb = rgb.map(Math.round);
			const k = cols.findIndex(cc => cc.every((x, j) => Math.abs(x - rgb[j]) <= 48));
			return { k, rgb: L.rgb, last: L.last, frames: L.frames, keys: L.keys.length, flips: L.flips.length };
		};
		const settle = () => {
			L.waiters = L.waiters.filter(w => {
				const t = L.keys[w.i];
				if (t === undefined) return true;
				const f = L.flips.find(f => f.k === w.k && f.cb > t);
				if (!f) return true;
				w.res({ key: t, cb: f.cb, present: f.present, expected: f.expected, receive: f.receive, rtp: f.rtp, frames: f.frames });
				return false;
			});
		};
		const onFrame = (now, md) => {
			const cb = performance.now();
			L.frames++;
			const { k } = L.sample();
			if (k >= 0 && k !== L.last) {
				L.last = k;
				L.flips.push({ k, cb, present: md.presentationTime, expected: md.expectedDisplayTime, receive: md.receiveTime || 0, rtp: md.rtpTimestamp || 0, frames: L.frames });
				settle();
			}
			v.requestVideoFrameCallback(onFrame);
		};
		v.requestVideoFrameCallback(onFrame);
		L.last = L.sample().k;
		L.wait = (i, k, ms) => new Promise(res => {
			const w = { i, k, res };
			L.waiters.push(w);
			settle();
			setTimeout(() => { L.waiters = L.waiters.filter(x => x !== w); res({ timeout: true }); }, ms);
		});
		return true;
	})()`, consoletest.SessionVideo, latScreenW, latScreenH, sq.Min.X, sq.Min.Y, sq.Dx(), sq.Dy(),
		latColours[0].R, latColours[0].G, latColours[0].B, latColours[1].R, latColours[1].G, latColours[1].B)
	consoletest.Eval[bool](tb, js)
}

// clockOffset estimates browser performance.now() − goMs(now) from CDP
// round trips, taking the one with the shortest round trip; err is half of
// it, the most the estimate can be off.
func clockOffset(b testing.TB, tb *consoletest.Tab, goMs func(time.Time) float64) (offset, err float64) {
	b.Helper()
	best := -1.0
	for i := 0; i < 20; i++ {
		t0 := time.Now()
		p := consoletest.Eval[float64](tb, `performance.now()`)
		t1 := time.Now()
		if rtt := goMs(t1) - goMs(t0); best < 0 || rtt < best {
			best, offset = rtt, p-(goMs(t0)+goMs(t1))/2
		}
	}
	return offset, best / 2
}
