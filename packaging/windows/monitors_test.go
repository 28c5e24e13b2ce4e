package windows_test

import (
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// The monitors of TestLiveSessionMonitorUnderWine, in X root-window
// coordinates: the primary one, one left of it (virtual-screen
// (-800,0)-(0,600) under Wine) and one above it ((0,-600)-(640,0)).
var (
	monPrimary = image.Rect(800, 600, 1824, 1368)
	monLeft    = image.Rect(0, 600, 800, 1200)
	monAbove   = image.Rect(800, 0, 1440, 600)
)

// TestLiveSessionMonitorUnderWine shares the monitor left of the primary
// one — display 1, at negative virtual-screen x — in a live session of
// lifeline.exe under Wine with three monitors: the console receives that
// monitor's picture at its size and colours, and the console's pointer
// moves land on it on the X server.
func TestLiveSessionMonitorUnderWine(t *testing.T) {
	exe := windowsExe(t)
	p := winetest.Shared(t)
	p.UseXinerama(t)
	d := xtest.StartMonitors(t, monPrimary, monLeft, monAbove)
	img := image.NewRGBA(monLeft.Union(monPrimary).Union(monAbove))
	draw.Draw(img, monPrimary, image.NewUniform(witnessBG), image.Point{}, draw.Src)
	draw.Draw(img, monAbove, image.NewUniform(recorderBG), image.Point{}, draw.Src)
	half := monLeft.Min.X + monLeft.Dx()/2
	draw.Draw(img, image.Rect(monLeft.Min.X, monLeft.Min.Y, half, monLeft.Max.Y), image.NewUniform(leftColour), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(half, monLeft.Min.Y, monLeft.Max.X, monLeft.Max.Y), image.NewUniform(rightColour), image.Point{}, draw.Src)
	xtest.Paint(t, d, img)

	ws := startWineSession(t, p, d, exe, "--display", "1")
	tb, a := ws.tb, ws.a
	video := consoletest.SessionVideo
	if w, h := consoletest.Eval[int](tb, video+`.videoWidth`), consoletest.Eval[int](tb, video+`.videoHeight`); w != monLeft.Dx() || h != monLeft.Dy() {
		t.Errorf("video is %d×%d, want the left monitor's %d×%d", w, h, monLeft.Dx(), monLeft.Dy())
	}
	halves := []consoletest.Point{{X: 0.25, Y: 0.5}, {X: 0.75, Y: 0.5}}
	consoletest.WaitVideoPixels(tb, video, 10*time.Second, halves, []color.RGBA{leftColour, rightColour})
	errs, _ := os.ReadFile(a.errf.Name())
	logged := regexp.MustCompile(`msg="screen capture" display=1 \S+ bounds=\S+`).Find(errs)
	if !strings.Contains(string(logged), "bounds=(-800,0)-(0,600)") {
		t.Errorf("lifeline.exe did not log capturing display 1 at (-800,0)-(0,600):\n%s", errs)
	}
	t.Logf("lifeline.exe: %s; the console decodes %d×%d with the left monitor's colours", logged,
		consoletest.Eval[int](tb, video+`.videoWidth`), consoletest.Eval[int](tb, video+`.videoHeight`))

	tb.Click(".session:not([hidden]) .toolbar button:nth-child(2)") // Request control
	a.waitOutput("wants to control your mouse and keyboard. Allow? [y/N]", 1, 30*time.Second)
	a.answer("y")
	tb.Wait("control", `document.querySelector('.session:not([hidden]) .control-indicator').textContent === 'You have control'`, 15*time.Second)
	at := func(fx, fy float64) (float64, float64) { return consoletest.VideoToPage(tb, video)(fx, fy) }
	for _, f := range []consoletest.Point{{X: 0.25, Y: 0.5}, {X: 0.75, Y: 0.25}, {X: 0.02, Y: 0.98}} {
		x, y := at(f.X, f.Y)
		tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
		xtest.WaitPointer(t, d, float64(monLeft.Min.X)+f.X*float64(monLeft.Dx()-1), float64(monLeft.Min.Y)+f.Y*float64(monLeft.Dy()-1))
	}
	t.Logf("pointer moves on the shared monitor landed on the X server's left monitor %v", monLeft)

	// The console lists the three monitors; "All displays" shows the
	// virtual screen's bounding rectangle, from negative x and y, with
	// each monitor's colours, and the pointer maps across it; then the
	// primary monitor alone. The user's terminal says which is shared.
	const picker = `.session:not([hidden]) .display-picker`
	tb.Wait("the display picker", `document.querySelectorAll('`+picker+` button').length === 4`, 10*time.Second)
	labels := consoletest.Eval[[]string](tb, `Array.from(document.querySelectorAll('`+picker+` button')).map(b => b.textContent + '|' + b.getAttribute('aria-pressed'))`)
	if want := []string{"Display 1 (primary) — 1024×768|false", "Display 2 — 800×600|true", "Display 3 — 640×600|false", "All displays|false"}; strings.Join(labels, ",") != strings.Join(want, ",") {
		t.Errorf("picker %q, want %q", labels, want)
	}
	// Each button's tooltip names the monitor's Windows device.
	titles := consoletest.Eval[[]string](tb, `Array.from(document.querySelectorAll('`+picker+` button[data-display]:not([data-display="all"])')).map(b => b.title)`)
	t.Logf("picker tooltips: %q", titles)
	for i, title := range titles {
		if !regexp.MustCompile(`^DISPLAY\d+: \d+×\d+ at -?\d+, -?\d+$`).MatchString(title) {
			t.Errorf("display %d's tooltip %q does not name its device", i+1, title)
		}
	}
	a.waitOutput("can see your screen: Display 2.", 1, 10*time.Second)
	virtual := image.Rect(-800, -600, 1024, 768)
	on := func(v image.Point) consoletest.Point { // a virtual-screen point on the all-displays picture
		return consoletest.Point{X: float64(v.X-virtual.Min.X) / float64(virtual.Dx()), Y: float64(v.Y-virtual.Min.Y) / float64(virtual.Dy())}
	}
	tb.Click(picker + ` button[data-display="all"]`)
	// 1824×1368 in all, sent fitted to 1080p (1440×1080) as every screen
	// larger than that is unless the technician asks for 1:1.
	tb.Wait("all displays", video+`.videoWidth === 1440 && `+video+`.videoHeight === 1080`, 30*time.Second)
	consoletest.WaitVideoPixels(tb, video, 20*time.Second,
		[]consoletest.Point{on(image.Pt(-600, 300)), on(image.Pt(-200, 300)), on(image.Pt(600, 500)), on(image.Pt(300, -300))},
		[]color.RGBA{leftColour, rightColour, witnessBG, recorderBG})
	a.waitOutput("can see all your screens.", 1, 10*time.Second)
	tb.Screenshot(filepath.Join(os.TempDir(), "shots-monitors"), "wine-all-displays")
	for _, v := range []image.Point{{-400, 300}, {300, -300}, {900, 700}} {
		f := on(v)
		x, y := at(f.X, f.Y)
		tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
		// Virtual (0,0) is the primary monitor's corner, X's monPrimary.Min.
		xtest.WaitPointer(t, d, float64(v.X+monPrimary.Min.X), float64(v.Y+monPrimary.Min.Y))
	}
	tb.Click(picker + ` button[data-display="0"]`)
	tb.Wait("the primary display", video+`.videoWidth === 1024 && `+video+`.videoHeight === 768`, 30*time.Second)
	consoletest.WaitVideoPixels(tb, video, 20*time.Second, halves, []color.RGBA{witnessBG, witnessBG})
	a.waitOutput("can see your screen: Display 1.", 1, 10*time.Second)

	a.answer("q")
	a.waitOutput("Session ended", 1, 15*time.Second)
	select {
	case <-a.exited:
	case <-time.After(30 * time.Second):
		t.Errorf("lifeline.exe did not exit within 30 s of the session ending\n%s", a.output())
	}
}
