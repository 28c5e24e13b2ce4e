//go:build linux

package assist

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/vpx"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// memDesktop is the benchmark desktop in memory, animated without an X
// server, so encoder settings can be compared on exactly the same frames.
type memDesktop struct {
	img   *image.RGBA
	edit  image.Rectangle
	photo image.Rectangle
	kind  string // static, office, scroll, video
	frame int
	r     *rand.Rand
	cx    int
}

func newMemDesktop(kind string, w, h int) *memDesktop {
	img, edit := xtest.DesktopImage(w, h, 1)
	return &memDesktop{img: img, edit: edit, photo: xtest.PhotoArea(w, h), kind: kind, r: rand.New(rand.NewPCG(3, 4)), cx: edit.Min.X + 8}
}

// step advances the content by one 1/30 s frame and reports whether the
// picture changed.
func (m *memDesktop) step() bool {
	m.frame++
	switch m.kind {
	case "static":
		return false
	case "office":
		changed := m.frame%4 == 0 || m.frame%90 == 0
		if m.frame%4 == 0 { // typing at 7.5 characters/s
			y := m.edit.Min.Y + m.edit.Dy()/2 + 6
			xtest.DrawText(m.img, m.cx, y, string(rune('a'+m.r.IntN(26))))
			m.cx += 7
			if m.cx > m.edit.Max.X-20 {
				m.cx = m.edit.Min.X + 8
				m.scroll()
			}
		}
		if m.frame%90 == 0 {
			for range 3 {
				m.scroll()
			}
		}
		return changed
	case "scroll":
		m.scroll()
	case "wheel":
		// A mouse wheel: three lines a notch, a notch every third frame.
		if m.frame%3 != 0 {
			return false
		}
		for range 3 {
			m.scroll()
		}
	case "scroll2":
		// Two lines a frame: the same scroll seen at half the frame rate.
		m.scroll()
		m.scroll()
	case "video":
		// The X animator's video, new every frame, in the photo viewer.
		xtest.VideoFrame(m.img, m.photo, m.frame)
	}
	return true
}

// scroll moves the editor's text up one 18-pixel line and writes a new
// line at the bottom, as the X animator does.
func (m *memDesktop) scroll() {
	e, img := m.edit, m.img
	row := e.Dx() * 4
	for y := e.Min.Y; y < e.Max.Y-18; y++ {
		copy(img.Pix[img.PixOffset(e.Min.X, y):][:row], img.Pix[img.PixOffset(e.Min.X, y+18):][:row])
	}
	for y := e.Max.Y - 18; y < e.Max.Y; y++ {
		p := img.Pix[img.PixOffset(e.Min.X, y):][:row]
		for i := range p {
			p[i] = 252
			if i%4 == 3 {
				p[i] = 255
			}
		}
	}
	xtest.DrawText(img, e.Min.X+8, e.Max.Y-15, xtest.TextLine(m.r, (e.Dx()-16)/7))
}

// leverResult is what one encoder setting gives on 5 s of content.
type leverResult struct {
	fps, kbps, cpuMs, cpuPct float64
	ssim, shownSSIM, minSSIM float64
	psnr                     float64
}

// runLever encodes 1 s of warm-up and 5 s of measured content at 30 fps
// with cfg, decodes what comes out and compares it with the source: ssim
// is the mean over the frames sent, shownSSIM over every 1/30 s of what
// the viewer is showing then (a dropped frame leaves the previous picture
// on screen), minSSIM the worst frame sent.
func runLever(b *testing.B, kind string, w, h int, cfg vpx.Config, every int) leverResult {
	b.Helper()
	m := newMemDesktop(kind, w, h)
	cfg.SrcWidth, cfg.SrcHeight = w, h
	enc, err := vpx.NewEncoder(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	ew, eh := enc.Config().Width, enc.Config().Height
	dec, err := vpx.NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	const warm, measured = 30, 150
	var (
		res            leverResult
		cpu            time.Duration
		bytes, sent    int
		shown          []byte
		nShown         int
		sumShown, sumS float64
		sumP           float64
		minS           = 1.0
		stride         = m.img.Stride
	)
	var pts int64
	for i := range warm + measured {
		var (
			f vpx.Frame
			c time.Duration
		)
		// As in the pipeline, an unchanged picture is not encoded and the
		// encoder's clock moves one frame per encoded frame.
		if changed := i == 0 || m.step(); changed && i%every == 0 {
			c0 := cpuTime()
			f, err = enc.Encode(m.img.Pix, stride, vpx.RGBA, pts, int64(33*every), i == 0)
			c = cpuTime() - c0
			if err != nil {
				b.Fatal(err)
			}
			pts += int64(33 * every)
		}
		if f.Data != nil {
			y, _, _, err := dec.Decode(f.Data)
			if err != nil {
				b.Fatal(err)
			}
			shown = append(shown[:0], y...)
		}
		if i < warm {
			continue
		}
		cpu += c
		src, err := vpx.Luma(m.img.Pix, stride, vpx.RGBA, w, h, ew, eh)
		if err != nil {
			b.Fatal(err)
		}
		s := vpx.SSIM(src, shown, ew, eh)
		sumShown += s
		nShown++
		if f.Data != nil {
			bytes += len(f.Data)
			sent++
			sumS += s
			sumP += vpx.PSNR(src, shown, ew, eh)
			minS = min(minS, s)
		}
	}
	secs := float64(measured) / 30
	res.fps = float64(sent) / secs
	res.kbps = float64(bytes) * 8 / 1000 / secs
	res.cpuMs = float64(cpu.Microseconds()) / 1000 / measured
	res.cpuPct = 100 * cpu.Seconds() / secs
	res.shownSSIM = sumShown / float64(nShown)
	if sent > 0 {
		res.ssim, res.psnr, res.minSSIM = sumS/float64(sent), sumP/float64(sent), minS
	}
	return res
}

func reportLever(b *testing.B, r leverResult) {
	b.ReportMetric(r.fps, "fps")
	b.ReportMetric(r.kbps, "kbit/s")
	b.ReportMetric(r.cpuPct, "cpu-%core")
	b.ReportMetric(r.cpuMs, "cpu-ms/frame")
	b.ReportMetric(r.ssim, "ssim")
	b.ReportMetric(r.shownSSIM, "shown-ssim")
	b.ReportMetric(r.minSSIM, "min-ssim")
	b.ReportMetric(r.psnr, "psnr-dB")
}

// BenchmarkEncoderLevers compares VP8 settings one at a time against the
// session's on the same in-memory frames (no X server, so the numbers
// are the encoder's alone; bytes and SSIM are deterministic, CPU is
// not): frames sent, bitrate, CPU and the SSIM of the decoded pictures.
// Contents: scroll (one text line every frame), wheel (three lines every
// third frame, as a mouse wheel does), scroll2 (two lines a frame: the
// scroll seen at half the frame rate), video (a moving picture in a
// window), office (typing) and static. Run with -benchtime=1x.
func BenchmarkEncoderLevers(b *testing.B) {
	type variant struct {
		name string
		f    func(*vpx.Config)
	}
	variants := []variant{
		{"session", func(*vpx.Config) {}},
		{"cpu-6", func(c *vpx.Config) { c.CPUUsed = -6 }},
		{"cpu-8", func(c *vpx.Config) { c.CPUUsed = -8 }},
		{"cpu-3", func(c *vpx.Config) { c.CPUUsed = -3 }},
		{"screen-0", func(c *vpx.Config) { c.ScreenContent = 0 }},
		{"drop-30", func(c *vpx.Config) { c.DropFrameThreshold = 30 }},
		{"threads-2", func(c *vpx.Config) { c.Threads = 2 }},
		{"static-1", func(c *vpx.Config) { c.StaticThreshold = 1 }},
		{"static-2000", func(c *vpx.Config) { c.StaticThreshold = 2000 }},
		{"maxq-63", func(c *vpx.Config) { c.MaxQuantizer = 63 }},
	}
	run := func(name, kind string, w, h, kbps int, v variant) {
		cfg := sessionEncoderConfig(kbps)
		v.f(&cfg)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				reportLever(b, runLever(b, kind, w, h, cfg, 1))
			}
		})
	}
	for _, kind := range []string{"scroll", "wheel", "scroll2", "video", "office", "static"} {
		for _, v := range variants {
			run(kind+"/1080p/"+v.name, kind, 1920, 1080, 4000, v)
		}
	}
	for _, kind := range []string{"scroll", "video", "office"} {
		for _, v := range variants[:2] {
			run(kind+"/720p/"+v.name, kind, 1280, 720, 4000, v)
		}
	}
	// Below what full motion needs, the rate control must give fewer
	// frames that stay legible rather than a smear.
	for _, kbps := range []int{1000, 2000, 3000} {
		for _, v := range []variant{variants[0], variants[1], variants[5]} {
			run(fmt.Sprintf("cap/scroll/1080p/%dk/%s", kbps, v.name), "scroll", 1920, 1080, kbps, v)
		}
	}
}

// BenchmarkSharpen: a still 1080p desktop after its keyframe at the
// session's 4 Mbit/s, then one frame at a fine quantizer (EncodeSharp):
// the bytes that frame costs and the SSIM of the picture before and
// after, for the quantizers worth considering. Run with -benchtime=1x.
func BenchmarkSharpen(b *testing.B) {
	const w, h = 1920, 1080
	m := newMemDesktop("static", w, h)
	for _, q := range []int{4, 8, 12, 16, 24, 32} {
		b.Run(fmt.Sprintf("q=%d", q), func(b *testing.B) {
			for b.Loop() {
				cfg := sessionEncoderConfig(4000)
				cfg.SrcWidth, cfg.SrcHeight = w, h
				enc, err := vpx.NewEncoder(cfg)
				if err != nil {
					b.Fatal(err)
				}
				dec, err := vpx.NewDecoder()
				if err != nil {
					b.Fatal(err)
				}
				src, err := vpx.Luma(m.img.Pix, m.img.Stride, vpx.RGBA, w, h, w, h)
				if err != nil {
					b.Fatal(err)
				}
				ssim := func(f vpx.Frame) float64 {
					y, _, _, err := dec.Decode(f.Data)
					if err != nil {
						b.Fatal(err)
					}
					return vpx.SSIM(src, y, w, h)
				}
				key, err := enc.Encode(m.img.Pix, m.img.Stride, vpx.RGBA, 0, 33, true)
				if err != nil {
					b.Fatal(err)
				}
				before := ssim(key)
				sharp, err := enc.EncodeSharp(m.img.Pix, m.img.Stride, vpx.RGBA, 33, 33, q)
				if err != nil {
					b.Fatal(err)
				}
				after := ssim(sharp)
				// The next ordinary frame of the unchanged screen keeps it.
				next, err := enc.Encode(m.img.Pix, m.img.Stride, vpx.RGBA, 66, 33, false)
				if err != nil {
					b.Fatal(err)
				}
				kept := before
				if next.Data != nil {
					kept = ssim(next)
				}
				b.ReportMetric(float64(len(key.Data)), "key-B")
				b.ReportMetric(before, "key-ssim")
				b.ReportMetric(float64(len(sharp.Data)), "sharp-B")
				b.ReportMetric(after, "sharp-ssim")
				b.ReportMetric(kept, "next-ssim")
				b.ReportMetric(float64(len(next.Data)), "next-B")
				enc.Close()
				dec.Close()
			}
		})
	}
}
