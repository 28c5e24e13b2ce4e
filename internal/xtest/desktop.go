//go:build linux

package xtest

import (
	"context"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"golang.org/x/sys/unix"
)

// The benchmark desktop: a busy office screen and an Animator that
// changes it like a user at work, shared by assist's benchmarks and the
// end-to-end ones in internal/e2e so they measure the same content.

// DesktopImage draws a busy office desktop: a textured wallpaper, a
// taskbar, and overlapping windows full of text-like content and a
// photo-like area (PhotoArea). It returns the image and the rectangle of
// the "editor" window's text area, where typing and scrolling happen.
func DesktopImage(w, h int, seed uint64) (*image.RGBA, image.Rectangle) {
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
			DrawText(img, rc.Min.X+8, y, TextLine(r, (rc.Dx()-16)/7))
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
	text(TextArea(w, h))
	// Photo viewer.
	b2 := image.Rect(w*6/10, h/10, w*95/100, h/2)
	window(b2)
	photo := PhotoArea(w, h)
	for y := photo.Min.Y; y < photo.Max.Y; y++ {
		for x := photo.Min.X; x < photo.Max.X; x++ {
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

// TextArea is the page of DesktopImage's browser-like window on a w×h
// screen: text that no Animator kind changes, though the editor window
// covers part of it.
func TextArea(w, h int) image.Rectangle {
	return image.Rect(w/20+4, h/12+32, w*11/20-4, h*8/10-4)
}

// PhotoArea is the picture inside DesktopImage's photo viewer window on
// a w×h screen: where the "video" content plays.
func PhotoArea(w, h int) image.Rectangle {
	return image.Rect(w*6/10+4, h/10+32, w*95/100-4, h/2-4)
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

// TextLine returns about n characters of office prose.
func TextLine(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n-12 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// DrawText draws s in a 7×13 bitmap font, dark on whatever is there, with
// its top-left corner at (x, y).
func DrawText(img *image.RGBA, x, y int, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{30, 30, 40, 255}), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y+11)}
	d.DrawString(s)
}

// VideoFrame paints frame n (at 30 frames/s) of a moving, smoothly shaded
// picture into the rectangle r of img, as a video playing in a window:
// every pixel changes from one frame to the next. The picture is a
// function of the screen coordinates and time, so it is the same
// whatever r's image; it is built from per-column, per-row, per-diagonal
// and per-level tables, cheap enough to paint a 4K screen's window at 30
// frames/s without taking the CPU being measured.
func VideoFrame(img *image.RGBA, r image.Rectangle, n int) {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return
	}
	t := float64(n) / 30
	// v = sin(x/40+2t) + sin(1.3y/40-1.7t) + sin((x+y)/80+t), in [-3, 3].
	col := make([]float64, r.Dx())
	for i := range col {
		col[i] = math.Sin(float64(r.Min.X+i)/40 + 2*t)
	}
	row := make([]float64, r.Dy())
	for i := range row {
		row[i] = math.Sin(float64(r.Min.Y+i)*1.3/40 - 1.7*t)
	}
	diag := make([]float64, r.Dx()+r.Dy())
	for i := range diag {
		diag[i] = math.Sin(float64(r.Min.X+r.Min.Y+i)/80 + t)
	}
	// The colour of each of 256 levels of v.
	var lut [256][3]uint8
	for i := range lut {
		v := float64(i)/255*6 - 3
		lut[i] = [3]uint8{uint8(128 + 40*v), uint8(110 + 35*math.Sin(v+t)), uint8(90 + 30*math.Cos(v-t))}
	}
	for y := 0; y < r.Dy(); y++ {
		p := img.Pix[img.PixOffset(r.Min.X, r.Min.Y+y):]
		for x := 0; x < r.Dx(); x++ {
			v := col[x] + row[y] + diag[x+y]
			c := lut[int((v+3)*255/6+0.5)&255]
			p[4*x], p[4*x+1], p[4*x+2], p[4*x+3] = c[0], c[1], c[2], 255
		}
	}
}

// Animator changes an X screen like a user at work. Kinds:
//
//   - static: nothing changes;
//   - office: typing at 7.5 characters/s with a blinking cursor, and a
//     three-line scroll every 3 s;
//   - scroll: the editor's text scrolls by one line every frame;
//   - video: the photo viewer plays a video (VideoFrame) at 30 frames/s.
type Animator struct {
	p      *Painter
	edit   image.Rectangle
	photo  image.Rectangle
	kind   string
	frame  int
	cx, cy int
	glyph  *image.RGBA
	strip  *image.RGBA
	movie  *image.RGBA
	typed  string
	blank  *image.RGBA
	r      *rand.Rand
	mu     sync.Mutex
	nchg   int           // screen updates made
	cpu    time.Duration // CPU of Animate's thread
}

// NewAnimator paints DesktopImage(w, h, 1) on display's root window and
// returns an Animator of kind (static, office, scroll or video) for it.
func NewAnimator(t testing.TB, display, kind string, w, h int) *Animator {
	t.Helper()
	switch kind {
	case "static", "office", "scroll", "video":
	default:
		t.Fatalf("xtest.NewAnimator: unknown kind %q", kind)
	}
	p := NewPainter(t, display)
	img, edit := DesktopImage(w, h, 1)
	if err := p.Draw(img, 0, 0); err != nil {
		t.Fatal(err)
	}
	a := &Animator{p: p, edit: edit, photo: PhotoArea(w, h), kind: kind, r: rand.New(rand.NewPCG(3, 4))}
	a.cx, a.cy = edit.Min.X+8, edit.Min.Y+edit.Dy()/2+6
	a.glyph = image.NewRGBA(image.Rect(0, 0, 7, 13))
	a.blank = image.NewRGBA(image.Rect(0, 0, 7, 13))
	for i := range a.blank.Pix {
		a.blank.Pix[i] = 252
	}
	a.strip = image.NewRGBA(image.Rect(0, 0, edit.Dx(), 18))
	a.movie = image.NewRGBA(a.photo)
	return a
}

// Kind is the animator's kind.
func (a *Animator) Kind() string { return a.kind }

// Changes is the number of screen updates made so far.
func (a *Animator) Changes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nchg
}

// CPU is the CPU time that Animate's loops have spent (on their own OS
// thread) in Step, for subtracting from a process's rusage: the X
// connection's own goroutines are not in it.
func (a *Animator) CPU() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cpu
}

func (a *Animator) changed() {
	a.mu.Lock()
	a.nchg++
	a.mu.Unlock()
}

// Step advances the animation by one 1/30 s frame.
func (a *Animator) Step() error {
	a.frame++
	switch a.kind {
	case "static":
		return nil
	case "office":
		if a.frame%4 == 0 {
			if a.typed == "" {
				a.typed = TextLine(a.r, 40) + " "
			}
			for i := range a.glyph.Pix {
				a.glyph.Pix[i] = 252
				if i%4 == 3 {
					a.glyph.Pix[i] = 255
				}
			}
			DrawText(a.glyph, 0, 0, a.typed[:1])
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
	case "video":
		VideoFrame(a.movie, a.photo, a.frame)
		a.changed()
		return a.p.Draw(a.movie, a.photo.Min.X, a.photo.Min.Y)
	}
	return nil
}

// scroll moves the editor's content up by one 18-pixel line and draws a
// new line of text at the bottom.
func (a *Animator) scroll() error {
	if err := a.p.Scroll(a.edit, 18); err != nil {
		return err
	}
	for i := range a.strip.Pix {
		a.strip.Pix[i] = 252
		if i%4 == 3 {
			a.strip.Pix[i] = 255
		}
	}
	DrawText(a.strip, 8, 3, TextLine(a.r, (a.strip.Rect.Dx()-16)/7))
	if a.frame%90 != 0 || a.kind == "scroll" {
		a.changed()
	}
	return a.p.Draw(a.strip, a.edit.Min.X, a.edit.Max.Y-18)
}

// Animate steps a at 30 frames/s until ctx ends, on a goroutine locked to
// its own OS thread whose CPU time it adds to a.CPU; the channel gets
// Step's first error, or nil once ctx ended.
func Animate(ctx context.Context, a *Animator) <-chan error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		t := time.NewTicker(time.Second / 30)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				done <- nil
				return
			case <-t.C:
				c0 := threadCPU()
				err := a.Step()
				c := threadCPU() - c0
				a.mu.Lock()
				a.cpu += c
				a.mu.Unlock()
				if err != nil {
					done <- err
					return
				}
			}
		}
	}()
	return done
}

// threadCPU is the calling OS thread's user+system CPU time.
func threadCPU() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
