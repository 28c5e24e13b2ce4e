//go:build cgo

package e2e

import (
	"context"
	"image"
	"image/draw"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/relaysignal"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// liveDesktop is a real desktop session (assist capturing the X display
// the test set as $DISPLAY, injecting with robotgo) whose user allows
// everything, with a help request from "Ana Silva" taken in the console
// in Chromium through a real relay, until the video plays.
type liveDesktop struct {
	t      testing.TB
	relay  *relaytest.Relay
	sess   *assist.Session
	tb     *consoletest.Tab
	reqID  string
	runErr chan error

	mu         sync.Mutex
	asked      []assist.ConsentRequest
	activities []assist.Activity
}

// startLiveDesktop starts it; mod, if set, changes the session's Config.
func startLiveDesktop(t testing.TB, mod func(*assist.Config)) *liveDesktop {
	t.Helper()
	return startLiveDesktopOn(t, mod)
}

// startLiveDesktopOn is startLiveDesktop on a relay started with opts.
func startLiveDesktopOn(t testing.TB, mod func(*assist.Config), opts ...relaytest.Option) *liveDesktop {
	t.Helper()
	ld := &liveDesktop{t: t, relay: relaytest.Start(t, opts...), runErr: make(chan error, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)

	rc, err := client.Dial(ctx, ld.relay.WSURL("/ws/client"), client.Options{NoReconnect: true, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	cfg := assist.Config{
		Signaler: relaysignal.New(rc, nil),
		Consenter: assist.ConsentFunc(func(ctx context.Context, req assist.ConsentRequest) (bool, error) {
			ld.mu.Lock()
			ld.asked = append(ld.asked, req)
			ld.mu.Unlock()
			return true, nil
		}),
		OnActivity: func(a assist.Activity) {
			ld.mu.Lock()
			ld.activities = append(ld.activities, a)
			ld.mu.Unlock()
		},
		Network: assist.NetworkOptions{LoopbackOnly: true},
	}
	if mod != nil {
		mod(&cfg)
	}
	ld.sess, err = assist.New(cfg, discard())
	if err != nil {
		t.Fatal(err)
	}
	go func() { ld.runErr <- ld.sess.Run(ctx) }()
	t.Cleanup(func() {
		ld.sess.Stop()
		select {
		case <-ld.sess.Done():
		case <-time.After(10 * time.Second):
			t.Error("assist session did not stop")
		}
	})
	acc, err := rc.SubmitRequest(ctx, protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Ana Silva"}, Description: "printer says offline"})
	if err != nil {
		t.Fatal(err)
	}
	ld.reqID = acc.RequestID

	// The technician signs in and takes the request.
	ld.tb = consoletest.OpenTab(t, 110*time.Second)
	// Test-only probe: remember the page's peer connections for
	// diagnostics on failure.
	ld.tb.TrackPeerConnections()
	ld.tb.SignIn(ld.relay.URL, relaytest.Username, relaytest.Password)
	item := `#queue-list li[data-id="` + acc.RequestID + `"]`
	ld.tb.Wait("the request", `document.querySelector('`+item+`')`, 10*time.Second)
	ld.tb.Do(chromedp.Focus(chromedp.CSS(item)), chromedp.KeyEvent("\r"))
	ld.tb.Wait("the session view", `!document.querySelector('#view-session').hidden`, 10*time.Second)

	// The desktop consents (automatically here); the video plays.
	video := consoletest.SessionVideo
	if !ld.tb.Poll(video+`.videoWidth > 0 && `+video+`.getVideoPlaybackQuality().totalVideoFrames > 0`, 30*time.Second) {
		diag := ld.tb.PeerConnectionReport()
		t.Fatalf("no decoded video after 30 s; desktop stats %+v\nbrowser: %s\npage: %s", ld.sess.Stats(), diag, ld.tb.PageText())
	}
	return ld
}

// takeControl asks for control in the console; the user allows it.
func (ld *liveDesktop) takeControl() {
	ld.t.Helper()
	ld.tb.Click(".session:not([hidden]) .toolbar button:nth-child(2)") // Request control
	ld.tb.Wait("control", `document.querySelector('.control-indicator').textContent === 'You have control'`, 15*time.Second)
}

func (ld *liveDesktop) consents() []assist.ConsentRequest {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return append([]assist.ConsentRequest(nil), ld.asked...)
}

func (ld *liveDesktop) done() []assist.Activity {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return append([]assist.Activity(nil), ld.activities...)
}

// auditDetails is the relay's audit log as action → detail (the last
// event of each action).
func auditDetails(t *testing.T, r *relaytest.Relay) map[protocol.AuditAction]string {
	t.Helper()
	events, err := r.Store.Audit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[protocol.AuditAction]string{}
	for _, e := range events {
		out[e.Action] = e.Detail
	}
	return out
}

// halvesDisplay starts a w×h Xvfb painted leftColour on its left half and
// rightColour on its right, and makes it $DISPLAY.
func halvesDisplay(t *testing.T, w, h int) string {
	t.Helper()
	d := xtest.Start(t, w, h)
	t.Setenv("DISPLAY", d)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, image.Rect(0, 0, w/2, h), image.NewUniform(leftColour), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(w/2, 0, w, h), image.NewUniform(rightColour), image.Point{}, draw.Src)
	xtest.Paint(t, d, img)
	return d
}
