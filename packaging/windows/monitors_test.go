package windows_test

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
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

	r := relaytest.Start(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) {
		c.TURNURLs = append(c.TURNURLs, strings.Replace(c.TURNURLs[0], "transport=udp", "transport=tcp", 1))
	}))
	tb := consoletest.OpenTab(t, 5*time.Minute)
	tb.SignIn(r.URL, relaytest.Username, relaytest.Password)
	tb.Click("#code-new")
	tb.Wait("the code", `!document.querySelector('#code-active').hidden`, 10*time.Second)
	code := strings.Join(strings.Fields(tb.Text("#code-digits")), "")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	a := startAssist(t, p.Command(ctx, d, exe, "assist", "--relay", r.URL, "--code", code, "--name", "Ana Silva", "--display", "1", "--verbose"), cancel)
	tb.Wait("the session", `!document.querySelector('#view-session').hidden && document.querySelector('.session:not([hidden]) .peer')?.textContent === 'Ana Silva'`, 90*time.Second)
	a.waitOutput("wants to see your screen. Allow? [y/N]", 1, 30*time.Second)
	a.answer("y")
	video := consoletest.SessionVideo
	if !tb.Poll(video+` && `+video+`.videoWidth > 0 && `+video+`.getVideoPlaybackQuality().totalVideoFrames > 0`, 60*time.Second) {
		t.Fatalf("no decoded video 60 s after the user allowed viewing\nlifeline.exe: %s\npage: %s", a.output(), tb.PageText())
	}
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

	a.answer("q")
	a.waitOutput("Session ended", 1, 15*time.Second)
	select {
	case <-a.exited:
	case <-time.After(30 * time.Second):
		t.Errorf("lifeline.exe did not exit within 30 s of the session ending\n%s", a.output())
	}
}
