//go:build cgo

package e2e

import (
	"fmt"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// TestConsoleBigScreen: a 2560×1440 screen reaches the console scaled to
// fit 1920×1080 (its shape and colours kept); "Actual size (1:1)" asks
// for it at its own size and gets it, "Fit to window" goes back; a click
// lands at the same place on the X server in both.
func TestConsoleBigScreen(t *testing.T) {
	const w, h = 2560, 1440
	d := halvesDisplay(t, w, h)
	ld := startLiveDesktop(t, nil)
	tb, video := ld.tb, consoletest.SessionVideo
	size := func(want image.Point, left, right color.RGBA) {
		t.Helper()
		tb.Wait(fmt.Sprintf("video at %v", want), fmt.Sprintf(`%s.videoWidth === %d && %s.videoHeight === %d`, video, want.X, video, want.Y), 30*time.Second)
		waitPixels(t, tb, left, right)
	}
	size(image.Pt(1920, 1080), leftColour, rightColour)
	ld.takeControl()
	rec := xtest.NewRecorder(t, d)
	click := func(fx, fy float64, n int) {
		t.Helper()
		x, y := consoletest.VideoToPage(tb, video)(fx, fy)
		tb.Do(chromedp.MouseClickXY(x, y))
		evs := waitEvents(t, rec, n)
		if b := evs[n-2]; b.Kind != "button" || !b.Down || !xtest.Near(b.X, fx*(w-1)) || !xtest.Near(b.Y, fy*(h-1)) {
			t.Errorf("X server got %+v, want a press near %.0f,%.0f", b, fx*(w-1), fy*(h-1))
		}
	}
	click(0.75, 0.25, 2)

	start := time.Now()
	tb.Click(".session:not([hidden]) .toolbar button.ghost") // Actual size (1:1)
	size(image.Pt(w, h), recorderBG, recorderBG)             // the recorder's window covers the screen now
	t.Logf("full resolution %v after the click", time.Since(start).Round(time.Millisecond))
	click(0.2, 0.2, 4)                                       // at 1:1 the picture is wider than the window: a place in view
	tb.Click(".session:not([hidden]) .toolbar button.ghost") // Fit to window
	size(image.Pt(1920, 1080), recorderBG, recorderBG)
}
