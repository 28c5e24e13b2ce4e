package assist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-desk/lifeline/assist/vpx"
)

// changeDetector decides cheaply whether a captured frame differs from
// the last one that was encoded. It compares every fourth row against a
// private copy of the last encoded frame, rotating through the four row
// phases from one frame to the next: a change of a single pixel row is
// seen within four ticks, anything at least four rows tall (a glyph, a
// cursor, a window) on the next tick, and an unchanged screen costs a
// quarter of a memcmp per tick.
const detectRowStep = 4

type changeDetector struct {
	ref    []byte
	stride int
	height int
	phase  int
}

// changed reports whether f differs from the reference in the rows
// sampled this time. It does not update the reference; call keep after
// the frame was encoded.
func (d *changeDetector) changed(f Frame) bool {
	rowBytes := f.Width * 4
	if d.ref == nil || d.stride != rowBytes || d.height != f.Height {
		return true
	}
	d.phase = (d.phase + 1) % detectRowStep
	for y := d.phase; y < f.Height; y += detectRowStep {
		if !bytes.Equal(f.Pix[y*f.Stride:y*f.Stride+rowBytes], d.ref[y*rowBytes:(y+1)*rowBytes]) {
			return true
		}
	}
	return false
}

// keep makes f the reference.
func (d *changeDetector) keep(f Frame) {
	rowBytes := f.Width * 4
	if len(d.ref) != rowBytes*f.Height {
		d.ref = make([]byte, rowBytes*f.Height)
	}
	d.stride, d.height = rowBytes, f.Height
	if f.Stride == rowBytes {
		copy(d.ref, f.Pix[:rowBytes*f.Height])
		return
	}
	for y := 0; y < f.Height; y++ {
		copy(d.ref[y*rowBytes:(y+1)*rowBytes], f.Pix[y*f.Stride:])
	}
}

// DefaultMaxVideoWidth and DefaultMaxVideoHeight bound the picture sent
// unless the technician asks for full resolution: a 1440p or 4K screen is
// scaled to fit 1080p, where VP8 on one core keeps up and a console
// window shows it whole anyway.
const (
	DefaultMaxVideoWidth  = 1920
	DefaultMaxVideoHeight = 1080
)

// quality levels the pipeline steps through when the encoder falls behind:
// first the frame rate drops, then the resolution.
type level struct {
	fps   int
	scale int // encoded size = source size * scale / 4
}

// sharpenAfter is how long a screen must stay unchanged before it is sent
// once more at a fine quantizer (EncodeSharp): text scrolled or typed at
// the rate control's quantizer, or a keyframe at its budget, is legible but
// soft (SSIM 0.93 for a 1080p keyframe at 4 Mbit/s; 0.98 after the sharp
// frame, BenchmarkSharpen).
const sharpenAfter = 300 * time.Millisecond

// sharpQuantizer is the sharp frame's quantizer for a target bitrate: the
// frame costs 120–160 KB at 1080p at 24–32, a burst a slow path must not
// get at its full size.
func sharpQuantizer(kbps int) int {
	switch {
	case kbps >= 2500:
		return 24
	case kbps >= 1000:
		return 32
	default:
		return 44
	}
}

// idleAfter is how long the screen must stay unchanged before it is
// polled at 1/idleDivisor of the frame rate.
const (
	idleAfter   = 2 * time.Second
	idleDivisor = 3
)

// qualityLevels is the ladder for a pipeline whose top rate is maxFPS:
// maxFPS, then 30, 25, 20, 15 and 10 fps at full size, then 10 fps at half
// size. Scales are 1 and 1/2 only: a fractional scale turns a scroll by
// whole pixels into a sub-pixel one that VP8's motion search misses, which
// costs more bits than the smaller picture saves. Only a change of size
// needs a new encoder (and a keyframe); frame-rate steps do not. The frame
// rate goes first and down to 10 fps: for office work a sharp picture
// matters more than motion. (For content that changes every frame a lower
// rate saves little: the scroll between two frames grows and so does each
// frame — BenchmarkEncoderLevers "15fps" — so the ladder is for a machine
// that is busy, not for the bandwidth; the bandwidth is the encoder's.)
func qualityLevels(maxFPS int) []level {
	out := []level{{maxFPS, 4}}
	for _, f := range []int{30, 25, 20, 15, 10} {
		if f < maxFPS {
			out = append(out, level{f, 4})
		}
	}
	return append(out, level{min(10, maxFPS), 2})
}

// VideoStats are counters of the video pipeline.
type VideoStats struct {
	Captured   uint64 // Source.Capture calls
	Unchanged  uint64 // captures skipped by change detection
	Encoded    uint64 // frames encoded
	Keyframes  uint64
	Sharpened  uint64 // fine frames of a screen that stopped changing
	Dropped    uint64 // ticks or frames dropped under back-pressure
	Bytes      uint64 // encoded bytes handed to the sink
	Level      int    // index into the quality ladder (0 = the configured maximum)
	FPS        int    // frame rate at that level
	BitrateKbs int
	REMBKbps   int // the viewer's last bandwidth estimate (0: none)
}

// encodedFrame is one VP8 frame for the sink.
type encodedFrame struct {
	Data     []byte
	Keyframe bool
	At       time.Duration // capture time since the pipeline started
}

// videoConfig configures a pipeline.
type videoConfig struct {
	// FPS is the highest frame rate the pipeline may run at (default 30);
	// SetFrameRateCap keeps it lower until the path allows it (a LAN).
	FPS            int
	BitrateKbps    int // maximum bitrate (default 2000)
	StartKbps      int // starting bitrate (default min(2000, BitrateKbps))
	MinBitrateKbps int // floor for adaptation (default 150)
	CPUUsed        int // VP8E_SET_CPUUSED (default -4, see vpx.Config)
	Threads        int // encoder threads (default 1)
	// Refresh is how often an unchanged screen is encoded anyway (a tiny
	// P-frame, so a viewer that joined late or lost packets converges).
	Refresh time.Duration // default 2s
	// Adapt enables frame-rate/resolution reduction when encoding is slow.
	Adapt bool
	// MaxWidth and MaxHeight bound the encoded picture: a larger screen
	// (1440p, 4K) is sent scaled down to fit, keeping its shape, unless
	// the technician asks for full resolution (video.SetFullResolution).
	// Default 1920×1080; negative: no bound.
	MaxWidth, MaxHeight int
	// OnBounds, if set, is called from the capture loop with the source's
	// Bounds after the first capture and after every capture that changed
	// them (a resolution or layout change the source followed, as DXGI
	// does), so pointer coordinates map to the display as it is now.
	OnBounds func(image.Rectangle)
}

func (c *videoConfig) defaults() {
	if c.FPS <= 0 {
		c.FPS = 30
	}
	if c.MaxWidth == 0 {
		c.MaxWidth = DefaultMaxVideoWidth
	}
	if c.MaxHeight == 0 {
		c.MaxHeight = DefaultMaxVideoHeight
	}
	if c.BitrateKbps <= 0 {
		c.BitrateKbps = 2000
	}
	if c.StartKbps <= 0 || c.StartKbps > c.BitrateKbps {
		c.StartKbps = min(2000, c.BitrateKbps)
	}
	if c.MinBitrateKbps <= 0 {
		c.MinBitrateKbps = 150
	}
	if c.Threads <= 0 {
		c.Threads = 1
	}
	if c.Refresh <= 0 {
		c.Refresh = 2 * time.Second
	}
}

// video captures, converts and encodes frames from src and hands them to
// sink on a writer goroutine. The sink must not block for long; frames
// that arrive while it is still busy are dropped (and a keyframe follows).
type video struct {
	cfg  videoConfig
	src  Source
	sink func(encodedFrame) error
	log  *slog.Logger

	forceKey atomic.Bool
	fullRes  atomic.Bool   // the technician asked for the screen at its own size
	resized  atomic.Bool   // fullRes changed: the loop checks the size sent
	bitrate  atomic.Int64  // kbit/s wanted by the network side
	remb     atomic.Int64  // the viewer's last REMB in kbit/s (0: none yet): trusted over loss
	fpsCap   atomic.Int64  // frame rate allowed now (≤ cfg.FPS)
	kick     chan struct{} // CaptureSoon: capture now, not at the next tick

	// onREMB's state (the RTCP reader's goroutine only).
	rembPrev  int        // the previous estimate, kbit/s
	rembAt    time.Time  // when it came
	rembBytes uint64     // Stats.Bytes then
	levels    []level    // quality ladder from cfg.FPS down
	rates     frameRates // the session's rates by path (set before Run)

	mu    sync.Mutex
	stats VideoStats

	srcMu  sync.Mutex
	next   Source // set by SwitchSource, taken by the capture loop
	closed bool   // closeSources ran: a new source is closed at once
}

func newVideo(cfg videoConfig, src Source, sink func(encodedFrame) error, log *slog.Logger) *video {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v := &video{cfg: cfg, src: src, sink: sink, log: log, levels: qualityLevels(cfg.FPS), kick: make(chan struct{}, 1)}
	v.bitrate.Store(int64(cfg.StartKbps))
	v.fpsCap.Store(int64(cfg.FPS))
	return v
}

// SetFrameRateCap bounds the frame rate at fps (within the configured
// maximum) from the next tick on: the session lowers it to its normal
// rate and raises it to the maximum when the path is a LAN.
func (v *video) SetFrameRateCap(fps int) {
	v.fpsCap.Store(int64(min(max(fps, 1), v.cfg.FPS)))
}

// inputSettle is how long after an injected key, click or wheel event the
// screen is captured: the application has drawn its answer by then (or the
// ticks that follow see it).
const inputSettle = 2 * time.Millisecond

// CaptureSoon asks for a capture inputSettle from now instead of at the
// next tick, and for full-rate ticks after it (no idle polling): the
// technician's key or click shows in 18–25 ms instead of after half a
// frame interval, or three after a still screen (BenchmarkInputToPixel).
// A capture within half a frame interval of the last one is left to the
// ticker, so the frame rate stays bounded.
func (v *video) CaptureSoon() {
	time.AfterFunc(inputSettle, func() {
		select {
		case v.kick <- struct{}{}:
		default:
		}
	})
}

// topLevel is the best level allowed under the frame-rate cap.
func (v *video) topLevel() int {
	c := int(v.fpsCap.Load())
	for i, l := range v.levels {
		if l.fps <= c {
			return i
		}
	}
	return len(v.levels) - 1
}

// SwitchSource makes the pipeline capture src from the next tick on (a
// different display): the current source is closed, the next frame is a
// keyframe at src's size and OnBounds reports src's bounds. The stream
// itself goes on. A source switched to after the pipeline stopped is
// closed.
func (v *video) SwitchSource(src Source) {
	v.srcMu.Lock()
	old := v.next
	v.next = src
	if v.closed {
		old, v.next = src, nil
	}
	v.srcMu.Unlock()
	if old != nil {
		old.Close()
	}
	v.forceKey.Store(true)
}

// takeNext returns the source to switch to, if any.
func (v *video) takeNext() Source {
	v.srcMu.Lock()
	defer v.srcMu.Unlock()
	n := v.next
	v.next = nil
	return n
}

// closeSources closes the current source and any switched to since the
// last tick; call it once Run has returned.
func (v *video) closeSources() error {
	v.srcMu.Lock()
	next := v.next
	v.next, v.closed = nil, true
	v.srcMu.Unlock()
	if next != nil {
		next.Close()
	}
	return v.src.Close()
}

// RequestKeyframe makes the next encoded frame a keyframe (on PLI/FIR).
func (v *video) RequestKeyframe() { v.forceKey.Store(true) }

// SetFullResolution sends the screen at its own size (on) or scaled to
// fit MaxWidth×MaxHeight (off, the default); the next frame is a
// keyframe at the new size.
func (v *video) SetFullResolution(on bool) {
	if v.fullRes.Swap(on) != on {
		v.resized.Store(true) // a keyframe if the size sent changes (loop)
	}
}

// encodedSize is the size a w×h capture is encoded at: fitted into the
// bound unless full resolution was asked for, then scaled by the
// quality level (scale/4), even.
func (v *video) encodedSize(w, h, scale int) (int, int) {
	fw, fh := w, h
	if mw, mh := v.cfg.MaxWidth, v.cfg.MaxHeight; !v.fullRes.Load() && mw > 0 && mh > 0 && (w > mw || h > mh) {
		if w*mh > h*mw { // wider than the bound
			fw, fh = mw, h*mw/w
		} else {
			fw, fh = w*mh/h, mh
		}
	}
	return fw * scale / 4 &^ 1, fh * scale / 4 &^ 1
}

// SetBitrate asks for a new target bitrate, clamped to the configured range.
func (v *video) SetBitrate(kbps int) {
	kbps = min(max(kbps, v.cfg.MinBitrateKbps), v.cfg.BitrateKbps)
	v.bitrate.Store(int64(kbps))
}

// onREMB follows the viewer's bandwidth estimate (kbps, received at now).
// Chrome's estimate grows 8–11 % a second from the rate it first saw and
// stays under 1.5× what it receives, so on a stream that started on a
// still screen it says a few hundred kbit/s for many seconds: taken as the
// target, it held full motion to a slide show for 15–20 s on loopback.
// It is read for what it tells: a falling estimate is congestion (Chrome
// lowers it to 85 % of what arrives), and the target drops to 90 % of it;
// otherwise the target rises to 90 % of it if that is higher, and while
// the encoder spends at least 80 % of its budget the target grows by a
// quarter per report, up to the operator's ceiling (receiver-report loss
// above 10 % still cuts it, see applyRTCP).
func (v *video) onREMB(kbps int, now time.Time) {
	kbps = max(kbps, 1)
	v.remb.Store(int64(kbps))
	prev, at, bytes0 := v.rembPrev, v.rembAt, v.rembBytes
	bytes := v.Stats().Bytes
	v.rembPrev, v.rembAt, v.rembBytes = kbps, now, bytes
	target := v.Bitrate()
	switch {
	case prev > 0 && kbps < prev*97/100:
		v.SetBitrate(min(target, kbps*9/10))
	case !at.IsZero() && now.Sub(at) >= 200*time.Millisecond &&
		float64(bytes-bytes0)*8/1000/now.Sub(at).Seconds() >= 0.8*float64(target):
		v.SetBitrate(max(target*5/4, kbps*9/10))
	default:
		v.SetBitrate(max(target, kbps*9/10))
	}
}

// Bitrate is the current target in kbit/s.
func (v *video) Bitrate() int { return int(v.bitrate.Load()) }

// Stats returns a snapshot of the counters.
func (v *video) Stats() VideoStats {
	v.mu.Lock()
	defer v.mu.Unlock()
	st := v.stats
	st.REMBKbps = int(v.remb.Load())
	return st
}

func (v *video) count(f func(*VideoStats)) {
	v.mu.Lock()
	f(&v.stats)
	v.mu.Unlock()
}

// sessionEncoderConfig is the VP8 tuning of the session's pipeline at
// kbps (sizes and frame rate are the caller's); BenchmarkEncoderLevers
// measures every field against the alternatives.
func sessionEncoderConfig(kbps int) vpx.Config {
	return vpx.Config{
		BitrateKbps: kbps,
		// Allow the coarsest quantizers for costly content (fast
		// scrolling); a still screen is refined afterwards.
		MaxQuantizer: 60,
		// Screen-content mode, speed 4 (the vpx default) and no frame
		// drops by the rate control: a dropped frame doubles the next
		// scroll, which speed 5+ cannot follow (2.6× the bits); a
		// macroblock whose prediction error is under 800 is left as it
		// was (a third less CPU on full motion at the same SSIM).
		ScreenContent: 1, StaticThreshold: 800,
	}
}

type encoderState struct {
	enc   *vpx.Encoder
	level int
	w, h  int
}

// Run captures until ctx ends. It returns nil when ctx ends, or the
// first capture/encoding error.
func (v *video) Run(ctx context.Context) error {
	frames := make(chan encodedFrame, 1)
	writerDone := make(chan error, 1)
	go func() {
		var err error
		for f := range frames {
			if err == nil {
				err = v.sink(f)
			}
		}
		writerDone <- err
	}()
	err := v.loop(ctx, frames)
	close(frames)
	if werr := <-writerDone; err == nil && werr != nil {
		err = fmt.Errorf("write video: %w", werr)
	}
	return err
}

func (v *video) loop(ctx context.Context, frames chan<- encodedFrame) error {
	var (
		es         encoderState
		det        changeDetector
		levels     = v.levels
		top        = v.topLevel()
		lvl        = top
		ticker     = time.NewTicker(time.Second / time.Duration(levels[lvl].fps))
		start      = time.Now()
		lastSent   time.Time
		slow       float64 // EWMA of work time / frame budget
		fastSince  time.Time
		curKbps    = 0
		tick       = 0
		pts        int64
		refreshes  = 0
		sharpened  bool // the still screen has had its fine frame
		lastChange time.Time
		bounds     image.Rectangle
		haveBounds bool
	)
	defer ticker.Stop()
	defer func() {
		if es.enc != nil {
			es.enc.Close()
		}
	}()
	fps := func() int { return levels[lvl].fps }
	v.forceKey.Store(true)
	var lastCapture time.Time
	for {
		kicked := false
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		case <-v.kick:
			if time.Since(lastCapture) < time.Second/time.Duration(2*fps()) {
				continue // the tick that follows is as soon
			}
			kicked = true
			lastChange = time.Now() // input: the screen is about to change
		}
		tick++
		if t := v.topLevel(); t != top {
			// The frame-rate cap moved (the path became a LAN or stopped
			// being one): start from the best level it allows.
			top, lvl = t, t
			slow, fastSince = 0.6, time.Time{}
			ticker.Reset(time.Second / time.Duration(fps()))
			v.log.Info("video frame rate cap changed", "fps", fps())
		}
		if src := v.takeNext(); src != nil {
			if err := v.src.Close(); err != nil {
				v.log.Debug("close capture source", "err", err)
			}
			v.src = src
			det = changeDetector{}
			v.forceKey.Store(true)
		}
		if !lastChange.IsZero() && time.Since(lastChange) > idleAfter && tick%idleDivisor != 0 && !v.forceKey.Load() && !kicked {
			// Idle screen: poll at a third of the rate. The first change
			// after a pause is seen at most 3/fps later.
			continue
		}
		if len(frames) == cap(frames) {
			// The writer is still busy with the previous frame: skip this
			// tick rather than queue latency.
			v.count(func(s *VideoStats) { s.Dropped++ })
			continue
		}
		t0 := time.Now()
		lastCapture = t0
		f, err := v.src.Capture()
		if err != nil {
			return err
		}
		v.count(func(s *VideoStats) { s.Captured++ })
		if v.cfg.OnBounds != nil {
			if b := v.src.Bounds(); b != bounds || !haveBounds {
				bounds, haveBounds = b, true
				v.cfg.OnBounds(b)
			}
		}
		force := v.forceKey.Load()
		if v.resized.Swap(false) {
			// Only a picture of another size needs a keyframe (a screen
			// within 1080p is the same either way).
			if w, h := v.encodedSize(f.Width, f.Height, levels[lvl].scale); w != es.w || h != es.h {
				force = true
			}
		}
		changed := force || det.changed(f)
		if changed || lastChange.IsZero() {
			lastChange = t0
			refreshes = 0
			sharpened = false
		}
		// A screen that stopped changing gets one fine frame (the rate
		// control left it coarse: text at SSIM 0.85 in the browser).
		sharpen := !changed && !sharpened && t0.Sub(lastChange) >= sharpenAfter
		// An unchanged screen is re-encoded after Refresh, then after
		// twice that, and so on up to 16×: they help a viewer that lost
		// packets.
		if !changed && !sharpen && t0.Sub(lastSent) < v.cfg.Refresh<<min(refreshes, 4) {
			v.count(func(s *VideoStats) { s.Unchanged++ })
			continue
		}
		w, h := v.encodedSize(f.Width, f.Height, levels[lvl].scale)
		if es.enc == nil || es.w != w || es.h != h {
			if es.enc != nil {
				es.enc.Close()
				es.enc = nil
			}
			ec := sessionEncoderConfig(v.Bitrate())
			ec.SrcWidth, ec.SrcHeight, ec.Width, ec.Height, ec.FPS = f.Width, f.Height, w, h, fps()
			if v.cfg.CPUUsed != 0 {
				ec.CPUUsed = v.cfg.CPUUsed
			}
			ec.Threads = v.cfg.Threads
			enc, err := vpx.NewEncoder(ec)
			if err != nil {
				return err
			}
			es = encoderState{enc: enc, level: lvl, w: w, h: h}
			curKbps = v.Bitrate()
			force = true
		}
		if want := v.Bitrate(); want != curKbps {
			if err := es.enc.SetBitrate(want); err != nil {
				return err
			}
			curKbps = want
		}
		if force {
			v.forceKey.Store(false)
		}
		dur := time.Second / time.Duration(fps())
		// The encoder's clock advances one frame per encoded frame, not by
		// wall time: after an idle pause the rate control must not think
		// it has seconds of bits to spend on the next frame.
		pts += dur.Milliseconds()
		var out vpx.Frame
		if sharpen {
			out, err = es.enc.EncodeSharp(f.Pix, f.Stride, f.Format, pts, dur.Milliseconds(), sharpQuantizer(curKbps))
			sharpened = true
		} else {
			out, err = es.enc.Encode(f.Pix, f.Stride, f.Format, pts, dur.Milliseconds(), force)
		}
		if errors.Is(err, vpx.ErrFrameLost) {
			v.forceKey.Store(true)
			continue
		}
		if err != nil {
			return err
		}
		if !changed {
			refreshes++
		}
		lastSent = t0
		if out.Data == nil && force {
			v.forceKey.Store(true) // the rate control dropped the keyframe
		}
		if out.Data != nil {
			det.keep(f)
			select {
			case frames <- encodedFrame{Data: out.Data, Keyframe: out.Keyframe, At: t0.Sub(start)}:
				v.count(func(s *VideoStats) {
					s.Encoded++
					s.Bytes += uint64(len(out.Data))
					if out.Keyframe {
						s.Keyframes++
					}
					if sharpen {
						s.Sharpened++
					}
					s.Level, s.FPS = lvl, fps()
					s.BitrateKbs = curKbps
				})
			default:
				// Dropping an encoded frame breaks the reference chain.
				v.forceKey.Store(true)
				v.count(func(s *VideoStats) { s.Dropped++ })
			}
		}
		if !v.cfg.Adapt {
			continue
		}
		// Adapt: if capture+encode uses most of the frame budget, step
		// down; if it has stayed well below for a while, step back up.
		if force {
			// Keyframes are rare and slow; they say nothing about whether
			// the encoder keeps up with ordinary frames.
			continue
		}
		ratio := float64(time.Since(t0)) / float64(dur)
		slow = 0.8*slow + 0.2*ratio
		next := lvl
		switch {
		case slow > 0.9 && lvl < len(levels)-1:
			next = lvl + 1
			fastSince = time.Time{}
		case slow < 0.4 && lvl > top:
			if fastSince.IsZero() {
				fastSince = t0
			} else if t0.Sub(fastSince) > 5*time.Second {
				next = lvl - 1
				fastSince = time.Time{}
			}
		default:
			fastSince = time.Time{}
		}
		if next != lvl {
			v.log.Info("video quality level changed", "from", levels[lvl], "to", levels[next], "load", slow)
			lvl = next
			slow = 0.6
			ticker.Reset(time.Second / time.Duration(fps()))
		}
	}
}
