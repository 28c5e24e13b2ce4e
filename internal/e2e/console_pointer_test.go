//go:build cgo

package e2e

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/jezek/xgb/xproto"

	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// overlayJS evaluates to where the console draws the user's pointer: its
// hotspot as fractions of the video's picture (letterboxing excluded,
// from the elements' rendered boxes), and how it is shown ("remote": at
// the desktop's position; "local": at the technician's mouse; "false").
const overlayJS = `(() => {
	const s = document.querySelector('.session:not([hidden])'), v = s.querySelector('video');
	const o = s.querySelector('.remote-pointer'), img = o.querySelector('image');
	const r = v.getBoundingClientRect(), sc = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
	const w = v.videoWidth * sc, h = v.videoHeight * sc, left = r.left + (r.width - w) / 2, top = r.top + (r.height - h) / 2;
	const ir = img.getBoundingClientRect();
	return { fx: (ir.left + Number(o.dataset.hotX) - left) / w, fy: (ir.top + Number(o.dataset.hotY) - top) / h,
		shown: o.dataset.shown || '', px: 1 / w };
})()`

// waitOverlay waits in the page (up to 10 s) until the overlay's hotspot
// is within a displayed pixel or two of the desktop pixel p on the
// picture of shown (the display's rectangle), or until it is hidden if p
// is off it, and returns how long the wait took.
func waitOverlay(t *testing.T, tb *consoletest.Tab, shown image.Rectangle, p image.Point) time.Duration {
	t.Helper()
	cond := `o.shown === 'false'`
	fx, fy := float64(p.X-shown.Min.X)/float64(shown.Dx()-1), float64(p.Y-shown.Min.Y)/float64(shown.Dy()-1)
	if p.In(shown) {
		cond = fmt.Sprintf(`o.shown === 'remote' && Math.abs(o.fx - %g) <= 2 * o.px + %g && Math.abs(o.fy - %g) <= 2 * o.px + %g`,
			fx, 1.0/float64(shown.Dx()), fy, 1.0/float64(shown.Dy()))
	}
	t0 := time.Now()
	ok := consoletest.Eval[bool](tb, fmt.Sprintf(`new Promise((done) => {
		const t0 = performance.now();
		const f = () => { const o = %s;
			if (%s) return done(true);
			if (performance.now() - t0 > 10000) return done(false);
			setTimeout(f, 1); };
		f(); })`, overlayJS, cond))
	took := time.Since(t0)
	if !ok {
		t.Fatalf("overlay %+v after 10 s; want the pointer at %v of %v (%s)", consoletest.Eval[overlay](tb, overlayJS), p, shown, cond)
	}
	return took
}

// warper moves the X pointer of display d.
func warper(t *testing.T, d string) func(x, y int) {
	c := xtest.Conn(t, d)
	root := xproto.Setup(c).DefaultScreen(c).Root
	return func(x, y int) {
		t.Helper()
		if err := xproto.WarpPointerChecked(c, 0, root, 0, 0, 0, 0, int16(x), int16(y)).Check(); err != nil {
			t.Fatalf("warp pointer: %v", err)
		}
	}
}

// TestConsolePointerFollowsDisplays: on two RandR monitors, the overlay
// shows the pointer on the display shown at its place there, hides it
// while it is on the other display, and maps it over the all-displays
// picture.
func TestConsolePointerFollowsDisplays(t *testing.T) {
	d, union := twoMonitors(t), monitor1.Union(monitor2)
	warp := warper(t, d)
	on1, on2 := image.Pt(100, 100), image.Pt(840, 150)
	warp(on1.X, on1.Y)
	ld := startLiveDesktop(t, nil)
	tb := ld.tb
	const picker = `.session:not([hidden]) .display-picker`
	tb.Wait("the display picker", `!document.querySelector('`+picker+`').hidden`, 10*time.Second)

	waitOverlay(t, tb, monitor1, on1)
	warp(on2.X, on2.Y)
	waitOverlay(t, tb, monitor1, on2) // hidden: on the other display

	tb.Click(picker + ` button[data-display="1"]`)
	waitSize(t, tb, monitor2.Size())
	waitOverlay(t, tb, monitor2, on2)
	warp(on1.X, on1.Y)
	waitOverlay(t, tb, monitor2, on1) // hidden

	tb.Click(picker + ` button[data-display="all"]`)
	waitSize(t, tb, union.Size())
	waitOverlay(t, tb, union, on1)
	warp(on2.X, on2.Y)
	waitOverlay(t, tb, union, on2)
}

type overlay struct {
	FX, FY float64
	Shown  string
	PX     float64 // one displayed pixel as a fraction of the picture's width
}

// TestConsoleDrawsPointer: the console asks the desktop for the pointer
// (DrawPointer) and draws it over the video where the X server has it,
// in Fit and at 1:1, within a bounded wait after the X pointer moved;
// the video no longer carries it; with control, the technician's own
// mouse over the video takes the pointer's shape. It logs the latency
// from XWarpPointer to the overlay at its new place.
func TestConsoleDrawsPointer(t *testing.T) {
	d := halvesDisplay(t, screenW, screenH)
	warp := warper(t, d)
	warp(100, 100)
	ld := startLiveDesktop(t, nil)
	tb := ld.tb

	placed := func(x, y int) time.Duration {
		t.Helper()
		return waitOverlay(t, tb, image.Rect(0, 0, screenW, screenH), image.Pt(x, y))
	}
	placed(100, 100)

	// The video no longer carries the pointer: around it the picture is
	// the left half's colour (the desktop composited a pointer of some
	// 10×16 pixels there before).
	var around []consoletest.Point
	var want []color.RGBA
	for dy := -4; dy <= 12; dy += 4 {
		for dx := -4; dx <= 8; dx += 4 {
			around = append(around, consoletest.Point{X: float64(100+dx) / screenW, Y: float64(100+dy) / screenH})
			want = append(want, leftColour)
		}
	}
	consoletest.WaitVideoPixels(tb, consoletest.SessionVideo, 10*time.Second, around, want)

	// The pointer moves: the overlay follows, Fit and 1:1.
	var lat []time.Duration
	pts := []image.Point{{500, 380}, {20, 460}, {639, 0}, {320, 240}}
	for i := range 20 {
		p := pts[i%len(pts)]
		warp(p.X, p.Y)
		lat = append(lat, placed(p.X, p.Y))
	}
	tb.Click(".session:not([hidden]) .toolbar button.ghost") // 1:1
	tb.Wait("1:1", `document.querySelector('.session:not([hidden]) .screen').classList.contains('actual')`, 5*time.Second)
	for _, p := range pts[:2] {
		warp(p.X, p.Y)
		placed(p.X, p.Y)
	}
	tb.Click(".session:not([hidden]) .toolbar button.ghost") // Fit again
	slices.Sort(lat)
	t.Logf("pointer latency XWarpPointer → console overlay at the new place (n=%d, incl. one CDP round trip): p50 %v, p90 %v, max %v",
		len(lat), lat[len(lat)/2].Round(100*time.Microsecond), lat[len(lat)*9/10].Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))

	// With control, the technician's mouse over the video is the
	// pointer, drawn in its shape.
	ld.takeControl()
	at := consoletest.VideoToPage(tb, consoletest.SessionVideo)
	x, y := at(0.75, 0.25)
	tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
	tb.Wait("the pointer at the technician's mouse", `(() => { const o = `+overlayJS+`; return o.shown === 'local' && Math.abs(o.fx - 0.75) < 0.01 && Math.abs(o.fy - 0.25) < 0.01; })()`, 10*time.Second)
	if cur := consoletest.Eval[string](tb, `getComputedStyle(`+consoletest.SessionVideo+`).cursor`); cur != "none" {
		t.Errorf("with control the technician's own cursor over the video is %q, want none (the pointer's shape is drawn instead)", cur)
	}
	xtest.WaitPointer(t, d, 0.75*(screenW-1), 0.25*(screenH-1))
	tb.Screenshot(screenshots, "session-pointer")
}

// TestRecordingShowsPointer: the console draws the user's pointer, which
// the video no longer carries, into the session's recording too.
func TestRecordingShowsPointer(t *testing.T) {
	fill := color.RGBA{0xe0, 0x80, 0x10, 0xff}
	d := xtest.Start(t, screenW, screenH)
	t.Setenv("DISPLAY", d)
	xtest.Fill(t, d, fill)
	at := image.Pt(200, 150)
	warper(t, d)(at.X, at.Y)
	ld := startLiveDesktopOn(t, nil, relaytest.WithConfig(func(c *server.Config) { c.Recording.Enabled = true }))
	tb := ld.tb
	mark := `document.querySelector('.session:not([hidden]) .recording-mark')`
	tb.Wait("the recording mark", mark+`.textContent === '● Recording'`, 10*time.Second)
	waitOverlay(t, tb, image.Rect(0, 0, screenW, screenH), at)
	// On the X cursor's diagonals, around its hotspot.
	var pts []consoletest.Point
	for _, o := range []image.Point{{0, 0}, {-3, -3}, {3, 3}, {-3, 3}, {3, -3}, {-5, -5}, {5, 5}, {-5, 5}, {5, -5}} {
		pts = append(pts, consoletest.Point{X: (float64(at.X+o.X) + 0.5) / screenW, Y: (float64(at.Y+o.Y) + 0.5) / screenH})
	}
	consoletest.WaitVideoPixels(tb, consoletest.SessionVideo, 10*time.Second, pts, slices.Repeat([]color.RGBA{fill}, len(pts)))
	time.Sleep(3 * time.Second)

	sid := consoletest.Eval[string](tb, `document.querySelector('.session:not([hidden])').dataset.session`)
	tb.Click(".session:not([hidden]) button.danger")
	tb.Click(".session:not([hidden]) dialog.confirm[open] button.danger")
	tb.Wait("the last chunks uploaded", mark+`.dataset.uploaded === 'all'`, 30*time.Second)
	video, dur := openRecording(tb, sid)
	if !consoletest.Eval[bool](tb, fmt.Sprintf(`new Promise((ok) => { const v = %s; setTimeout(() => ok(false), 10000);
		v.addEventListener('seeked', () => requestAnimationFrame(() => ok(true)), { once: true }); v.currentTime = %g; })`, video, dur/2)) {
		t.Fatalf("the recording did not seek to %.1f s", dur/2)
	}
	got := consoletest.VideoPixels(tb, video, pts...)
	drawn := 0
	for _, px := range got {
		if !consoletest.NearColour(px, fill) {
			drawn++
		}
	}
	if drawn < 3 {
		t.Errorf("the recording at %.1f s shows %v around the pointer at %v: %d of %d pixels not the background, want the pointer drawn in", dur/2, got, at, drawn, len(got))
	}
}
