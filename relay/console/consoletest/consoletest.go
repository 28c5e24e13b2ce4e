// Package consoletest drives the technician console in a real headless
// Chromium through chromedp, for the console's own browser tests and for
// end-to-end tests of the whole product: starting the browser with the
// flags WebRTC on loopback needs, a tab with evaluate/wait/click helpers
// that fail the test with the page's text, sign-in, and sampling pixels
// of the session video.
//
// A package of browser tests makes Main its TestMain and opens tabs with
// OpenTab: the tests then run in a network namespace with only loopback
// (as root), share one browser, and a missing Chromium fails them in CI
// and skips them elsewhere (internal/testenv).
//
// It is pure Go (no cgo), so relay/ keeps building with CGO_ENABLED=0.
package consoletest

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/internal/netns"
	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// ErrNoChromium is returned by StartBrowser when chromium is not installed
// (Debian package chromium; packaging/setup-deps.sh installs it).
var ErrNoChromium = errors.New("chromium not installed (Debian package chromium)")

// shared is the browser Main started for the tests of this binary.
var shared struct {
	ctx context.Context
	err error
}

// Main is the TestMain of a package of browser tests; it returns the exit
// code. As root it first re-executes the test binary in a network
// namespace with only loopback (netns.Reexec), so WebRTC can use nothing
// but 127.0.0.1. Then it starts one headless Chromium for all the tests,
// runs them and stops the browser. Without Chromium the tests still run:
// each one that opens a tab stops there (see NeedBrowser).
func Main(m *testing.M) int {
	if code, ok := netns.Reexec(); ok {
		return code
	}
	ctx, stop, err := StartBrowser()
	switch {
	case errors.Is(err, ErrNoChromium):
		fmt.Fprintf(os.Stderr, "%s: %v: the browser tests fail in CI and skip here\n", filepath.Base(os.Args[0]), err)
	case err != nil:
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
		return 1
	default:
		defer stop()
	}
	shared.ctx, shared.err = ctx, err
	return m.Run()
}

// OpenTab opens a tab (see NewTab) in the browser that Main started.
func OpenTab(t testing.TB, timeout time.Duration) *Tab {
	t.Helper()
	NeedBrowser(t, shared.err)
	if shared.ctx == nil {
		t.Fatal("consoletest.OpenTab: the package's TestMain must call consoletest.Main")
	}
	return NewTab(t, shared.ctx, timeout)
}

// NeedBrowser stops t unless err, from StartBrowser, is nil: a missing
// Chromium goes through testenv.Missing (a failure in CI, a skip naming the
// Debian package elsewhere), any other error fails the test.
func NeedBrowser(t testing.TB, err error) {
	t.Helper()
	switch {
	case errors.Is(err, ErrNoChromium):
		testenv.Missing(t, err.Error())
	case err != nil:
		t.Fatal(err)
	}
}

// Width and Height are the size of the browser window and of every tab.
const Width, Height = 1366, 768

// StartBrowser starts a headless Chromium that may use WebRTC on
// loopback: host candidates on 127.0.0.1 allowed, no mDNS obfuscation,
// no QUIC, autoplay without a gesture. ctx is the browser: open tabs with
// NewTab(t, ctx, …); stop closes it and removes its profile.
func StartBrowser() (ctx context.Context, stop func(), err error) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		return nil, nil, ErrNoChromium
	}
	dir, err := os.MkdirTemp("", "lifeline-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(Width, Height),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "Translate,WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("lang", "en-GB"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop = func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	// The browser lives as long as the context of its first run: start it
	// on bctx itself, with a watchdog instead of a timeout context.
	started := make(chan struct{})
	go func() {
		select {
		case <-started:
		case <-time.After(60 * time.Second):
			cancelBrowser()
		}
	}()
	err = chromedp.Do(bctx)
	close(started)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("start chromium: %w", err)
	}
	return bctx, stop, nil
}

// Tab is one browser tab in a fresh browser context (its own cookies).
type Tab struct {
	T   testing.TB
	Ctx context.Context // the tab's context, ending with the test or the tab's timeout

	mu  sync.Mutex
	exc []string
}

// NewTab opens a Width×Height tab of browser in a fresh browser context;
// its context ends after timeout. Uncaught JavaScript exceptions fail the
// test; console errors and warnings are logged.
func NewTab(t testing.TB, browser context.Context, timeout time.Duration) *Tab {
	t.Helper()
	tb := &Tab{T: t}
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.exc {
			t.Errorf("uncaught JavaScript exception: %s", e)
		}
	})
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(), chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			tb.mu.Lock()
			tb.exc = append(tb.exc, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
			tb.mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				t.Logf("browser console %s: %s", ev.Type, strings.Join(parts, " "))
			}
		}
	}))
	t.Cleanup(cancel)
	tctx, tcancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(tcancel)
	tb.Ctx = tctx
	tb.Do(chromedp.EmulateViewport(Width, Height))
	return tb
}

// Do runs chromedp actions, failing the test with the page text.
func (tb *Tab) Do(actions ...chromedp.Action[chromedp.Void]) {
	tb.T.Helper()
	if err := chromedp.Do(tb.Ctx, actions...); err != nil {
		tb.T.Fatalf("browser: %v\npage: %s", err, tb.PageText())
	}
}

// Eval evaluates a JavaScript expression (awaiting a promise) into T.
func Eval[T any](tb *Tab, expr string) T {
	tb.T.Helper()
	v, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.T.Fatalf("evaluate %s: %v\npage: %s", expr, err, tb.PageText())
	}
	return v
}

// Wait polls a JavaScript condition every 50 ms until it is truthy.
func (tb *Tab) Wait(what, cond string, timeout time.Duration) {
	tb.T.Helper()
	if !tb.Poll(cond, timeout) {
		tb.T.Fatalf("waiting for %s (%s): timed out after %v\npage: %s", what, cond, timeout, tb.PageText())
	}
}

// Poll is Wait without failing: it reports whether cond became truthy.
func (tb *Tab) Poll(cond string, timeout time.Duration) bool {
	_, err := chromedp.Run(tb.Ctx, chromedp.Poll[bool]("!!("+cond+")", chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	return err == nil
}

// Text is the textContent of the element matching a CSS selector ("" if none).
func (tb *Tab) Text(sel string) string {
	tb.T.Helper()
	return Eval[string](tb, fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "")`, sel))
}

// Visible reports whether the element matching a CSS selector is shown.
func (tb *Tab) Visible(sel string) bool {
	tb.T.Helper()
	return Eval[bool](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.offsetParent !== null })()`, sel))
}

// PageText is the visible text of the page, for failure messages.
func (tb *Tab) PageText() string {
	ctx, cancel := context.WithTimeout(tb.Ctx, 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ""`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return s
}

// Click clicks the element matching a CSS selector.
func (tb *Tab) Click(sel string) {
	tb.T.Helper()
	tb.Do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// TypeInto clears an input, focuses it and types v with key events.
func (tb *Tab) TypeInto(sel, v string) {
	tb.T.Helper()
	Eval[bool](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ''; e.focus(); return true })()`, sel))
	tb.Do(chromedp.SendKeys(chromedp.CSS(sel), v, chromedp.NodeVisible))
}

// Open loads the console at base and waits until it decided between
// sign-in and app.
func (tb *Tab) Open(base string) {
	tb.T.Helper()
	tb.Do(chromedp.Navigate(base + "/"))
	tb.Wait("the console to load", `!document.querySelector('#login-view').hidden || !document.querySelector('#app').hidden`, 15*time.Second)
}

// SignIn signs in through the form (Enter submits) and waits for the
// queue with the live connection up.
func (tb *Tab) SignIn(base, user, pass string) {
	tb.T.Helper()
	tb.Open(base)
	tb.TypeInto("#login-user", user)
	tb.TypeInto("#login-pass", pass+"\r")
	tb.Wait("the console after sign-in", `!document.querySelector('#app').hidden && document.querySelector('#status-dot').classList.contains('connected')`, 15*time.Second)
}

// Screenshot saves a PNG of the viewport as dir/name.png and returns its
// absolute path.
func (tb *Tab) Screenshot(dir, name string) string {
	tb.T.Helper()
	b, err := chromedp.Run(tb.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.T.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.T.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.T.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	tb.T.Logf("screenshot %s", abs)
	return abs
}

// TrackPeerConnections makes every page this tab loads from now on keep
// its RTCPeerConnections in window.__pcs (a test probe, not part of the
// console), for PeerConnectionReport.
func (tb *Tab) TrackPeerConnections() {
	tb.T.Helper()
	if _, err := chromedp.Call(tb.Ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
		const Orig = window.RTCPeerConnection; window.__pcs = [];
		window.RTCPeerConnection = function (...a) { const pc = new Orig(...a); window.__pcs.push(pc); return pc; };
		window.RTCPeerConnection.prototype = Orig.prototype;
	})()`}); err != nil {
		tb.T.Fatal(err)
	}
}

// PeerConnectionReport describes the first tracked peer connection: its
// states, the inbound RTP and the nominated candidate pair.
func (tb *Tab) PeerConnectionReport() string {
	tb.T.Helper()
	return Eval[string](tb, `(async () => { const pc = (window.__pcs || [])[0]; if (!pc) return 'no peer connection';
		const out = [pc.connectionState, pc.iceConnectionState, pc.signalingState];
		(await pc.getStats()).forEach(s => { if (s.type === 'inbound-rtp' || s.type === 'candidate-pair' && s.nominated) out.push(JSON.stringify(s)); });
		return out.join('\n'); })()`)
}

// SessionVideo is a JavaScript expression for the <video> of the session
// view on screen.
const SessionVideo = `document.querySelector('.session:not([hidden]) video')`

// Point is a place on the video as fractions of its width and height.
type Point struct{ X, Y float64 }

// VideoPixels draws the current frame of video (a JavaScript expression)
// on a canvas and returns the RGB of the pixel at each point.
func VideoPixels(tb *Tab, video string, at ...Point) [][]int {
	tb.T.Helper()
	var pts []string
	for _, p := range at {
		pts = append(pts, fmt.Sprintf("px(%g, %g)", p.X, p.Y))
	}
	return Eval[[][]int](tb, `(() => {
		const v = `+video+`;
		const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
		const g = c.getContext('2d', { willReadFrequently: true }); g.drawImage(v, 0, 0);
		const px = (fx, fy) => Array.from(g.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data.slice(0, 3));
		return [`+strings.Join(pts, ", ")+`];
	})()`)
}

// NearColour compares a sampled RGB pixel with a colour, allowing for the
// loss of VP8 and the YUV round trip.
func NearColour(got []int, want color.RGBA) bool {
	const tol = 24
	if len(got) != 3 {
		return false
	}
	abs := func(v int) int { return max(v, -v) }
	return abs(got[0]-int(want.R)) <= tol && abs(got[1]-int(want.G)) <= tol && abs(got[2]-int(want.B)) <= tol
}

// WaitVideoPixels samples video until the pixel at each point is near
// the colour at the same index of want, or fails the test after timeout.
func WaitVideoPixels(tb *Tab, video string, timeout time.Duration, at []Point, want []color.RGBA) {
	tb.T.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := VideoPixels(tb, video, at...)
		ok := len(got) == len(want)
		for i := 0; ok && i < len(want); i++ {
			ok = NearColour(got[i], want[i])
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.T.Fatalf("video pixels %v at %v, want about %v", got, at, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// VideoToPage returns a function that maps a place on video's picture
// (fractions of its width and height) to page coordinates, for mouse
// events: the picture is letterboxed inside the element (object-fit).
func VideoToPage(tb *Tab, video string) func(fx, fy float64) (x, y float64) {
	tb.T.Helper()
	box := Eval[[]float64](tb, `(() => { const v = `+video+`; const r = v.getBoundingClientRect();
		const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight); const w = v.videoWidth * s, h = v.videoHeight * s;
		return [r.left + (r.width - w) / 2, r.top + (r.height - h) / 2, w, h]; })()`)
	return func(fx, fy float64) (float64, float64) { return box[0] + fx*box[2], box[1] + fy*box[3] }
}

// StrayInput sends what a technician might still send at (x, y) in page
// coordinates: a move, a click and two key presses.
func (tb *Tab) StrayInput(x, y float64) {
	tb.T.Helper()
	tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y), chromedp.MouseClickXY(x, y), chromedp.KeyEvent("zz"))
}

// Download clicks sel (a download link) with the tab's downloads going to
// a fresh folder, and returns the file name's bytes once size of them are
// there (or what there is after timeout).
func (tb *Tab) Download(t testing.TB, sel, name string, size int, timeout time.Duration) []byte {
	t.Helper()
	dir := t.TempDir()
	// A Browser-domain command, for the tab's own browser context.
	if _, err := chromedp.CallBrowser(tb.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		BrowserContextID: chromedp.FromContext(tb.Ctx).BrowserContextID}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	tb.Click(sel)
	var b []byte
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var err error
		if b, err = os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) == size {
			break
		}
	}
	return b
}
