//go:build linux

package assist

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

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

// desktopImage draws a busy office desktop: a textured wallpaper, a
// taskbar, and overlapping windows full of text-like content and a
// photo-like area. It returns the image and the rectangle of the "editor"
// window's text area, where typing and scrolling happen.
func desktopImage(w, h int, seed uint64) (*image.RGBA, image.Rectangle) {
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := uint8(r.IntN(12))
			img.SetRGBA(x, y, color.RGBA{uint8(20 + 60*y/h + int(n)), uint8(60 + 80*x/w), uint8(120 + 60*(x+y)/(w+h) + int(n)), 255})
		}
	}
	fill := func(rc image.Rectangle, c color.RGBA) {
		rc = rc.Intersect(img.Bounds())
		for y := rc.Min.Y; y < rc.Max.Y; y++ {
			for x := rc.Min.X; x < rc.Max.X; x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	text := func(rc image.Rectangle) {
		for y := rc.Min.Y + 4; y+18 < rc.Max.Y; y += 18 {
			drawText(img, rc.Min.X+8, y, textLine(r, (rc.Dx()-16)/7))
		}
	}
	window := func(rc image.Rectangle) {
		fill(rc, color.RGBA{200, 200, 205, 255})
		fill(image.Rect(rc.Min.X, rc.Min.Y, rc.Max.X, rc.Min.Y+28), color.RGBA{40, 80, 160, 255})
		fill(image.Rect(rc.Min.X+4, rc.Min.Y+32, rc.Max.X-4, rc.Max.Y-4), color.RGBA{252, 252, 252, 255})
	}
	// Browser-like window with text.
	b1 := image.Rect(w/20, h/12, w*11/20, h*8/10)
	window(b1)
	text(image.Rect(b1.Min.X+4, b1.Min.Y+32, b1.Max.X-4, b1.Max.Y-4))
	// Photo viewer.
	b2 := image.Rect(w*6/10, h/10, w*95/100, h/2)
	window(b2)
	for y := b2.Min.Y + 32; y < b2.Max.Y-4; y++ {
		for x := b2.Min.X + 4; x < b2.Max.X-4; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(128 + 100*sin(x, 37)), uint8(100 + 80*sin(y, 23)), uint8(90 + 60*sin(x+y, 51)), 255})
		}
	}
	// Editor, where the user types.
	b3 := image.Rect(w*3/10, h*4/10, w*8/10, h*9/10)
	window(b3)
	edit := image.Rect(b3.Min.X+4, b3.Min.Y+32, b3.Max.X-4, b3.Max.Y-4)
	text(image.Rect(edit.Min.X, edit.Min.Y, edit.Max.X, edit.Min.Y+edit.Dy()/2))
	// Taskbar.
	fill(image.Rect(0, h-40, w, h), color.RGBA{30, 30, 35, 255})
	for i := 0; i < 12; i++ {
		fill(image.Rect(10+i*48, h-34, 38+i*48, h-6), color.RGBA{uint8(r.IntN(255)), uint8(r.IntN(255)), uint8(r.IntN(255)), 255})
	}
	return img, edit
}

func sin(v, period int) float64 {
	// A cheap smooth periodic function in [-1, 1].
	p := float64(v%period) / float64(period)
	return 4*p*(1-p)*2 - 1
}

var words = strings.Fields(`the printer in room four says it is offline again although the
network cable is plugged in please check the queue and restart the spooler service if jobs are stuck
outlook cannot connect to the server since this morning and the calendar does not sync with the phone
invoice quarterly report budget meeting agenda minutes attached regards thanks draft final review`)

// textLine returns about n characters of office prose.
func textLine(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n-12 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// drawText draws s in a 7×13 bitmap font, dark on whatever is there, with
// its top-left corner at (x, y).
func drawText(img *image.RGBA, x, y int, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{30, 30, 40, 255}), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y+11)}
	d.DrawString(s)
}

// animator changes the screen like a user at work.
type animator struct {
	p      *xtest.Painter
	edit   image.Rectangle
	kind   string // static, office, scroll
	frame  int
	cx, cy int
	glyph  *image.RGBA
	strip  *image.RGBA
	typed  string
	blank  *image.RGBA
	r      *rand.Rand
	mu     sync.Mutex
	nchg   int // screen updates made
}

func (a *animator) changes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nchg
}

func (a *animator) changed() {
	a.mu.Lock()
	a.nchg++
	a.mu.Unlock()
}

func newAnimator(t testing.TB, display, kind string, w, h int) *animator {
	p := xtest.NewPainter(t, display)
	img, edit := desktopImage(w, h, 1)
	if err := p.Draw(img, 0, 0); err != nil {
		t.Fatal(err)
	}
	a := &animator{p: p, edit: edit, kind: kind, r: rand.New(rand.NewPCG(3, 4))}
	a.cx, a.cy = edit.Min.X+8, edit.Min.Y+edit.Dy()/2+6
	a.glyph = image.NewRGBA(image.Rect(0, 0, 7, 13))
	a.blank = image.NewRGBA(image.Rect(0, 0, 7, 13))
	for i := range a.blank.Pix {
		a.blank.Pix[i] = 252
	}
	a.strip = image.NewRGBA(image.Rect(0, 0, edit.Dx(), 18))
	return a
}

// step advances the animation by one 1/30 s frame.
func (a *animator) step() error {
	a.frame++
	switch a.kind {
	case "static":
		return nil
	case "office":
		// Typing at 7.5 characters/s with a blinking cursor, and a
		// three-line scroll every 3 s.
		if a.frame%4 == 0 {
			if a.typed == "" {
				a.typed = textLine(a.r, 40) + " "
			}
			for i := range a.glyph.Pix {
				a.glyph.Pix[i] = 252
				if i%4 == 3 {
					a.glyph.Pix[i] = 255
				}
			}
			drawText(a.glyph, 0, 0, a.typed[:1])
			a.typed = a.typed[1:]
			if err := a.p.Draw(a.glyph, a.cx, a.cy); err != nil {
				return err
			}
			a.changed()
			a.cx += 7
			if a.cx > a.edit.Max.X-20 {
				a.cx, a.cy = a.edit.Min.X+8, a.cy+18
				if a.cy > a.edit.Max.Y-20 {
					a.cy = a.edit.Min.Y + a.edit.Dy()/2 + 6
				}
			}
		}
		if a.frame%15 == 0 {
			img := a.blank
			if a.frame%30 == 0 {
				img = a.glyph
			}
			if err := a.p.Draw(img.SubImage(image.Rect(0, 0, 2, 12)), a.cx, a.cy); err != nil {
				return err
			}
			if a.frame%4 != 0 {
				a.changed()
			}
		}
		if a.frame%90 == 0 {
			for i := 0; i < 3; i++ {
				if err := a.scroll(); err != nil {
					return err
				}
			}
			if a.frame%4 != 0 {
				a.changed()
			}
		}
	case "scroll":
		return a.scroll()
	}
	return nil
}

// scroll moves the editor's content up by one 18-pixel line and draws a
// new line of text at the bottom.
func (a *animator) scroll() error {
	if err := a.p.Scroll(a.edit, 18); err != nil {
		return err
	}
	for i := range a.strip.Pix {
		a.strip.Pix[i] = 252
		if i%4 == 3 {
			a.strip.Pix[i] = 255
		}
	}
	drawText(a.strip, 8, 3, textLine(a.r, (a.strip.Rect.Dx()-16)/7))
	if a.frame%90 != 0 || a.kind == "scroll" {
		a.changed()
	}
	return a.p.Draw(a.strip, a.edit.Min.X, a.edit.Max.Y-18)
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
					a := newAnimator(b, d, "scroll", sz.w, sz.h)
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
						if err := a.step(); err != nil {
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
					a := newAnimator(b, d, strings.TrimSuffix(sc.kind, "-1M"), sz.w, sz.h)
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

// animate steps a at 30 fps until ctx ends.
func animate(ctx context.Context, a *animator) <-chan error {
	done := make(chan error, 1)
	go func() {
		t := time.NewTicker(time.Second / 30)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				done <- nil
				return
			case <-t.C:
				if err := a.step(); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	return done
}

func runPaced(b *testing.B, display string, a *animator, kbps int, dur time.Duration) pacedResult {
	return runPacedCfg(b, display, a, videoConfig{FPS: 30, BitrateKbps: kbps, StartKbps: kbps, Adapt: true}, dur)
}

// runPacedCfg is runPaced with the pipeline configured by cfg.
func runPacedCfg(b *testing.B, display string, a *animator, cfg videoConfig, dur time.Duration) pacedResult {
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
	anim := animate(ctx, a)
	runErr := make(chan error, 1)
	go func() { runErr <- v.Run(ctx) }()
	time.Sleep(warmup)
	mu.Lock()
	bytes0 := bytes
	mu.Unlock()
	st0, steps0 := v.Stats(), a.changes()
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
		changes: float64(a.changes()-steps0) / el.Seconds(),
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
						a := newAnimator(b, d, kind, sz.w, sz.h)
						for b.Loop() {
							if mode == "ffmpeg-fit" {
								if _, err := exec.LookPath("ffmpeg"); err != nil {
									b.Skip("ffmpeg not installed")
								}
								res := ffmpegPaced(b, d, a, sz.w, sz.h, "3M", "-vf", "scale=1920:-2")
								b.ReportMetric(res.outFPS, "fps")
								b.ReportMetric(res.cpuPct, "cpu-%core")
								b.ReportMetric(res.kbps, "kbit/s")
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
					a := newAnimator(b, d, strings.TrimSuffix(sc.kind, "-1M"), sz.w, sz.h)
					for b.Loop() {
						res := ffmpegPaced(b, d, a, sz.w, sz.h, sc.rate)
						b.ReportMetric(res.fps, "fps")
						b.ReportMetric(res.outFPS, "out-fps")
						b.ReportMetric(res.cpuPct, "cpu-%core")
						b.ReportMetric(res.kbps, "kbit/s")
					}
				})
			}
		})
	}
}

type ffmpegResult struct{ fps, outFPS, cpuPct, kbps float64 }

// ffmpegPaced runs ffmpeg's x11grab + libvpx realtime at 30 fps and rate
// (such as "3M") for 5 s of input on display while a animates it, with
// extra encoder options; CPU is the child's rusage over its wall time.
func ffmpegPaced(b *testing.B, d string, a *animator, w, h int, rate string, extra ...string) ffmpegResult {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	anim := animate(ctx, a)
	cmd := exec.Command("ffmpeg", append(append([]string{"-hide_banner", "-nostdin", "-f", "x11grab",
		"-video_size", fmt.Sprintf("%dx%d", w, h), "-framerate", "30", "-i", d,
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", rate}, extra...),
		"-t", "5", "-f", "null", "-")...)
	stderr, _ := cmd.StderrPipe()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	frames, videoKB, speed := parseFFmpeg(stderr)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("ffmpeg: %v", err)
	}
	el := time.Since(t0)
	cancel()
	if err := <-anim; err != nil {
		b.Fatal(err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	// ffmpeg encodes 5 s of input; its startup is in el but not in the
	// frame count, so rate over the 5 s input. libvpx skips frames of an
	// unchanged screen, so the frames it wrote undercount what ffmpeg
	// captured; speed ≥ 1 means it kept up with 30 fps.
	return ffmpegResult{
		fps:    30 * min(speed, 1),
		outFPS: float64(frames) / 5,
		cpuPct: 100 * cpu.Seconds() / el.Seconds(),
		kbps:   videoKB * 8 * 1.024 / 5,
	}
}

var (
	ffFrame = regexp.MustCompile(`frame=\s*(\d+)`)
	ffSpeed = regexp.MustCompile(`speed=\s*([\d.]+)x`)
	ffVideo = regexp.MustCompile(`video:\s*([\d.]+)\s*[kK]i?B`)
)

func parseFFmpeg(r interface{ Read([]byte) (int, error) }) (frames int, videoKB, speed float64) {
	sc := bufio.NewScanner(r)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		for i, c := range data {
			if c == '\n' || c == '\r' {
				return i + 1, data[:i], nil
			}
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		line := sc.Text()
		if m := ffFrame.FindStringSubmatch(line); m != nil {
			frames, _ = strconv.Atoi(m[1])
		}
		if m := ffVideo.FindStringSubmatch(line); m != nil {
			videoKB, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := ffSpeed.FindStringSubmatch(line); m != nil {
			speed, _ = strconv.ParseFloat(m[1], 64)
		}
	}
	return frames, videoKB, speed
}

// BenchmarkCapture measures capture alone (static screen): ns/op is the
// wall time of one frame (mostly the X server's copy), cpu-ms/frame ours.
func BenchmarkCapture(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			d := xtest.Start(b, sz.w, sz.h)
			newAnimator(b, d, "static", sz.w, sz.h)
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
