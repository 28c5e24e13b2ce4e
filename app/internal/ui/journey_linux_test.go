package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/internal/netns"
	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// The user's screen: a left and a right half in known colours; later a
// full-screen input recorder (xtest.Recorder, dark grey) on which the
// "application" answers each key press by filling the middle in one of
// two colours.
var (
	journeyLeft  = color.RGBA{0xe0, 0x40, 0x20, 0xff}
	journeyRight = color.RGBA{0x20, 0xa0, 0x50, 0xff}
	recorderGrey = color.RGBA{0x20, 0x20, 0x20, 0xff}
	echoColours  = [2]color.RGBA{{0x30, 0x50, 0xe0, 0xff}, {0xe0, 0xd0, 0x30, 0xff}}
)

const (
	journeyW, journeyH = 640, 480
	journeyUser        = "alex"
	journeyPass        = "alex-journey-password"
	journeyTech        = "Alex from IT"
	journeyName        = "Ana Silva"
	journeyKeys        = 24 // key presses timed browser → X server → browser
)

// journeyMetrics is what TestJourney measures, logged and written to
// testdata/journey-metrics.json (ignored by git).
type journeyMetrics struct {
	When string `json:"when"`
	// ConsentToFirstFrameMS: the Allow tap in the window → the first
	// decoded frame in the browser. Target ≤ 500 ms.
	ConsentToFirstFrameMS float64 `json:"consent_to_first_frame_ms"`
	// Its parts: Allow → the browser's peer connection exists (the offer
	// arrived) → it is connected (ICE and DTLS done).
	ConsentToPeerMS      float64 `json:"consent_to_peer_ms"`
	ConsentToConnectedMS float64 `json:"consent_to_connected_ms"`
	// InputToXServerMS: a key press dispatched in the browser (the event's
	// timestamp) → the key press delivered by the X server to a window of
	// the test process. Target p50 ≤ 20 ms.
	InputToXServerMS  []float64 `json:"input_to_xserver_ms"`
	InputToXServerP50 float64   `json:"input_to_xserver_p50_ms"`
	// InputViaCDPToXServerMS: the same, from the Go side just before the
	// CDP call that dispatched the key.
	InputViaCDPToXServerP50 float64 `json:"input_via_cdp_to_xserver_p50_ms"`
	// InputToPixelMS: a key press in the browser → the application on the
	// user's screen repaints in answer → the browser's video shows the new
	// colour (both ends in the browser's clock). Target p50 ≤ 80 ms.
	InputToPixelMS  []float64 `json:"input_to_pixel_ms"`
	InputToPixelP50 float64   `json:"input_to_pixel_p50_ms"`
	// PaintToPixelMS: the screen changed (X server has the new pixels) →
	// the browser's video shows it.
	PaintToPixelP50 float64 `json:"paint_to_pixel_p50_ms"`
	FrameClock      string  `json:"frame_clock"` // requestVideoFrameCallback, or a 4 ms timer
	TotalSeconds    float64 `json:"total_seconds"`
}

// TestJourney is the whole journey of issue 8 with every part real: the
// lifeline-relay binary, the desktop window (this package, helpdesk and
// assist) driven through Fyne's test driver, the technician console in
// headless Chromium and a private Xvfb screen with known content. Search
// in the user's words → guide → "Still not working" → escalate with
// context → the technician sees it and takes it → the user allows viewing
// → video with the painted colours → control allowed → a click and typed
// text arrive on the X server → the user takes back control → no more
// input arrives → the technician ends the session and saves notes → the
// audit trail has every step in order. Along the way it measures the
// latencies of journeyMetrics.
func TestJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("the journey builds the relay and starts Chromium and Xvfb")
	}
	// What the journey needs: in CI a missing piece fails it.
	testenv.LookPath(t, "Xvfb", "xvfb")
	if !netns.Inside() {
		testenv.Missing(t, "the journey runs as root inside unshare -n with only loopback (Debian packages util-linux, iproute2)")
	}
	start := time.Now()
	var m journeyMetrics

	// The user's screen.
	disp := xtest.Start(t, journeyW, journeyH)
	t.Setenv("DISPLAY", disp)
	img := image.NewRGBA(image.Rect(0, 0, journeyW, journeyH))
	draw.Draw(img, image.Rect(0, 0, journeyW/2, journeyH), image.NewUniform(journeyLeft), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(journeyW/2, 0, journeyW, journeyH), image.NewUniform(journeyRight), image.Point{}, draw.Src)
	xtest.Paint(t, disp, img)

	// The browser starts while the relay is built.
	var b struct {
		ctx  context.Context
		stop func()
		err  error
	}
	browserUp := make(chan struct{})
	go func() {
		b.ctx, b.stop, b.err = consoletest.StartBrowser()
		close(browserUp)
	}()
	t.Cleanup(func() {
		<-browserUp
		if b.err == nil {
			b.stop()
		}
	})
	relayURL := startRelayBinary(t)
	<-browserUp
	if errors.Is(b.err, consoletest.ErrNoChromium) {
		testenv.Missing(t, "chromium not installed (Debian package chromium)")
	}
	if b.err != nil {
		t.Fatal(b.err)
	}

	// The desktop: the real window connected to the relay through the real
	// help desk connection, with ICE on loopback only and no mDNS.
	u := newTestUI(t, nil)
	desk, err := helpdesk.New(helpdesk.Config{RelayURL: relayURL, AppVersion: "test", Store: u.deps.Settings, OutboxDir: t.TempDir(), MinRetry: 10 * time.Millisecond,
		Session: assist.Config{Network: assist.NetworkOptions{LoopbackOnly: true, DisableMDNS: true}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { desk.Close() })
	events := make(chan helpdesk.Event, 1024)
	u.onEvent = func(ev helpdesk.Event) { events <- ev }
	u.deps.Helpdesk = desk
	u.watchHelpdesk()
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventConnection && ev.Online })

	// 1. Search in the user's own words, follow the first guide, answer
	// its first step, "Still not working", escalate with context.
	const query = "my documents are stuck printing"
	res := typeAndWait(t, u, query)
	if len(res.Hits) == 0 || res.Hits[0].ID != "print-queue-stuck" {
		t.Fatalf("search %q: hits %+v", query, res.Hits)
	}
	checked := make(chan struct{}, 8)
	u.guide.onCheckDone = func(diag.Result) { checked <- struct{}{} }
	test.Tap(findButton(t, u.home.resultsV, res.Hits[0].Title))
	if u.content.Objects[0] != u.guide.root {
		t.Fatal("the guide is not shown")
	}
	first, _ := u.guide.run.Current()
	if first.Check != "" {
		waitFor(t, u, checked)
	}
	st, _ := u.guide.run.Guide().Step(first.StepID)
	answered := ""
	for _, a := range st.Answers {
		if a.Next != guide.EndFixed && a.Next != guide.EndEscalate {
			answered = a.Label
			test.Tap(findButton(t, u.guide.body, a.Label))
			break
		}
	}
	second, _ := u.guide.run.Current()
	if second.Check != "" {
		waitFor(t, u, checked)
	}
	if n := len(u.guide.run.Record().Steps); n < 2 {
		t.Fatalf("the path has %d steps, want at least 2", n)
	}
	test.Tap(findButton(t, u.guide.root, "Still not working"))
	if u.content.Objects[0] != u.help.root {
		t.Fatal("the escalation form is not shown")
	}
	snap := make(chan struct{}, 1)
	u.help.onSnapshot = func() { snap <- struct{}{} }
	waitFor(t, u, snap)
	test.Type(u.help.name, journeyName)
	test.Type(u.help.contact, "ext 4411")
	req := u.help.request()
	if req.Guide == nil || len(req.Diagnostics) == 0 || req.Description != query {
		t.Fatalf("the request lacks context: %+v", req)
	}
	test.Tap(u.help.send)
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventQueued })
	var saved struct {
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal([]byte(u.deps.Settings.PendingEscalation()), &saved); err != nil || saved.RequestID == "" {
		t.Fatalf("no request id kept: %q %v", u.deps.Settings.PendingEscalation(), err)
	}
	t.Logf("step 1: %q → %s, answered %q, %d steps, %d diagnostics; request %s", query, res.Hits[0].ID, answered, len(req.Guide.Steps), len(req.Diagnostics), saved.RequestID)

	// 2. The technician signs in, sees the request with its context and
	// takes it.
	tb := consoletest.NewTab(t, b.ctx, 55*time.Second)
	tb.TrackPeerConnections()
	tb.SignIn(relayURL, journeyUser, journeyPass)
	consoletest.Eval[bool](tb, framesProbe)
	item := `#queue-list li[data-id="` + saved.RequestID + `"]`
	tb.Wait("the request in the queue", `document.querySelector('`+item+`')`, 10*time.Second)
	tb.Click(item)
	detail := tb.Text("#queue-detail")
	wantDetail := []string{journeyName, "ext 4411", query, req.Guide.GuideTitle}
	for _, s := range req.Guide.Steps {
		wantDetail = append(wantDetail, s.Title, s.Answer)
		if s.Check != nil {
			wantDetail = append(wantDetail, s.Check.Detail)
		}
	}
	for _, d := range req.Diagnostics {
		wantDetail = append(wantDetail, d.ForTechnician()) // the technician reads the technical detail
	}
	for _, w := range wantDetail {
		if !strings.Contains(detail, w) {
			t.Errorf("the console's request detail lacks %q:\n%s", w, detail)
		}
	}
	tb.Do(chromedp.Focus(chromedp.CSS(item)), chromedp.KeyEvent("\r"))
	tb.Wait("the session view", `!document.querySelector('#view-session').hidden`, 10*time.Second)
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventTaken })

	// 3. The user allows viewing in the window; the browser decodes the
	// screen with the painted colours.
	ev := waitEvent(t, u, events, func(ev helpdesk.Event) bool {
		return ev.Kind == helpdesk.EventConsent && ev.Consent.Kind == helpdesk.ConsentView
	})
	if c := u.lastConsent; c == nil || !strings.Contains(c.title, journeyTech+" wants to see your screen") {
		t.Fatalf("consent dialog %+v for %+v", c, ev)
	}
	allowAt := nowMS()
	test.Tap(u.lastConsent.allow)
	if !tb.Poll(`window.__journey.first > 0`, 10*time.Second) {
		t.Fatalf("no decoded video 10 s after Allow\nprobe: %s\nbrowser: %s\npage: %s",
			consoletest.Eval[string](tb, `JSON.stringify({...window.__journey, changes: undefined, frames: `+consoletest.SessionVideo+`?.getVideoPlaybackQuality().totalVideoFrames})`),
			tb.PeerConnectionReport(), tb.PageText())
	}
	m.ConsentToFirstFrameMS = round1(consoletest.Eval[float64](tb, `window.__journey.first`) - allowAt)
	m.FrameClock = consoletest.Eval[string](tb, `window.__journey.clock`)
	if pc, conn := consoletest.Eval[float64](tb, `window.__journey.pc`), consoletest.Eval[float64](tb, `window.__journey.connected`); pc > 0 && conn > 0 {
		m.ConsentToPeerMS, m.ConsentToConnectedMS = round1(pc-allowAt), round1(conn-allowAt)
	}
	if w, h := consoletest.Eval[int](tb, consoletest.SessionVideo+`.videoWidth`), consoletest.Eval[int](tb, consoletest.SessionVideo+`.videoHeight`); w != journeyW || h != journeyH {
		t.Errorf("video is %d×%d, want %d×%d", w, h, journeyW, journeyH)
	}
	// ICE: no STUN server anywhere, and the media flows over loopback.
	for _, u := range consoletest.Eval[[]string](tb, `(window.__pcs[0]?.getConfiguration().iceServers ?? []).flatMap(s => [].concat(s.urls))`) {
		if strings.HasPrefix(u, "stun") {
			t.Errorf("the browser was given the STUN server %s", u)
		}
	}
	pair := consoletest.Eval[[]string](tb, `(async () => { const st = await window.__pcs[0].getStats(); let p;
		st.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) p = st.get(s.selectedCandidatePairId); });
		if (!p) return [];
		const l = st.get(p.localCandidateId), r = st.get(p.remoteCandidateId);
		return [l.address + ':' + l.port, l.candidateType, r.address + ':' + r.port, r.candidateType]; })()`)
	if len(pair) != 4 || !strings.HasPrefix(pair[0], "127.") || !strings.HasPrefix(pair[2], "127.") {
		t.Errorf("the browser's selected candidate pair is %v, want loopback at both ends", pair)
	}
	halves := []consoletest.Point{{X: 0.25, Y: 0.5}, {X: 0.75, Y: 0.5}}
	consoletest.WaitVideoPixels(tb, consoletest.SessionVideo, 10*time.Second, halves, []color.RGBA{journeyLeft, journeyRight})
	waitEvent(t, u, events, func(ev helpdesk.Event) bool {
		return ev.Kind == helpdesk.EventSession && ev.Session == helpdesk.SessionViewing
	})
	findButton(t, u.banner, "Stop sharing")
	t.Logf("step 3: first frame %.0f ms after Allow (%s); video %v; the browser's candidate pair %v", m.ConsentToFirstFrameMS, m.FrameClock,
		consoletest.VideoPixels(tb, consoletest.SessionVideo, halves...), pair)

	// An application window that records input covers the screen.
	rec := xtest.NewRecorder(t, disp)
	consoletest.WaitVideoPixels(tb, consoletest.SessionVideo, 10*time.Second, halves, []color.RGBA{recorderGrey, recorderGrey})

	// 4. Control: requested in the console, allowed in the window; a
	// click and typed text arrive on the X server.
	tb.Click(".session:not([hidden]) .toolbar button:nth-child(2)") // Request control
	waitEvent(t, u, events, func(ev helpdesk.Event) bool {
		return ev.Kind == helpdesk.EventConsent && ev.Consent.Kind == helpdesk.ConsentControl
	})
	if !strings.Contains(u.lastConsent.title, "control your computer") {
		t.Errorf("control dialog %q", u.lastConsent.title)
	}
	test.Tap(u.lastConsent.allow)
	waitEvent(t, u, events, func(ev helpdesk.Event) bool {
		return ev.Kind == helpdesk.EventSession && ev.Session == helpdesk.SessionControlling
	})
	tb.Wait("control", `document.querySelector('.control-indicator').textContent === 'You have control'`, 10*time.Second)

	at := consoletest.VideoToPage(tb, consoletest.SessionVideo)
	x, y := at(0.75, 0.25)
	tb.Do(chromedp.MouseClickXY(x, y))
	evs := rec.Wait(t, 2, 10*time.Second)
	if e := evs[0]; e.Kind != "button" || !e.Down || e.Button != 1 || !xtest.Near(e.X, 0.75*(journeyW-1)) || !xtest.Near(e.Y, 0.25*(journeyH-1)) {
		t.Errorf("X server got %+v, want a left press near %.0f,%.0f", e, 0.75*(journeyW-1), 0.25*(journeyH-1))
	}
	if e := evs[1]; e.Kind != "button" || e.Down || e.Button != 1 {
		t.Errorf("X server got %+v, want a left release", e)
	}
	tb.Do(chromedp.KeyEvent("hi"))
	evs = rec.Wait(t, 6, 10*time.Second)[2:]
	for i, w := range []struct {
		sym  uint32
		down bool
	}{{'h', true}, {'h', false}, {'i', true}, {'i', false}} {
		if e := evs[i]; e.Kind != "key" || e.Keysym != w.sym || e.Down != w.down {
			t.Errorf("key event %d = %+v, want keysym %q down=%v", i, e, rune(w.sym), w.down)
		}
	}
	t.Logf("step 4: click and %q arrived on the X server", "hi")

	// The latencies: each key press goes browser → relay-less data channel
	// → X server → the test's window, which answers by repainting the
	// middle of the screen; the browser's video shows the new colour.
	measureKeys(t, tb, rec, disp, &m)

	// 5. The user takes back control in the window's banner: the browser's
	// input no longer reaches the X server.
	test.Tap(findButton(t, u.banner, "Take back control"))
	waitEvent(t, u, events, func(ev helpdesk.Event) bool {
		return ev.Kind == helpdesk.EventSession && ev.Session == helpdesk.SessionViewing
	})
	tb.Wait("the revoke notice", `document.querySelector('.session-status').textContent === '`+journeyName+` took back control.'`, 10*time.Second)
	if got := tb.Text(".control-indicator"); got != "Viewing only" {
		t.Errorf("indicator after taking back control = %q", got)
	}
	x, y = at(0.1, 0.9)
	rec.ExpectNoInput(t, disp, func() { tb.StrayInput(x, y) })

	// 6. The technician ends the session and saves notes; the audit trail
	// lists every step in order.
	tb.Click(".session:not([hidden]) button.danger")
	tb.Click(".session:not([hidden]) dialog.confirm[open] button.danger") // "End the session with …?"
	waitEvent(t, u, events, func(ev helpdesk.Event) bool {
		return ev.Kind == helpdesk.EventSession && ev.Session == helpdesk.SessionEnded
	})
	if len(u.banner.Objects) != 0 {
		t.Error("the banner is still shown after the session ended")
	}
	tb.Wait("the close-out form", `!document.querySelector('.session:not([hidden]) .closeout').hidden`, 10*time.Second)
	const notes = "Print queue was stuck; cleared it with the user and printed a test page."
	tb.TypeInto(".session:not([hidden]) .closeout textarea", notes)
	consoletest.Eval[bool](tb, `(document.querySelector('.session:not([hidden]) .closeout select').value = 'Printing', true)`)
	tb.Click(".session:not([hidden]) .closeout button.primary")
	tb.Wait("the notes saved", `document.querySelector('.closeout .msg').textContent.startsWith('Saved')`, 10*time.Second)
	sid := consoletest.Eval[string](tb, `document.querySelector('.session').dataset.session`)

	type auditEvent struct {
		At        time.Time `json:"at"`
		Actor     string    `json:"actor"`
		Action    string    `json:"action"`
		RequestID string    `json:"request_id"`
		SessionID string    `json:"session_id"`
		Detail    string    `json:"detail"`
	}
	raw := consoletest.Eval[string](tb, `fetch('/api/audit').then(r => { if (!r.ok) throw new Error('audit: ' + r.status); return r.text(); })`)
	var all []auditEvent
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		t.Fatalf("audit %s: %v", raw, err)
	}
	var trail []string
	var last time.Time
	for _, e := range all {
		if e.RequestID != saved.RequestID && e.SessionID != sid {
			continue
		}
		trail = append(trail, e.Action+" "+e.Actor)
		if e.At.Before(last) {
			t.Errorf("audit event %s %s at %v is before the previous one (%v)", e.Action, e.Actor, e.At, last)
		}
		last = e.At
	}
	wantTrail := []string{
		"request.created user:" + journeyName,
		"request.taken tech:" + journeyUser, "session.start tech:" + journeyUser,
		"consent.view.request tech:" + journeyUser, "consent.view.grant user:" + journeyName,
		"consent.control.request tech:" + journeyUser, "consent.control.grant user:" + journeyName,
		"consent.control.revoke user:" + journeyName,
		"session.end tech:" + journeyUser, "session.notes tech:" + journeyUser,
	}
	if !slices.Equal(trail, wantTrail) {
		t.Errorf("audit trail =\n  %s\nwant\n  %s", strings.Join(trail, "\n  "), strings.Join(wantTrail, "\n  "))
	}
	t.Logf("step 6: audit trail of request %s, session %s:\n  %s", saved.RequestID, sid, strings.Join(trail, "\n  "))

	m.When = time.Now().UTC().Format(time.RFC3339)
	m.TotalSeconds = time.Since(start).Seconds()
	reportJourney(t, m)
}

// framesProbe is a test probe evaluated in the console page: for the
// session video it records when the first frame was decoded and, at every
// presented frame (requestVideoFrameCallback; a 4 ms timer until that
// fires), the colour of the pixel in the middle, keeping a list of the
// changes; when the peer connection appeared and connected; and the
// timestamp of every key press dispatched in the page. A timer, not
// requestAnimationFrame, drives it: a headless page does not always
// render. Times are performance.timeOrigin + performance.now()
// (milliseconds since the epoch, the same clock as Go's time.Now).
const framesProbe = `(() => {
	const P = window.__journey = { first: 0, pc: 0, connected: 0, clock: '', changes: [], keys: [] };
	const now = () => performance.timeOrigin + performance.now();
	addEventListener('keydown', e => P.keys.push(performance.timeOrigin + e.timeStamp), true);
	const c = document.createElement('canvas'); c.width = c.height = 1;
	const g = c.getContext('2d', { willReadFrequently: true });
	let bound = null, last = null, rvfc = false;
	const sample = (v, t) => {
		if (!v.videoWidth || v.getVideoPlaybackQuality().totalVideoFrames === 0) return;
		if (!P.first) P.first = t;
		g.drawImage(v, Math.floor(v.videoWidth / 2), Math.floor(v.videoHeight / 2), 1, 1, 0, 0, 1, 1);
		const d = g.getImageData(0, 0, 1, 1).data, px = [d[0], d[1], d[2]];
		if (!last || Math.abs(px[0] - last[0]) + Math.abs(px[1] - last[1]) + Math.abs(px[2] - last[2]) > 40) {
			P.changes.push({ t, px }); last = px;
			if (P.changes.length > 500) P.changes.shift();
		}
	};
	const watch = v => {
		const cb = () => { if (bound !== v) return; rvfc = true; P.clock = 'requestVideoFrameCallback'; sample(v, now()); v.requestVideoFrameCallback(cb); };
		v.requestVideoFrameCallback(cb);
	};
	const loop = () => {
		for (const pc of (window.__pcs || [])) {
			if (pc.__journey) continue;
			pc.__journey = true;
			if (!P.pc) P.pc = now();
			const up = () => { if (pc.connectionState === 'connected' && !P.connected) P.connected = now(); };
			pc.addEventListener('connectionstatechange', up); up();
		}
		const v = ` + consoletest.SessionVideo + `;
		if (v && v !== bound) { bound = v; if (v.requestVideoFrameCallback) watch(v); }
		if (v && !rvfc) { P.clock = 'a 4 ms timer'; sample(v, now()); }
	};
	setInterval(loop, 4);
	return true;
})()`

// measureKeys times journeyKeys key presses from the browser to the X
// server, and on to the browser's video after the screen answered.
func measureKeys(t *testing.T, tb *consoletest.Tab, rec *xtest.Recorder, disp string, m *journeyMetrics) {
	t.Helper()
	over := newOverPainter(t, disp)
	mid := image.Rect(journeyW/2-48, journeyH/2-48, journeyW/2+48, journeyH/2+48)
	key := func(typ input.DispatchKeyEventType) {
		p := input.DispatchKeyEventParams{Type: typ, Key: "a", Code: "KeyA", WindowsVirtualKeyCode: 65}
		if typ == input.DispatchKeyEventTypeKeyDown {
			p.Text = "a"
		}
		if _, err := chromedp.Call(tb.Ctx, input.DispatchKeyEvent, p); err != nil {
			t.Fatal(err)
		}
	}
	k0 := consoletest.Eval[int](tb, `window.__journey.keys.length`)
	n := len(rec.Settle(100 * time.Millisecond))
	var viaCDP, paintToPixel []float64
	arrivals, paints, seen := make([]float64, journeyKeys), make([]float64, journeyKeys), make([]float64, journeyKeys)
	for i := range journeyKeys {
		// Spread the key presses over the capture interval rather than
		// always pressing right after a frame arrived.
		time.Sleep(time.Duration(i*7%40) * time.Millisecond)
		col := echoColours[i%2]
		sent := nowMS()
		key(input.DispatchKeyEventTypeKeyDown)
		evs := rec.Wait(t, n+1, 10*time.Second)
		arrivals[i] = nowMS()
		if e := evs[n]; e.Kind != "key" || !e.Down || e.Keysym != 'a' {
			t.Fatalf("key %d: X server got %+v, want 'a' pressed", i, e)
		}
		viaCDP = append(viaCDP, arrivals[i]-sent)
		// The application answers the key press.
		over.fill(t, col, mid)
		paints[i] = nowMS()
		key(input.DispatchKeyEventTypeKeyUp)
		rec.Wait(t, n+2, 10*time.Second)
		n += 2
		// The browser's video shows the answer.
		// (Only a change after the key reached the X server can be the
		// answer to it.)
		expr := fmt.Sprintf(`(window.__journey.changes.find(c => c.t > %f && Math.abs(c.px[0] - %d) + Math.abs(c.px[1] - %d) + Math.abs(c.px[2] - %d) < 72) || {t: 0}).t`,
			arrivals[i], col.R, col.G, col.B)
		deadline := time.Now().Add(10 * time.Second)
		for seen[i] == 0 {
			seen[i] = consoletest.Eval[float64](tb, expr)
			if seen[i] == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("key %d: the browser's video never showed %v; changes %s", i, col, consoletest.Eval[string](tb, `JSON.stringify(window.__journey.changes.slice(-5))`))
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		paintToPixel = append(paintToPixel, seen[i]-paints[i])
	}
	keys := consoletest.Eval[[]float64](tb, `window.__journey.keys`)
	if len(keys) < k0+journeyKeys {
		t.Fatalf("the page recorded %d key presses, want %d", len(keys)-k0, journeyKeys)
	}
	for i := range journeyKeys {
		m.InputToXServerMS = append(m.InputToXServerMS, round1(arrivals[i]-keys[k0+i]))
		m.InputToPixelMS = append(m.InputToPixelMS, round1(seen[i]-keys[k0+i]))
	}
	m.InputToXServerP50 = p50(m.InputToXServerMS)
	m.InputViaCDPToXServerP50 = p50(viaCDP)
	m.InputToPixelP50 = p50(m.InputToPixelMS)
	m.PaintToPixelP50 = p50(paintToPixel)
	// Generous bounds: the targets (20 ms, 80 ms) are reported, not
	// asserted, so that a loaded 2-core machine does not fail the test.
	if m.InputToXServerP50 > 200 || m.InputToXServerP50 < -5 {
		t.Errorf("browser → X server p50 = %.1f ms", m.InputToXServerP50)
	}
	if m.InputToPixelP50 > 1000 {
		t.Errorf("browser → changed pixel in the browser p50 = %.1f ms", m.InputToPixelP50)
	}
}

// overPainter fills rectangles on the root window over every window on
// it (IncludeInferiors), as an application repainting itself would.
type overPainter struct {
	c    *xgb.Conn
	root xproto.Window
	gc   xproto.Gcontext
}

func newOverPainter(t *testing.T, display string) *overPainter {
	t.Helper()
	c := xtest.Conn(t, display)
	root := xproto.Setup(c).DefaultScreen(c).Root
	gc, err := xproto.NewGcontextId(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := xproto.CreateGCChecked(c, gc, xproto.Drawable(root), xproto.GcForeground|xproto.GcSubwindowMode,
		[]uint32{0, xproto.SubwindowModeIncludeInferiors}).Check(); err != nil {
		t.Fatalf("create GC: %v", err)
	}
	return &overPainter{c: c, root: root, gc: gc}
}

// fill paints r in col and waits until the X server has done it.
func (p *overPainter) fill(t *testing.T, col color.RGBA, r image.Rectangle) {
	t.Helper()
	xproto.ChangeGC(p.c, p.gc, xproto.GcForeground, []uint32{uint32(col.R)<<16 | uint32(col.G)<<8 | uint32(col.B)})
	xproto.PolyFillRectangle(p.c, xproto.Drawable(p.root), p.gc, []xproto.Rectangle{{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}})
	if _, err := xproto.GetInputFocus(p.c).Reply(); err != nil {
		t.Fatalf("paint: %v", err)
	}
}

// startRelayBinary builds lifeline-relay with CGO_ENABLED=0, adds the
// technician with `user add` (password on standard input), serves on a
// free loopback port with the embedded TURN on loopback, and returns its
// URL once /healthz answers. The relay is stopped with SIGTERM at the end.
func startRelayBinary(t *testing.T) string {
	t.Helper()
	goBin := testenv.LookPath(t, "go", "golang-go")
	root, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(root)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lifeline-relay")
	build := exec.Command(goBin, "build", "-o", bin, "./relay/cmd/lifeline-relay")
	build.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build lifeline-relay: %v\n%s", err, out)
	}

	data := filepath.Join(dir, "data")
	add := exec.Command(bin, "user", "add", journeyUser, "--admin", "--display-name", journeyTech, "--data", data)
	add.Stdin = strings.NewReader(journeyPass + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("lifeline-relay user add: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(dir, "relay.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	serve := exec.Command(bin, "serve", "--listen", addr, "--turn-listen", "127.0.0.1:0", "--data", data, "--shutdown-timeout", "5s")
	serve.Stdout, serve.Stderr = logf, logf
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	t.Cleanup(func() {
		serve.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("lifeline-relay serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			serve.Process.Kill()
			<-done
			t.Error("lifeline-relay did not stop within 10 s of SIGTERM")
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("relay log:\n%s", b)
		}
	})

	url := "http://" + addr
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := hc.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case err := <-done:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("lifeline-relay serve exited: %v\n%s", err, b)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("lifeline-relay does not answer /healthz on %s\n%s", addr, b)
		}
	}
}

// reportJourney logs the measurements against their targets and writes
// them to testdata/journey-metrics.json.
func reportJourney(t *testing.T, m journeyMetrics) {
	t.Helper()
	verdict := func(got, target float64) string {
		if got <= target {
			return "target met"
		}
		return fmt.Sprintf("TARGET MISSED by %.1f ms", got-target)
	}
	t.Logf("journey: network namespace with loopback only: %v; %.1f s in all", netns.Inside(), m.TotalSeconds)
	t.Logf("journey: Allow tap → first decoded frame in the browser: %.0f ms (target ≤ 500 ms: %s); offer in the browser after %.0f ms, connected after %.0f ms",
		m.ConsentToFirstFrameMS, verdict(m.ConsentToFirstFrameMS, 500), m.ConsentToPeerMS, m.ConsentToConnectedMS)
	t.Logf("journey: browser key press → X server, p50 over %d: %.1f ms (target ≤ 20 ms: %s); from the Go side of the CDP call: %.1f ms",
		len(m.InputToXServerMS), m.InputToXServerP50, verdict(m.InputToXServerP50, 20), m.InputViaCDPToXServerP50)
	t.Logf("journey: browser key press → screen answers → changed pixel in the browser, p50 over %d: %.1f ms (target ≤ 80 ms: %s); screen change → browser: %.1f ms; frames clocked by %s",
		len(m.InputToPixelMS), m.InputToPixelP50, verdict(m.InputToPixelP50, 80), m.PaintToPixelP50, m.FrameClock)
	t.Logf("journey: key → X server (ms): %v", m.InputToXServerMS)
	t.Logf("journey: key → pixel (ms): %v", m.InputToPixelMS)
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("testdata", "journey-metrics.json")
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	t.Logf("journey: metrics written to %s", abs)

	if m.ConsentToFirstFrameMS > 5000 {
		t.Errorf("first frame %.0f ms after Allow", m.ConsentToFirstFrameMS)
	}
}

// nowMS is the wall clock in milliseconds since the epoch, like the
// browser's performance.timeOrigin + performance.now().
func nowMS() float64 { return float64(time.Now().UnixMicro()) / 1000 }

func p50(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return round1(s[len(s)/2])
}

func round1(v float64) float64 { return float64(int64(v*10+0.5*sign(v))) / 10 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}
