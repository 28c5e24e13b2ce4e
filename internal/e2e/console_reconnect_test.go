//go:build cgo

package e2e

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/internal/netns"
	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// playing is a JavaScript condition: the session video decodes frames.
const playing = `(v => !!v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0)(` + consoletest.SessionVideo + `)`

// paintHalves paints the left and right halves of the Xvfb d.
func paintHalves(t *testing.T, d string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, screenW, screenH))
	draw.Draw(img, image.Rect(0, 0, screenW/2, screenH), image.NewUniform(leftColour), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(screenW/2, 0, screenW, screenH), image.NewUniform(rightColour), image.Point{}, draw.Src)
	xtest.Paint(t, d, img)
}

// clickLands clicks the console's picture at fx across, half way down,
// on top of an xtest.Recorder window on display d, and checks that the
// press lands there on the X server.
func clickLands(t *testing.T, tb *consoletest.Tab, d string, fx float64, when string) {
	t.Helper()
	video := consoletest.SessionVideo
	rec := xtest.NewRecorder(t, d)
	consoletest.WaitVideoPixels(tb, video, 10*time.Second, halves, []color.RGBA{recorderBG, recorderBG})
	x, y := consoletest.VideoToPage(tb, video)(fx, 0.5)
	tb.Do(chromedp.MouseClickXY(x, y))
	evs := waitEvents(t, rec, 2)
	wx, wy := fx*float64(screenW-1), 0.5*float64(screenH-1)
	if b := evs[0]; b.Kind != "button" || !b.Down || !xtest.Near(b.X, wx) || !xtest.Near(b.Y, wy) {
		t.Errorf("click %s: X server got %+v, want a press near %.0f,%.0f", when, b, wx, wy)
	}
}

// TestConsoleReloadResumesSession: a real desktop session (assist on
// Xvfb) viewed and controlled from the console in Chromium; the
// technician reloads the tab. The console signs in again by its cookie,
// resumes the session with what the user allowed (no new question: the
// user was asked exactly twice in all), asks the desktop for a new offer
// and plays the screen again within a few seconds (measured), with the
// right colours; control still works (a click lands on the X server);
// the user's side hears that the technician lost the connection and came
// back; the audit log has the reconnection.
func TestConsoleReloadResumesSession(t *testing.T) {
	d := xtest.Start(t, screenW, screenH)
	t.Setenv("DISPLAY", d)
	paintHalves(t, d)
	events := make(chan assist.Event, 256)
	ld := startLiveDesktop(t, func(c *assist.Config) { c.OnEvent = func(e assist.Event) { events <- e } })
	tb := ld.tb
	ld.takeControl()
	waitPixels(t, tb, leftColour, rightColour)
	sid := consoletest.Eval[string](tb, `document.querySelector('.session:not([hidden])').dataset.session`)

	for round := 1; round <= 2; round++ {
		start := time.Now()
		tb.Do(chromedp.Reload())
		if !tb.Poll(playing, 20*time.Second) {
			t.Fatalf("reload %d: no video 20 s after the reload; desktop stats %+v\npage: %s", round, ld.sess.Stats(), tb.PageText())
		}
		took := time.Since(start)
		ms := consoletest.Eval[string](tb, `document.querySelector('.session:not([hidden])').dataset.reconnectMs || ''`)
		t.Logf("reload %d: video plays again %v after the reload (restart asked → picture: %s ms)", round, took.Round(time.Millisecond), ms)
		if took > 10*time.Second {
			t.Errorf("reload %d: the picture took %v to come back, want a few seconds", round, took)
		}
		tb.Wait("the reconnected status", `document.querySelector('.session-status').textContent === "Reconnected to Ana Silva's screen."`, 10*time.Second)
		tb.Wait("control", `document.querySelector('.control-indicator').textContent === 'You have control'`, 10*time.Second)
		if got := consoletest.Eval[string](tb, `document.querySelector('.session:not([hidden])').dataset.session`); got != sid {
			t.Fatalf("the console shows session %q, want %q", got, sid)
		}
		waitPixels(t, tb, leftColour, rightColour)
	}
	if btn := consoletest.Eval[bool](tb, `!document.querySelector('.session:not([hidden]) .toolbar button.primary').hidden`); btn {
		t.Error(`"Ask to see the screen" is offered after the reload`)
	}
	tb.Screenshot(screenshots, "console-reconnected")

	// Control still works: a click on the picture lands on the X server.
	clickLands(t, tb, d, 0.25, "after the reload")

	if n := len(ld.consents()); n != 2 {
		t.Errorf("the user was asked %d times, want twice (view, control) and not again", n)
	}
	var presence []assist.Presence
	for len(events) > 0 {
		if e := <-events; e.Presence != assist.PresenceNone {
			presence = append(presence, e.Presence)
		}
	}
	if !slices.Contains(presence, assist.PresenceBack) {
		t.Errorf("the desktop heard %v, want the technician back", presence)
	}
	if st := ld.sess.State(); st != assist.StateControlling {
		t.Errorf("desktop state %v, want controlling", st)
	}
	evts, err := ld.relay.Store.Audit(context.Background(), store.AuditFilter{SessionID: sid})
	if err != nil {
		t.Fatal(err)
	}
	var back []string
	asks := 0
	for _, e := range evts {
		switch e.Action {
		case protocol.AuditSessionReconnected:
			back = append(back, string(e.Actor)+" "+e.Detail)
		case protocol.AuditViewRequest, protocol.AuditControlRequest:
			asks++
		}
	}
	if len(back) != 2 {
		t.Errorf("session.reconnected audit events %q, want one per reload", back)
	}
	if asks != 2 {
		t.Errorf("%d consent questions in the audit log, want 2", asks)
	}
	t.Logf("audit: %s", strings.Join(back, "; "))
}

// TestTechnicianGoneEndsSession: the technician's console goes away (the
// tab leaves the console) and does not come back: the user is told at
// once, and after the grace period (short here) the session ends for
// the desktop with technician_lost, capture stopped.
func TestTechnicianGoneEndsSession(t *testing.T) {
	d := xtest.Start(t, screenW, screenH)
	t.Setenv("DISPLAY", d)
	paintHalves(t, d)
	const grace = 3 * time.Second
	events := make(chan assist.Event, 256)
	ld := startLiveDesktopOn(t, func(c *assist.Config) { c.OnEvent = func(e assist.Event) { events <- e } },
		relaytest.WithConfig(func(c *server.Config) { c.TechGrace = grace }))
	start := time.Now()
	ld.tb.Do(chromedp.Navigate("about:blank"))
	var away, ended time.Duration
	var last assist.Event
	timeout := time.After(grace + 20*time.Second)
	for ended == 0 {
		select {
		case e := <-events:
			if e.Presence == assist.PresenceAway && away == 0 {
				away = time.Since(start)
				if e.Grace != grace {
					t.Errorf("away event grace %v, want %v", e.Grace, grace)
				}
			}
			if e.State == assist.StateEnded {
				ended, last = time.Since(start), e
			}
		case <-timeout:
			t.Fatalf("the session did not end %v after the console left", grace+20*time.Second)
		}
	}
	t.Logf("console gone: the user told after %v, the session ended after %v (grace %v)", away.Round(time.Millisecond), ended.Round(time.Millisecond), grace)
	if away == 0 || away > 5*time.Second {
		t.Errorf("the user was told the technician left after %v", away)
	}
	if last.Reason != protocol.EndTechnicianLost {
		t.Errorf("end reason %q, want %q", last.Reason, protocol.EndTechnicianLost)
	}
	if ended < grace || ended > grace+10*time.Second {
		t.Errorf("ended %v after the console left, want just after the %v grace", ended, grace)
	}
	if err := <-ld.runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
	ld.runErr <- nil
}

// TestNetworkDropResumes: the media path between the console and the
// desktop drops (every UDP datagram refused by a policy rule, inside the
// test's own network namespace; the relay's sockets are TCP and stay) for
// longer than the console waits, then comes back: the picture plays again
// within a few seconds (measured), with the right colours and control
// working, and nobody is asked again.
func TestNetworkDropResumes(t *testing.T) {
	netns.CheckIsolated(t) // the rules change routing: only ever in the test's namespace
	ipCmd := testenv.LookPath(t, "ip", "iproute2")
	d := xtest.Start(t, screenW, screenH)
	t.Setenv("DISPLAY", d)
	paintHalves(t, d)
	ld := startLiveDesktop(t, nil)
	tb, video := ld.tb, consoletest.SessionVideo
	ld.takeControl()
	waitPixels(t, tb, leftColour, rightColour)

	ip := func(args ...string) {
		t.Helper()
		for _, family := range []string{"-4", "-6"} {
			if out, err := exec.Command(ipCmd, append([]string{family}, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("ip %s %v: %v: %s", family, args, err, out)
			}
		}
	}
	// The local table moves behind a rule that refuses UDP.
	ip("rule", "add", "from", "all", "lookup", "local", "pref", "100")
	ip("rule", "del", "pref", "0")
	ip("rule", "add", "ipproto", "udp", "prohibit", "pref", "1")
	dropped := true
	restore := func() {
		if dropped {
			dropped = false
			ip("rule", "del", "pref", "1")
			ip("rule", "add", "from", "all", "lookup", "local", "pref", "0")
			ip("rule", "del", "pref", "100")
		}
	}
	t.Cleanup(restore)
	frames := func() int { return consoletest.Eval[int](tb, video+`.getVideoPlaybackQuality().totalVideoFrames`) }
	const outage = 9 * time.Second
	time.Sleep(2 * time.Second)
	stalled := frames()
	time.Sleep(outage - 2*time.Second)
	if n := frames(); n > stalled+2 {
		t.Fatalf("the video went on during the outage (%d → %d frames): it found a path besides UDP", stalled, n)
	}
	status := tb.Text(".session:not([hidden]) .session-status")
	pcs := consoletest.Eval[int](tb, `(window.__pcs || []).length`)
	pcState := consoletest.Eval[string](tb, `(window.__pcs || []).map(pc => pc.connectionState).join(',')`)
	// The path comes back and the screen changes: the picture is live
	// again once the console shows the new colours.
	restore()
	back := time.Now()
	img := image.NewRGBA(image.Rect(0, 0, screenW, screenH))
	draw.Draw(img, image.Rect(0, 0, screenW/2, screenH), image.NewUniform(rightColour), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(screenW/2, 0, screenW, screenH), image.NewUniform(leftColour), image.Point{}, draw.Src)
	xtest.Paint(t, d, img)
	consoletest.WaitVideoPixels(tb, video, 20*time.Second, halves, []color.RGBA{rightColour, leftColour})
	took := time.Since(back)
	t.Logf("network back after a %v outage (status during it: %q, peer connections by then %d: %s): the screen's change shows %v later; status %q; peer connections made %d",
		outage, status, pcs, pcState, took.Round(time.Millisecond), tb.Text(".session:not([hidden]) .session-status"), consoletest.Eval[int](tb, `(window.__pcs || []).length`))
	if took > 10*time.Second {
		t.Errorf("the picture took %v to come back after the network did, want a few seconds", took)
	}
	tb.Wait("control", `document.querySelector('.control-indicator').textContent === 'You have control'`, 10*time.Second)

	clickLands(t, tb, d, 0.75, "after the outage")
	if n := len(ld.consents()); n != 2 {
		t.Errorf("the user was asked %d times, want twice", n)
	}
}
