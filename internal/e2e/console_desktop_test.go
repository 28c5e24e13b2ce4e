//go:build cgo

package e2e

import (
	"fmt"
	"image/color"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// Colours painted on the user's screen: left half and right half.
var (
	leftColour  = color.RGBA{0xe0, 0x40, 0x20, 0xff}
	rightColour = color.RGBA{0x20, 0xa0, 0x50, 0xff}
	recorderBG  = color.RGBA{0x20, 0x20, 0x20, 0xff} // xtest.Recorder's window
)

const (
	screenW, screenH = 640, 480
	keysymControlL   = 0xffe3
	keysymTab        = 0xff09
	controlMask      = 4
)

// TestConsoleDrivesDesktop: the console in Chromium and a real desktop
// session (assist capturing a private Xvfb and injecting with robotgo)
// through a real relay, for what only a real desktop shows from the
// console's side: the video (its size, the viewing status, actual size
// and fit, new frames as the screen changes); pointer motion on the
// pointer channel, a click, the wheel, typed keys with Tab kept from the
// browser and Ctrl+C as a combination, all arriving on the X server; the
// consent questions the desktop asked; and once the user takes control
// back, nothing more is injected — checked on the X server and on the
// session's final counters after Run returned, the console having ended
// it. The consent ladder as one story is TestJourney (app/internal/ui);
// the console's own steps (chat, close-out, record, audit) are
// TestSessionFlow (relay/console/e2e).
func TestConsoleDrivesDesktop(t *testing.T) {
	d := halvesDisplay(t, screenW, screenH)

	ld := startLiveDesktop(t, nil)
	tb, sess, runErr := ld.tb, ld.sess, ld.runErr
	video := consoletest.SessionVideo
	if w, h := consoletest.Eval[int](tb, video+`.videoWidth`), consoletest.Eval[int](tb, video+`.videoHeight`); w != screenW || h != screenH {
		t.Errorf("video is %d×%d, want %d×%d", w, h, screenW, screenH)
	}
	tb.Wait("the viewing status", `document.querySelector('.session-status').textContent === "You can see Ana Silva's screen."`, 10*time.Second)
	checkPixels(t, tb, leftColour, rightColour)
	tb.Screenshot(screenshots, "session")

	// 1:1 shows the picture at its own size; Fit scales it to the window.
	tb.Click(".session:not([hidden]) .toolbar button.ghost")
	if w := consoletest.Eval[float64](tb, video+`.getBoundingClientRect().width`); w != screenW {
		t.Errorf("1:1 video is %.0f px wide, want %d", w, screenW)
	}
	tb.Click(".session:not([hidden]) .toolbar button.ghost")
	if w := consoletest.Eval[float64](tb, video+`.getBoundingClientRect().width`); w <= screenW {
		t.Errorf("fitted video is %.0f px wide, want it scaled up to the window", w)
	}

	// The screen changes (a full-screen window that records input): the
	// video follows, with new frames.
	frames := consoletest.Eval[int](tb, video+`.getVideoPlaybackQuality().totalVideoFrames`)
	rec := xtest.NewRecorder(t, d)
	tb.Wait("new frames", fmt.Sprintf(`%s.getVideoPlaybackQuality().totalVideoFrames > %d`, video, frames), 10*time.Second)
	waitPixels(t, tb, recorderBG, recorderBG)
	// That change came as a delta frame, and the browser decoded it: a
	// stream whose first frame lacks a VP8 picture ID makes Chrome hold
	// back every delta frame until it asks for a keyframe, so the viewer
	// sees only keyframes (assist.vp8Payloader).
	delta := `(async () => { const pc = (window.__pcs || [])[0]; let n = -1; if (!pc) return n;
		(await pc.getStats()).forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') n = s.framesDecoded - s.keyFramesDecoded; });
		return n; })()`
	if n := consoletest.Eval[int](tb, delta); n < 1 {
		t.Errorf("the browser decoded %d delta frames: only keyframes reach the viewer\n%s", n, tb.PeerConnectionReport())
	}

	// Control: requested in the console, granted on the desktop.
	if got := tb.Text(".control-indicator"); got != "Viewing only" {
		t.Errorf("indicator before control = %q", got)
	}
	ld.takeControl()
	tb.Wait("the controlling frame", `document.querySelector('.screen').classList.contains('controlling')`, 2*time.Second)
	tb.Screenshot(screenshots, "session-control")

	// Pointer motion (pointer channel) lands where the mouse is on the video.
	at := consoletest.VideoToPage(tb, video)
	x, y := at(0.25, 0.5)
	tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
	xtest.WaitPointer(t, d, 0.25*(screenW-1), 0.5*(screenH-1))

	// A click (control channel) at another place: the X server sees the
	// button pressed and released there.
	x, y = at(0.75, 0.25)
	tb.Do(chromedp.MouseClickXY(x, y))
	evs := waitEvents(t, rec, 2)
	if b := evs[0]; b.Kind != "button" || !b.Down || b.Button != 1 || !xtest.Near(b.X, 0.75*(screenW-1)) || !xtest.Near(b.Y, 0.25*(screenH-1)) {
		t.Errorf("X server got %+v, want a left press near %.0f,%.0f", b, 0.75*(screenW-1), 0.25*(screenH-1))
	}
	if b := evs[1]; b.Kind != "button" || b.Down || b.Button != 1 {
		t.Errorf("X server got %+v, want a left release", b)
	}

	// The wheel: 200 px down is two notches, X buttons 5. (CDP wants both
	// deltas and its Go binding omits a zero, hence the tiny deltaX.)
	tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseWheel, x, y, func(p *input.DispatchMouseEventParams) { p.DeltaX, p.DeltaY = 0.001, 200 }))
	evs = waitEvents(t, rec, 6)[2:]
	for i, e := range evs {
		if e.Kind != "button" || e.Button != 5 || e.Down != (i%2 == 0) {
			t.Errorf("wheel event %d = %+v, want button 5 press/release", i, e)
		}
	}

	// Typed text, Tab (kept from the browser) and Ctrl+C (a combination).
	tb.Do(chromedp.KeyEvent("hi\t"))
	if focused := consoletest.Eval[bool](tb, `document.activeElement === document.querySelector('.session:not([hidden]) .screen')`); !focused {
		t.Error("Tab moved the browser's focus: its default was not prevented")
	}
	key := func(typ input.DispatchKeyEventType, code, k string, vk, mods int64) {
		if _, err := chromedp.Call(tb.Ctx, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Code: code, Key: k, WindowsVirtualKeyCode: vk, Modifiers: mods}); err != nil {
			t.Fatal(err)
		}
	}
	key(input.DispatchKeyEventTypeRawKeyDown, "ControlLeft", "Control", 17, 2)
	key(input.DispatchKeyEventTypeRawKeyDown, "KeyC", "c", 67, 2)
	key(input.DispatchKeyEventTypeKeyUp, "KeyC", "c", 67, 2)
	key(input.DispatchKeyEventTypeKeyUp, "ControlLeft", "Control", 17, 0)
	evs = waitEvents(t, rec, 6+6+4)[6:]
	want := []struct {
		sym  uint32
		down bool
	}{{'h', true}, {'h', false}, {'i', true}, {'i', false}, {keysymTab, true}, {keysymTab, false},
		{keysymControlL, true}, {'c', true}, {'c', false}, {keysymControlL, false}}
	for i, w := range want {
		if e := evs[i]; e.Kind != "key" || e.Keysym != w.sym || e.Down != w.down {
			t.Errorf("key event %d = %+v, want keysym %#x down=%v", i, e, w.sym, w.down)
		}
	}
	if evs[7].State&controlMask == 0 {
		t.Errorf("'c' arrived without Control held (state %#x): the combination was lost", evs[7].State)
	}

	// The user takes control back: the console says so at once and sends
	// nothing more; the X server receives nothing.
	sess.RevokeControl()
	tb.Wait("the revoke notice", `document.querySelector('.session-status').textContent === 'Ana Silva took back control.'`, 10*time.Second)
	if got := tb.Text(".control-indicator"); got != "Viewing only" {
		t.Errorf("indicator after revoke = %q", got)
	}
	injected := sess.Stats().InputInjected // RevokeControl has returned: the gate is shut
	if injected == 0 {
		t.Errorf("stats: %+v", sess.Stats())
	}
	x, y = at(0.1, 0.9)
	rec.ExpectNoInput(t, d, func() { tb.StrayInput(x, y) })

	// End from the console: the desktop session ends; Run returns, and its
	// final counters show nothing was injected after control was taken back.
	tb.Click(".session:not([hidden]) button.danger")
	tb.Click(".session:not([hidden]) dialog.confirm[open] button.danger") // "End the session with …?"
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("assist Run = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the desktop session did not end")
	}
	if st := sess.Stats(); st.InputInjected != injected {
		t.Errorf("%d events injected after control was taken back (stats %+v)", st.InputInjected-injected, st)
	}
	if asked := ld.consents(); len(asked) != 2 || asked[0].Permission != assist.PermissionView || asked[1].Permission != assist.PermissionControl || asked[0].Technician != relaytest.DisplayName {
		t.Errorf("the user was asked %+v", asked)
	}
}

// halves are the sample points of checkPixels: 25 % and 75 % across,
// half-way down.
var halves = []consoletest.Point{{X: 0.25, Y: 0.5}, {X: 0.75, Y: 0.5}}

func checkPixels(t *testing.T, tb *consoletest.Tab, left, right color.RGBA) {
	t.Helper()
	got := consoletest.VideoPixels(tb, consoletest.SessionVideo, halves...)
	if !consoletest.NearColour(got[0], left) || !consoletest.NearColour(got[1], right) {
		t.Errorf("video pixels %v / %v, want about %v / %v", got[0], got[1], left, right)
	}
}

func waitPixels(t *testing.T, tb *consoletest.Tab, left, right color.RGBA) {
	t.Helper()
	consoletest.WaitVideoPixels(tb, consoletest.SessionVideo, 10*time.Second, halves, []color.RGBA{left, right})
}

func waitEvents(t *testing.T, rec *xtest.Recorder, n int) []xtest.Event {
	t.Helper()
	return rec.Wait(t, n, 10*time.Second)
}
