// Package xtest starts private Xvfb X servers for tests and talks to
// them: painting known content, reading the pointer, and recording the
// key and button events a window receives. It never reads or sets the
// process's DISPLAY: callers pass the display string explicitly (and use
// t.Setenv("DISPLAY", d) for libraries that read the environment).
package xtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// Start starts `Xvfb :N -screen 0 WxHx24 -noreset -nolisten tcp` on a free
// display number, waits until it accepts connections and returns its
// display string (":N"). The server is stopped in t.Cleanup. Without Xvfb
// the test stops through testenv.Missing: a skip locally, a failure in CI.
//
// The number is reserved with a lock file under /tmp that every test
// process shares, whatever its network namespace. (Xvfb's own -displayfd
// probing binds the abstract socket first, which is per network namespace:
// a test running under `unshare -n` and one outside it both got :0 and
// captured each other's screens.)
func Start(t testing.TB, w, h int) string {
	t.Helper()
	bin := testenv.LookPath(t, "Xvfb", "xvfb")
	for attempt := 0; attempt < 5; attempt++ {
		n, release, err := reserveDisplay()
		if err != nil {
			t.Fatal(err)
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command(bin, display, "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-noreset", "-nolisten", "tcp")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			release()
			t.Fatalf("start Xvfb: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		stop := func() {
			cmd.Process.Signal(syscall.SIGTERM) // lets Xvfb remove its lock and socket
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			release()
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			select {
			case <-done:
				release()
				if strings.Contains(stderr.String(), "already active") || strings.Contains(stderr.String(), "in use") {
					goto next // lost a race with an Xvfb that is not ours
				}
				t.Fatalf("Xvfb exited early: %s", stderr.String())
			default:
			}
			c, err := xgb.NewConnDisplay(display)
			if err == nil {
				c.Close()
				t.Cleanup(stop)
				return display
			}
			if time.Now().After(deadline) {
				stop()
				t.Fatalf("X server %s does not answer: %v; %s", display, err, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	next:
	}
	t.Fatal("no free X display number")
	return ""
}

// StartMonitors starts an Xvfb whose screen is the union of monitors (X
// root-window rectangles, which must cover (0,0)) and declares each as a
// RandR monitor with `xrandr --setmonitor`; Xvfb then answers Xinerama
// queries with them, in the order given. Xvfb has one RandR output and
// CRTC whatever its size, so this is the only way it shows several
// monitors: a client that reads RandR CRTCs still sees one (Wine must be
// told to read Xinerama, see winetest.Prefix.UseXinerama). The first
// monitor carries the output, which makes it Xinerama's first head: the
// primary one for Wine. Without xrandr the test stops through
// testenv.Missing.
func StartMonitors(t testing.TB, monitors ...image.Rectangle) string {
	t.Helper()
	if len(monitors) == 0 {
		t.Fatal("StartMonitors: no monitor")
	}
	xrandr := testenv.LookPath(t, "xrandr", "x11-xserver-utils")
	var union image.Rectangle
	for _, m := range monitors {
		if m.Empty() || m.Min.X < 0 || m.Min.Y < 0 {
			t.Fatalf("StartMonitors: monitor %v is empty or off the screen", m)
		}
		union = union.Union(m)
	}
	display := Start(t, union.Max.X, union.Max.Y)
	for i, m := range monitors {
		output := "none"
		if i == 0 {
			output = "screen" // Xvfb's one output
		}
		// Width/mmWidth x Height/mmHeight +X+Y, at 96 dpi.
		geom := fmt.Sprintf("%d/%dx%d/%d+%d+%d", m.Dx(), m.Dx()*254/960, m.Dy(), m.Dy()*254/960, m.Min.X, m.Min.Y)
		cmd := exec.Command(xrandr, "--setmonitor", fmt.Sprintf("M%d", i), geom, output)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xrandr --setmonitor M%d %s %s: %v\n%s", i, geom, output, err, out)
		}
	}
	return display
}

// reserveDisplay finds a display number that no X server uses and locks it
// for this process until release is called.
func reserveDisplay() (n int, release func(), err error) {
	for n := 20; n < 1000; n++ {
		if displayBusy(n) {
			continue
		}
		f, err := os.OpenFile(fmt.Sprintf("/tmp/.lifeline-xtest-%d.lock", n), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return 0, nil, fmt.Errorf("reserve X display: %w", err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close()
			continue
		}
		if displayBusy(n) { // taken between the check and the lock
			f.Close()
			continue
		}
		return n, func() { f.Close() }, nil
	}
	return 0, nil, fmt.Errorf("no free X display number below 1000")
}

// displayBusy reports whether a live X server holds display n: its lock
// file names a running process. A stale lock (a killed server) is free;
// Xvfb replaces it.
func displayBusy(n int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/tmp/.X%d-lock", n))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return true
	}
	err = syscall.Kill(pid, 0)
	return err == nil || !errors.Is(err, syscall.ESRCH)
}

// Conn opens an X connection to display, closed in t.Cleanup.
func Conn(t testing.TB, display string) *xgb.Conn {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect to X display %s: %v", display, err)
	}
	t.Cleanup(c.Close)
	return c
}

// Painter draws on an X server's root window.
type Painter struct {
	c    *xgb.Conn
	root xproto.Window
	gc   xproto.Gcontext
	w, h int
	buf  []byte
}

// NewPainter connects to display for drawing on its root window.
func NewPainter(t testing.TB, display string) *Painter {
	t.Helper()
	c := Conn(t, display)
	s := xproto.Setup(c).DefaultScreen(c)
	gc, err := xproto.NewGcontextId(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := xproto.CreateGCChecked(c, gc, xproto.Drawable(s.Root), xproto.GcGraphicsExposures, []uint32{0}).Check(); err != nil {
		t.Fatalf("create GC: %v", err)
	}
	return &Painter{c: c, root: s.Root, gc: gc, w: int(s.WidthInPixels), h: int(s.HeightInPixels)}
}

// Size is the root window's size.
func (p *Painter) Size() (w, h int) { return p.w, p.h }

// Draw puts img on the root window with its top-left corner at (x, y) and
// waits until the server has processed it.
func (p *Painter) Draw(img image.Image, x, y int) error {
	b := img.Bounds()
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(b)
		draw.Draw(rgba, b, img, b.Min, draw.Src)
	}
	w := b.Dx()
	maxBytes := int(xproto.Setup(p.c).MaximumRequestLength)*4 - 64
	rows := max(1, maxBytes/(w*4))
	for y0 := 0; y0 < b.Dy(); y0 += rows {
		n := min(rows, b.Dy()-y0)
		need := w * n * 4
		if cap(p.buf) < need {
			p.buf = make([]byte, need)
		}
		buf := p.buf[:need]
		for ry := 0; ry < n; ry++ {
			src := rgba.Pix[(y0+ry)*rgba.Stride:]
			dst := buf[ry*w*4:]
			for i := 0; i < w; i++ {
				dst[i*4+0] = src[i*4+2]
				dst[i*4+1] = src[i*4+1]
				dst[i*4+2] = src[i*4+0]
				dst[i*4+3] = 0
			}
		}
		xproto.PutImage(p.c, xproto.ImageFormatZPixmap, xproto.Drawable(p.root), p.gc,
			uint16(w), uint16(n), int16(x), int16(y+y0), 0, 24, buf)
	}
	return p.sync()
}

// Scroll moves the rectangle r up by dy pixels (like a scrolling window);
// the caller draws the uncovered strip.
func (p *Painter) Scroll(r image.Rectangle, dy int) error {
	xproto.CopyArea(p.c, xproto.Drawable(p.root), xproto.Drawable(p.root), p.gc,
		int16(r.Min.X), int16(r.Min.Y+dy), int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()-dy))
	return p.sync()
}

func (p *Painter) sync() error {
	_, err := xproto.GetInputFocus(p.c).Reply()
	return err
}

// Paint draws img on display's root window at (0, 0).
func Paint(t testing.TB, display string, img image.Image) {
	t.Helper()
	if err := NewPainter(t, display).Draw(img, 0, 0); err != nil {
		t.Fatalf("paint: %v", err)
	}
}

// Fill paints display's whole root window in one colour.
func Fill(t testing.TB, display string, c color.Color) {
	t.Helper()
	p := NewPainter(t, display)
	w, h := p.Size()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	if err := p.Draw(img, 0, 0); err != nil {
		t.Fatalf("fill: %v", err)
	}
}

// Pointer returns the pointer position on display's root window, as the
// X server sees it.
func Pointer(t testing.TB, display string) (x, y int) {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	defer c.Close()
	s := xproto.Setup(c).DefaultScreen(c)
	r, err := xproto.QueryPointer(c, s.Root).Reply()
	if err != nil {
		t.Fatalf("query pointer: %v", err)
	}
	return int(r.RootX), int(r.RootY)
}

// Event is a key or button event received by a Recorder's window.
type Event struct {
	Kind   string // "key" or "button"
	Down   bool
	Keysym uint32 // for keys: the keysym in the unshifted column
	Button int    // for buttons: X button number (1 left, 2 middle, 3 right, 4/5 wheel)
	X, Y   int    // pointer position on the root window
	State  uint16 // modifier mask at the time of the event
}

// Recorder is a full-screen, input-focused window of its own X client
// that records the key and button events the server delivers to it: proof
// that injected input reached the X server, independent of the injector.
type Recorder struct {
	c       *xgb.Conn
	win     xproto.Window
	mu      sync.Mutex
	events  []Event
	marks   uint32 // sync markers sent
	seen    uint32 // sync markers received
	notify  chan struct{}
	keymap  []xproto.Keysym
	perCode int
	minCode xproto.Keycode
}

// NewRecorder maps a full-screen window on display, gives it the input
// focus and records its events until the test ends.
func NewRecorder(t testing.TB, display string) *Recorder {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	setup := xproto.Setup(c)
	win := fullScreenWindow(t, c, 0x202020, xproto.EventMaskKeyPress|xproto.EventMaskKeyRelease|xproto.EventMaskButtonPress|
		xproto.EventMaskButtonRelease|xproto.EventMaskExposure)
	km, err := xproto.GetKeyboardMapping(c, setup.MinKeycode, byte(setup.MaxKeycode-setup.MinKeycode+1)).Reply()
	if err != nil {
		t.Fatalf("keyboard mapping: %v", err)
	}
	r := &Recorder{c: c, win: win, notify: make(chan struct{}, 1), keymap: km.Keysyms, perCode: int(km.KeysymsPerKeycode), minCode: setup.MinKeycode}
	done := make(chan struct{})
	go r.loop(done)
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	return r
}

// fullScreenWindow creates a window over the whole default screen of c
// (override-redirect, background pixel bg, events mask), maps it and gives
// it the input focus; on failure it closes c and fails the test.
func fullScreenWindow(t testing.TB, c *xgb.Conn, bg, mask uint32) xproto.Window {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		c.Close()
		t.Fatalf(format, args...)
	}
	s := xproto.Setup(c).DefaultScreen(c)
	win, err := xproto.NewWindowId(c)
	if err != nil {
		fail("window id: %v", err)
	}
	err = xproto.CreateWindowChecked(c, s.RootDepth, win, s.Root, 0, 0, s.WidthInPixels, s.HeightInPixels, 0,
		xproto.WindowClassInputOutput, s.RootVisual, xproto.CwBackPixel|xproto.CwOverrideRedirect|xproto.CwEventMask,
		[]uint32{bg, 1, mask}).Check()
	if err != nil {
		fail("create window: %v", err)
	}
	if err := xproto.MapWindowChecked(c, win).Check(); err != nil {
		fail("map window: %v", err)
	}
	// Focus needs the window to be viewable; retry briefly.
	for i := 0; ; i++ {
		if err := xproto.SetInputFocusChecked(c, xproto.InputFocusPointerRoot, win, xproto.TimeCurrentTime).Check(); err == nil {
			break
		} else if i > 50 {
			fail("focus window: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return win
}

func (r *Recorder) loop(done chan struct{}) {
	defer close(done)
	for {
		ev, err := r.c.WaitForEvent()
		if ev == nil && err == nil {
			return
		}
		var e Event
		switch ev := ev.(type) {
		case xproto.KeyPressEvent:
			e = Event{Kind: "key", Down: true, Keysym: r.keysym(ev.Detail), X: int(ev.RootX), Y: int(ev.RootY), State: ev.State}
		case xproto.KeyReleaseEvent:
			e = Event{Kind: "key", Keysym: r.keysym(ev.Detail), X: int(ev.RootX), Y: int(ev.RootY), State: ev.State}
		case xproto.ButtonPressEvent:
			e = Event{Kind: "button", Down: true, Button: int(ev.Detail), X: int(ev.RootX), Y: int(ev.RootY), State: ev.State}
		case xproto.ButtonReleaseEvent:
			e = Event{Kind: "button", Button: int(ev.Detail), X: int(ev.RootX), Y: int(ev.RootY), State: ev.State}
		case xproto.ClientMessageEvent:
			if ev.Window == r.win && ev.Format == 32 {
				r.mu.Lock()
				r.seen = ev.Data.Data32[0]
				r.mu.Unlock()
				r.wake()
			}
			continue
		default:
			continue
		}
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
		r.wake()
	}
}

func (r *Recorder) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *Recorder) keysym(code xproto.Keycode) uint32 {
	i := (int(code) - int(r.minCode)) * r.perCode
	if i < 0 || i >= len(r.keymap) {
		return 0
	}
	return uint32(r.keymap[i])
}

// Events returns the events recorded so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// WaitFor waits until at least n events were recorded or ctx ends, and
// returns the events recorded so far.
func (r *Recorder) WaitFor(ctx context.Context, n int) []Event {
	for {
		ev := r.Events()
		if len(ev) >= n {
			return ev
		}
		select {
		case <-r.notify:
		case <-ctx.Done():
			return ev
		}
	}
}

// Sync returns the recorded events once every event the X server generated
// before the call has arrived, without waiting for quiet: it sends the
// recorder's own window a marker, which the server delivers after them.
// Input injected through XTest by a client that has synced (robotgo does)
// is among them.
func (r *Recorder) Sync(t testing.TB) []Event {
	t.Helper()
	r.mu.Lock()
	r.marks++
	mark := r.marks
	r.mu.Unlock()
	ev := xproto.ClientMessageEvent{Format: 32, Window: r.win, Data: xproto.ClientMessageDataUnionData32New([]uint32{mark, 0, 0, 0, 0})}
	// An empty event mask sends the event to the window's creator: us.
	if err := xproto.SendEventChecked(r.c, false, r.win, xproto.EventMaskNoEvent, string(ev.Bytes())).Check(); err != nil {
		t.Fatalf("send sync marker: %v", err)
	}
	timeout := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		done := r.seen >= mark
		r.mu.Unlock()
		if done {
			return r.Events()
		}
		select {
		case <-r.notify:
		case <-timeout:
			t.Fatal("the X server did not deliver the sync marker")
		}
	}
}

// Settle returns the recorded events once none arrived for quiet.
func (r *Recorder) Settle(quiet time.Duration) []Event {
	// A round trip makes sure the server has sent everything up to now.
	xproto.GetInputFocus(r.c).Reply()
	for {
		select {
		case <-r.notify:
		case <-time.After(quiet):
			return r.Events()
		}
	}
}

// Wait waits up to timeout for at least n recorded events and returns
// them; it fails the test if fewer arrived.
func (r *Recorder) Wait(t testing.TB, n int, timeout time.Duration) []Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	evs := r.WaitFor(ctx, n)
	if len(evs) < n {
		t.Fatalf("X server delivered %d events, want %d: %+v", len(evs), n, evs)
	}
	return evs
}

// ExpectNoInput runs act and fails t if, meanwhile, the X server on display
// delivers any key or button event to the recorder or the pointer moves:
// the check that nothing is injected once control is taken back.
func (r *Recorder) ExpectNoInput(t testing.TB, display string, act func()) {
	t.Helper()
	px, py := Pointer(t, display)
	before := len(r.Settle(200 * time.Millisecond))
	act()
	if got := r.Settle(500 * time.Millisecond); len(got) != before {
		t.Errorf("input reached the X server: %+v", got[before:])
	}
	if nx, ny := Pointer(t, display); nx != px || ny != py {
		t.Errorf("the pointer moved: %d,%d → %d,%d", px, py, nx, ny)
	}
}

// CloseWindow asks window w to close the way a window manager's close
// button does: a WM_DELETE_WINDOW client message (ICCCM 4.2.8.1), which
// the toolkit turns into its own close handling, unlike destroying the
// window from outside.
func CloseWindow(t testing.TB, display string, w uint32) {
	t.Helper()
	c := Conn(t, display)
	atom := func(name string) xproto.Atom {
		r, err := xproto.InternAtom(c, false, uint16(len(name)), name).Reply()
		if err != nil {
			t.Fatalf("intern %s: %v", name, err)
		}
		return r.Atom
	}
	protocols, del := atom("WM_PROTOCOLS"), atom("WM_DELETE_WINDOW")
	ev := xproto.ClientMessageEvent{
		Format: 32, Window: xproto.Window(w), Type: protocols,
		Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(del), uint32(xproto.TimeCurrentTime), 0, 0, 0}),
	}
	if err := xproto.SendEventChecked(c, false, xproto.Window(w), xproto.EventMaskNoEvent, string(ev.Bytes())).Check(); err != nil {
		t.Fatalf("send WM_DELETE_WINDOW to window %d: %v", w, err)
	}
}

// Near says whether a pixel coordinate got is within 3 pixels of want:
// the rounding of a pointer mapped from a scaled video to the screen.
func Near(got int, want float64) bool { return float64(got) >= want-3 && float64(got) <= want+3 }

// WaitPointer waits up to 10 s for the X pointer on display to be Near
// (wx, wy), failing the test otherwise.
func WaitPointer(t testing.TB, display string, wx, wy float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		x, y := Pointer(t, display)
		if Near(x, wx) && Near(y, wy) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("X pointer at %d,%d, want about %.0f,%.0f", x, y, wx, wy)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
