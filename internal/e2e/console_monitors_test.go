//go:build cgo

package e2e

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// The two monitors of TestConsoleSwitchesMonitors, side by side on one
// Xvfb screen (the strip below the smaller one belongs to neither).
var (
	monitor1  = image.Rect(0, 0, 640, 480)
	monitor2  = image.Rect(640, 0, 1040, 300)
	colour1   = color.RGBA{0x20, 0x50, 0xd0, 0xff}
	colour2   = color.RGBA{0xe0, 0xc0, 0x20, 0xff}
	offColour = color.RGBA{0x80, 0x80, 0x80, 0xff}
)

// twoMonitors starts an Xvfb with RandR monitors monitor1 and monitor2,
// painted colour1 and colour2 (offColour where neither is), and makes it
// $DISPLAY.
func twoMonitors(t *testing.T) string {
	t.Helper()
	d := xtest.StartMonitors(t, monitor1, monitor2)
	t.Setenv("DISPLAY", d)
	union := monitor1.Union(monitor2)
	img := image.NewRGBA(union)
	draw.Draw(img, union, image.NewUniform(offColour), image.Point{}, draw.Src)
	draw.Draw(img, monitor1, image.NewUniform(colour1), image.Point{}, draw.Src)
	draw.Draw(img, monitor2, image.NewUniform(colour2), image.Point{}, draw.Src)
	xtest.Paint(t, d, img)
	return d
}

// TestConsoleSwitchesMonitors: a real desktop session on an Xvfb with two
// RandR monitors painted in two colours, and the console in Chromium. The
// console lists both displays (name, size) once viewing is allowed; a
// click on "Display 2" shows the second monitor's colour at its size in
// the same video element, "All displays" both side by side; the user is
// never asked again for switching; and with control, a click on the
// second monitor lands at its X root coordinates, in the all-displays
// picture and in the second display's own.
func TestConsoleSwitchesMonitors(t *testing.T) {
	d, union := twoMonitors(t), monitor1.Union(monitor2)

	events := make(chan assist.Event, 64)
	ld := startLiveDesktop(t, func(c *assist.Config) { c.OnEvent = func(e assist.Event) { events <- e } })
	tb, sess, video := ld.tb, ld.sess, consoletest.SessionVideo

	// The picker: both displays and "All displays", the first one shown.
	const picker = `.session:not([hidden]) .display-picker`
	tb.Wait("the display picker", `!document.querySelector('`+picker+`').hidden`, 10*time.Second)
	labels := consoletest.Eval[[]string](tb, `Array.from(document.querySelectorAll('`+picker+` button')).map(b => b.textContent + '|' + b.getAttribute('aria-pressed') + '|' + b.title)`)
	want := []string{
		"Display 1 (primary) — 640×480|true|M0: 640×480 at 0, 0",
		"Display 2 — 400×300|false|M1: 400×300 at 640, 0",
		"All displays|false|All displays side by side, as they are arranged",
	}
	if fmt.Sprint(labels) != fmt.Sprint(want) {
		t.Errorf("picker buttons %q, want %q", labels, want)
	}
	waitSize(t, tb, monitor1.Size())
	consoletest.WaitVideoPixels(tb, video, 10*time.Second, halves, []color.RGBA{colour1, colour1})
	tb.Screenshot(screenshots, "console-picker-display1")
	el0 := consoletest.Eval[string](tb, `(window.__videoEl = `+video+`, 'kept')`)

	// Display 2: its colour, at its size, in the same video element.
	tb.Click(picker + ` button[data-display="1"]`)
	waitSize(t, tb, monitor2.Size())
	consoletest.WaitVideoPixels(tb, video, 10*time.Second, halves, []color.RGBA{colour2, colour2})
	tb.Wait("Display 2 marked", `document.querySelector('`+picker+` button[data-display="1"]').getAttribute('aria-pressed') === 'true'`, 5*time.Second)
	tb.Wait("the status", `document.querySelector('.session-status').textContent === "You see Ana Silva's Display 2."`, 5*time.Second)
	if same := consoletest.Eval[bool](tb, `window.__videoEl === `+video+` && !!`+video+`.srcObject`); !same || el0 != "kept" {
		t.Error("switching replaced the video element or its stream")
	}
	tb.Screenshot(screenshots, "console-picker-display2")

	// All displays: the bounding rectangle, both colours where the
	// monitors are.
	tb.Click(picker + ` button[data-display="all"]`)
	waitSize(t, tb, union.Size())
	on := func(p image.Point) consoletest.Point {
		return consoletest.Point{X: (float64(p.X) + 0.5) / float64(union.Dx()), Y: (float64(p.Y) + 0.5) / float64(union.Dy())}
	}
	mid1 := image.Pt(320, 240)
	mid2 := image.Pt((monitor2.Min.X+monitor2.Max.X)/2, (monitor2.Min.Y+monitor2.Max.Y)/2)
	consoletest.WaitVideoPixels(tb, video, 10*time.Second, []consoletest.Point{on(mid1), on(mid2), on(image.Pt(840, 400))}, []color.RGBA{colour1, colour2, offColour})
	tb.Screenshot(screenshots, "console-picker-all")

	// Control (asked once, as ever); a click on the second monitor in the
	// all-displays picture lands there on the X server.
	ld.takeControl()
	rec := xtest.NewRecorder(t, d)
	at := consoletest.VideoToPage(tb, video)
	p := on(mid2)
	x, y := at(p.X, p.Y)
	tb.Do(chromedp.MouseClickXY(x, y))
	evs := waitEvents(t, rec, 2)
	if b := evs[0]; b.Kind != "button" || !b.Down || !xtest.Near(b.X, float64(mid2.X)) || !xtest.Near(b.Y, float64(mid2.Y)) {
		t.Errorf("click on monitor 2 in all displays: X server got %+v, want a press near %v", b, mid2)
	}

	// The same in the second display's own picture: its left quarter.
	tb.Click(picker + ` button[data-display="1"]`)
	waitSize(t, tb, monitor2.Size())
	at = consoletest.VideoToPage(tb, video)
	x, y = at(0.25, 0.5)
	tb.Do(chromedp.MouseClickXY(x, y))
	evs = waitEvents(t, rec, 4)
	wx, wy := float64(monitor2.Min.X)+0.25*float64(monitor2.Dx()-1), 0.5*float64(monitor2.Dy()-1)
	if b := evs[2]; b.Kind != "button" || !b.Down || !xtest.Near(b.X, wx) || !xtest.Near(b.Y, wy) {
		t.Errorf("click on display 2: X server got %+v, want a press near %.0f,%.0f", b, wx, wy)
	}

	st := sess.Stats()
	if st.DisplaySwitches != 3 || st.DisplayDropped != 0 {
		t.Errorf("desktop stats %+v, want 3 display switches", st)
	}
	// Each switch is in the audit log, naming the screen shown.
	var shown []string
	audited, err := ld.relay.Store.Audit(context.Background(), store.AuditFilter{Action: protocol.AuditDisplayShown})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range audited {
		shown = append(shown, e.Detail)
	}
	if want := []string{`display="Display 2 (M1)"`, `display="all displays"`, `display="Display 2 (M1)"`}; fmt.Sprint(shown) != fmt.Sprint(want) {
		t.Errorf("audited switches %q, want %q", shown, want)
	}
	if n := len(ld.consents()); n != 2 {
		t.Errorf("the user was asked %d times, want twice (view, control)", n)
	}
	var last assist.Event
	for len(events) > 0 {
		last = <-events
	}
	if last.Shown != 1 || last.Displays != 2 || last.State != assist.StateControlling {
		t.Errorf("last desktop event %+v, want Display 2 of 2 while controlling", last)
	}
}

// waitSize waits for the session video to play at size.
func waitSize(t *testing.T, tb *consoletest.Tab, size image.Point) {
	t.Helper()
	v := consoletest.SessionVideo
	tb.Wait(fmt.Sprintf("video at %v", size), fmt.Sprintf(`%s.videoWidth === %d && %s.videoHeight === %d`, v, size.X, v, size.Y), 15*time.Second)
}
