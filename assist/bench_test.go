//go:build linux

package assist

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/vpx"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// Benchmarks of the media path on Xvfb; see BENCHMARKS.md for the
// commands and numbers. They start their own X servers.

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var sizes = []struct {
	name string
	w, h int
}{{"720p", 1280, 720}, {"1080p", 1920, 1080}}

// BenchmarkCaptureEncode measures one capture + BGRA→I420 + VP8 encode of
// office content (the screen changes before every frame), as fast as it
// goes: ns/op is the cost of a frame, fps the ceiling.
func BenchmarkCaptureEncode(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			d := xtest.Start(b, sz.w, sz.h)
			b.Setenv("DISPLAY", d)
			for _, srcName := range []string{"xshm", "screenshot"} {
				b.Run(srcName, func(b *testing.B) {
					var src Source
					var err error
					if srcName == "xshm" {
						src, err = NewXShmSource(d, 0)
					} else {
						src, err = NewScreenshotSource(0)
					}
					if err != nil {
						b.Fatal(err)
					}
					defer src.Close()
					a := xtest.NewAnimator(b, d, "scroll", sz.w, sz.h)
					enc, err := vpx.NewEncoder(vpx.Config{SrcWidth: sz.w, SrcHeight: sz.h, BitrateKbps: 1000})
					if err != nil {
						b.Fatal(err)
					}
					defer enc.Close()
					var bytes int
					var animCPU time.Duration
					start := time.Now()
					b.ResetTimer()
					cpu0 := cpuTime()
					i := 0
					for b.Loop() {
						c := cpuTime()
						if err := a.Step(); err != nil {
							b.Fatal(err)
						}
						animCPU += cpuTime() - c
						f, err := src.Capture()
						if err != nil {
							b.Fatal(err)
						}
						out, err := enc.Encode(f.Pix, f.Stride, f.Format, int64(i*33), 33, i == 0)
						if err != nil {
							b.Fatal(err)
						}
						bytes += len(out.Data)
						i++
					}
					cpu := cpuTime() - cpu0 - animCPU
					elapsed := time.Since(start)
					b.ReportMetric(float64(b.N)/elapsed.Seconds(), "fps")
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/frame")
					b.ReportMetric(float64(bytes)/float64(b.N), "B/frame")
				})
			}
		})
	}
}

// BenchmarkPipeline30fps runs the real pipeline (ticker at 30 fps, change
// detection, adaptation) for 5 s per iteration while the screen animates
// at 30 fps; run with -benchtime=1x. It reports delivered fps, CPU in
// percent of one core and bitrate. The animation's own client-side cost is
// included (it is small: a few tiny PutImage requests per frame).
func BenchmarkPipeline30fps(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			d := xtest.Start(b, sz.w, sz.h)
			for _, sc := range []struct {
				kind string
				kbps int
			}{{"static", 4000}, {"office", 4000}, {"scroll", 4000}, {"scroll-1M", 1000}} {
				b.Run(sc.kind, func(b *testing.B) {
					a := xtest.NewAnimator(b, d, strings.TrimSuffix(sc.kind, "-1M"), sz.w, sz.h)
					for b.Loop() {
						res := runPaced(b, d, a, sc.kbps, 5*time.Second)
						b.ReportMetric(res.fps, "fps")
						b.ReportMetric(res.changes, "changes/s")
						b.ReportMetric(res.cpuPct, "cpu-%core")
						b.ReportMetric(res.kbps, "kbit/s")
						b.ReportMetric(float64(res.level), "level")
					}
				})
			}
		})
	}
}

type pacedResult struct {
	fps, changes, cpuPct, kbps float64
	level                      int
}

func runPaced(b *testing.B, display string, a *xtest.Animator, kbps int, dur time.Duration) pacedResult {
	return runPacedCfg(b, display, a, videoConfig{FPS: 30, BitrateKbps: kbps, StartKbps: kbps, Adapt: true}, dur)
}

// runPacedCfg is runPaced with the pipeline configured by cfg.
func runPacedCfg(b *testing.B, display string, a *xtest.Animator, cfg videoConfig, dur time.Duration) pacedResult {
	src, err := NewXShmSource(display, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	var mu sync.Mutex
	var bytes, frames int
	v := newVideo(cfg, src, func(f encodedFrame) error {
		mu.Lock()
		bytes += len(f.Data)
		frames++
		mu.Unlock()
		return nil
	}, nil)
	// The first keyframe of the whole screen and the switch to idle
	// polling happen in a 3 s warm-up that is not measured.
	const warmup = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), warmup+dur)
	defer cancel()
	anim := xtest.Animate(ctx, a)
	runErr := make(chan error, 1)
	go func() { runErr <- v.Run(ctx) }()
	time.Sleep(warmup)
	mu.Lock()
	bytes0 := bytes
	mu.Unlock()
	st0, steps0 := v.Stats(), a.Changes()
	cpu0, t0 := cpuTime(), time.Now()
	if err := <-runErr; err != nil {
		b.Fatal(err)
	}
	cpu, el := cpuTime()-cpu0, time.Since(t0)
	if err := <-anim; err != nil {
		b.Fatal(err)
	}
	st := v.Stats()
	return pacedResult{
		fps:     float64(st.Encoded-st0.Encoded) / el.Seconds(),
		changes: float64(a.Changes()-steps0) / el.Seconds(),
		cpuPct:  100 * cpu.Seconds() / el.Seconds(),
		kbps:    float64(bytes-bytes0) * 8 / 1000 / el.Seconds(),
		level:   st.Level,
	}
}

// BenchmarkBigScreen: 1440p and 4K screens, office and scroll content at
// 3 Mbit/s, sent fitted to 1080p (the default) and at full resolution
// (what "Actual size" asks for), with ffmpeg x11grab + libvpx scaling to
// 1080p on the same display in the same run as the reference. Run with
// -benchtime=1x.
func BenchmarkBigScreen(b *testing.B) {
	for _, sz := range []struct {
		name string
		w, h int
	}{{"1440p", 2560, 1440}, {"4K", 3840, 2160}} {
		b.Run(sz.name, func(b *testing.B) {
			d := xtest.Start(b, sz.w, sz.h)
			for _, kind := range []string{"office", "scroll"} {
				for _, mode := range []string{"fit", "full", "ffmpeg-fit"} {
					b.Run(kind+"/"+mode, func(b *testing.B) {
						a := xtest.NewAnimator(b, d, kind, sz.w, sz.h)
						for b.Loop() {
							if mode == "ffmpeg-fit" {
								if _, err := exec.LookPath("ffmpeg"); err != nil {
									b.Skip("ffmpeg not installed")
								}
								res := xtest.FFmpegPaced(b, d, a, sz.w, sz.h, "3M", "-vf", "scale=1920:-2")
								b.ReportMetric(res.OutFPS, "fps")
								b.ReportMetric(res.CPUPct, "cpu-%core")
								b.ReportMetric(res.Kbps, "kbit/s")
								continue
							}
							cfg := videoConfig{FPS: 30, BitrateKbps: 3000, StartKbps: 3000, Adapt: true}
							if mode == "full" {
								cfg.MaxWidth, cfg.MaxHeight = -1, -1
							}
							res := runPacedCfg(b, d, a, cfg, 5*time.Second)
							b.ReportMetric(res.fps, "fps")
							b.ReportMetric(res.cpuPct, "cpu-%core")
							b.ReportMetric(res.kbps, "kbit/s")
							b.ReportMetric(float64(res.level), "level")
						}
					})
				}
			}
		})
	}
}

// BenchmarkFFmpegReference runs ffmpeg's x11grab + libvpx realtime on the
// same animated display for 5 s, as the reference; its CPU comes from the
// child's rusage. Run with -benchtime=1x.
func BenchmarkFFmpegReference(b *testing.B) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skip("ffmpeg not installed")
	}
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			d := xtest.Start(b, sz.w, sz.h)
			for _, sc := range []struct {
				kind string
				rate string
			}{{"static", "4M"}, {"office", "4M"}, {"scroll", "4M"}, {"scroll-1M", "1M"}} {
				b.Run(sc.kind, func(b *testing.B) {
					a := xtest.NewAnimator(b, d, strings.TrimSuffix(sc.kind, "-1M"), sz.w, sz.h)
					for b.Loop() {
						res := xtest.FFmpegPaced(b, d, a, sz.w, sz.h, sc.rate)
						b.ReportMetric(res.FPS, "fps")
						b.ReportMetric(res.OutFPS, "out-fps")
						b.ReportMetric(res.CPUPct, "cpu-%core")
						b.ReportMetric(res.Kbps, "kbit/s")
					}
				})
			}
		})
	}
}

// BenchmarkCapture measures capture alone (static screen): ns/op is the
// wall time of one frame (mostly the X server's copy), cpu-ms/frame ours.
func BenchmarkCapture(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			d := xtest.Start(b, sz.w, sz.h)
			xtest.NewAnimator(b, d, "static", sz.w, sz.h)
			src, err := NewXShmSource(d, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer src.Close()
			var det changeDetector
			cpu0 := cpuTime()
			for b.Loop() {
				f, err := src.Capture()
				if err != nil {
					b.Fatal(err)
				}
				if det.changed(f) {
					det.keep(f)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
		})
	}
}
