package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

const netnsEnv = "LIFELINE_E2E_NETNS"

// browserCtx is the shared headless Chromium (nil: not installed). Each
// test opens its own tab in a fresh browser context (own cookies).
var browserCtx context.Context

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(netnsEnv) == "" && os.Geteuid() == 0 {
		if code, ok := reexecInNetns(); ok {
			return code
		}
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: chromium not installed; browser tests skip (packaging/setup-deps.sh installs it)")
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "lifeline-e2e-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1366, 768),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "Translate,WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("lang", "en-GB"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
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
		fmt.Fprintln(os.Stderr, "e2e: start chromium:", err)
		return 1
	}
	browserCtx = bctx
	return m.Run()
}

// reexecInNetns runs this test binary again under `unshare -n` with only
// loopback up. ok is false when network namespaces are not available.
func reexecInNetns() (code int, ok bool) {
	if _, err := exec.LookPath("ip"); err != nil || exec.Command("unshare", "-n", "true").Run() != nil {
		fmt.Fprintln(os.Stderr, "e2e: unshare -n or ip not available; running in the host network namespace (ICE is still restricted to loopback)")
		return 0, false
	}
	args := append([]string{"-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, os.Args[0]}, os.Args[1:]...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, isExit := err.(*exec.ExitError); isExit {
			return ee.ExitCode(), true
		}
		fmt.Fprintln(os.Stderr, "e2e: re-exec under unshare:", err)
		return 1, true
	}
	return 0, true
}

// TestNetworkIsolated checks what the WebRTC tests run in: as root, a
// network namespace with nothing but loopback.
func TestNetworkIsolated(t *testing.T) {
	if os.Getenv(netnsEnv) != "1" {
		t.Skip("not root or no unshare: running in the host network namespace")
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 {
			t.Errorf("interface %s in the test namespace", i.Name)
		}
	}
}

// --- the relay

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// cheap keeps argon2id fast in tests.
var cheap = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}

const (
	adminUser, adminPass = "alex", "alex-password"
	techUser, techPass   = "bea", "bea-password"
)

type relay struct {
	t    *testing.T
	URL  string
	addr string
	dir  string
	st   *store.SQLite
	srv  *server.Server
	hs   *http.Server
	mod  func(*server.Config)
	done chan struct{}
}

// startRelay runs the relay in-process on a real loopback listener, with
// an admin "alex" (Alex from IT) and a technician "bea" (Bea (IT)).
func startRelay(t *testing.T, mod func(*server.Config)) *relay {
	t.Helper()
	r := &relay{t: t, dir: t.TempDir(), addr: "127.0.0.1:0", mod: mod}
	r.start()
	ctx := context.Background()
	now := time.Now()
	if _, err := server.CreateTechnician(ctx, r.st, cheap, adminUser, "Alex from IT", adminPass, true, now); err != nil {
		t.Fatal(err)
	}
	if _, err := server.CreateTechnician(ctx, r.st, cheap, techUser, "Bea (IT)", techPass, false, now); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	return r
}

func (r *relay) start() {
	t := r.t
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{Store: st, PingInterval: time.Hour, Password: cheap}
	if r.mod != nil {
		r.mod(&cfg)
	}
	srv, err := server.New(ctx, cfg, discard())
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; ; i++ { // after a restart the old port may linger briefly
		ln, err = net.Listen("tcp", r.addr)
		if err == nil || i == 100 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.URL = "http://" + r.addr
	r.st, r.srv = st, srv
	r.hs = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	r.done = make(chan struct{})
	go func(hs *http.Server, done chan struct{}) {
		hs.Serve(ln)
		close(done)
	}(r.hs, r.done)
}

// stop shuts the relay down gracefully (idempotent).
func (r *relay) stop() {
	if r.hs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.hs.Shutdown(ctx)
	r.srv.Shutdown(ctx)
	<-r.done
	r.st.Close()
	r.hs = nil
}

// restart stops the relay and starts it again on the same address and data.
func (r *relay) restart(pause time.Duration) {
	r.stop()
	time.Sleep(pause)
	r.start()
}

func (r *relay) wsURL(path string) string { return "ws" + strings.TrimPrefix(r.URL, "http") + path }

// apiClient is a technician using the JSON API from Go (a colleague).
type apiClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func (r *relay) login(user, pass string) *apiClient {
	r.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &apiClient{t: r.t, base: r.URL, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.call("POST", "/api/login", map[string]string{"username": user, "password": pass}, &me); st != http.StatusOK {
		r.t.Fatalf("login %s: status %d", user, st)
	}
	c.csrf = me.CSRFToken
	return c
}

func (c *apiClient) call(method, path string, body, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// --- desktop clients

// desktop is a real desktop-side relay client that submitted a request.
type desktop struct {
	c   *client.Client
	id  string
	msg chan protocol.Message
}

// submit connects a desktop client and submits req; its messages are
// collected on msg.
func (r *relay) submit(req protocol.RequestSubmit) *desktop {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, r.wsURL("/ws/client"), client.Options{NoReconnect: true, Logger: discard()})
	if err != nil {
		r.t.Fatalf("dial /ws/client: %v", err)
	}
	r.t.Cleanup(func() { c.Close() })
	d := &desktop{c: c, msg: make(chan protocol.Message, 64)}
	go func() {
		for m := range c.Messages() {
			select {
			case d.msg <- m:
			default:
			}
		}
	}()
	acc, err := c.SubmitRequest(ctx, req)
	if err != nil {
		r.t.Fatalf("submit request: %v", err)
	}
	d.id = acc.RequestID
	return d
}

// printerRequest is a help request with the full context a desktop sends.
func printerRequest(name string) protocol.RequestSubmit {
	return protocol.RequestSubmit{
		ClientInfo:  protocol.ClientInfo{Name: name, Contact: "ext 4411", OS: "linux/amd64 Debian 12", AppVersion: "0.3.1"},
		Description: "printer says offline since this morning",
		Guide: &protocol.GuideContext{GuideID: "printer-offline", GuideTitle: "Printer is offline", Steps: []protocol.GuideStep{
			{StepID: "power", Title: "Is the printer switched on?", Answer: "yes, the light is green"},
			{StepID: "queue", Title: "Clear stuck print jobs", Answer: "did not help",
				Check: &protocol.CheckResult{Name: "print-queue", Status: "warn", Detail: "3 jobs stuck"}},
			{StepID: "cable", Title: "Check the network cable", Answer: "plugged in",
				Check: &protocol.CheckResult{Name: "printer-ping", Status: "fail", Detail: "10.0.4.20 does not answer"}},
		}},
		Diagnostics: []protocol.CheckResult{
			{Name: "network", Status: "ok", Detail: "default route via 10.0.0.1"},
			{Name: "disk", Status: "ok", Detail: "41 GB free"},
			{Name: "cups", Status: "fail", Detail: "cupsd not running"},
		},
	}
}

// --- the browser

type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	exc []string
}

// newTab opens a 1366×768 tab in a fresh browser context; uncaught
// JavaScript exceptions fail the test.
func newTab(t *testing.T, timeout time.Duration) *tab {
	t.Helper()
	if browserCtx == nil {
		t.Skip("chromium not installed")
	}
	tb := &tab{t: t}
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.exc {
			t.Errorf("uncaught JavaScript exception: %s", e)
		}
	})
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext(), chromedp.WithListener(func(ev any) {
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
	tb.ctx = tctx
	tb.do(chromedp.EmulateViewport(1366, 768))
	return tb
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v\npage: %s", err, tb.pageText())
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v\npage: %s", expr, err, tb.pageText())
	}
	return v
}

// wait polls a JavaScript condition every 50 ms until it is truthy.
func (tb *tab) wait(what, cond string, timeout time.Duration) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool]("!!("+cond+")", chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		tb.t.Fatalf("waiting for %s (%s): %v\npage: %s", what, cond, err, tb.pageText())
	}
}

// poll is wait without failing: it reports whether cond became truthy.
func (tb *tab) poll(cond string, timeout time.Duration) bool {
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool]("!!("+cond+")", chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	return err == nil
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "")`, sel))
}

func (tb *tab) visible(sel string) bool {
	return eval[bool](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.offsetParent !== null })()`, sel))
}

// pageText is the visible text of the page, for failure messages.
func (tb *tab) pageText() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ""`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return s
}

// click clicks the element matching a CSS selector.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeInto clears an input, focuses it and types v with key events.
func (tb *tab) typeInto(sel, v string) {
	tb.t.Helper()
	eval[bool](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ''; e.focus(); return true })()`, sel))
	tb.do(chromedp.SendKeys(chromedp.CSS(sel), v, chromedp.NodeVisible))
}

// open loads the console and waits until it decided between sign-in and app.
func (tb *tab) open(base string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(base + "/"))
	tb.wait("the console to load", `!document.querySelector('#login-view').hidden || !document.querySelector('#app').hidden`, 15*time.Second)
}

// signIn signs in through the form (Enter submits) and waits for the queue.
func (tb *tab) signIn(base, user, pass string) {
	tb.t.Helper()
	tb.open(base)
	tb.typeInto("#login-user", user)
	tb.typeInto("#login-pass", pass+"\r")
	tb.wait("the console after sign-in", `!document.querySelector('#app').hidden && document.querySelector('#status-dot').classList.contains('connected')`, 15*time.Second)
}

// screenshot saves a PNG of the viewport under relay/console/testdata/screenshots.
func (tb *tab) screenshot(name string) string {
	tb.t.Helper()
	b, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("..", "testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	tb.t.Logf("screenshot %s", abs)
	return abs
}

// desktopDial connects a desktop client without submitting anything.
func desktopDial(t *testing.T, r *relay) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, r.wsURL("/ws/client"), client.Options{NoReconnect: true, Logger: discard()})
	if err != nil {
		t.Fatalf("dial /ws/client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		for range c.Messages() {
		}
	}()
	return c
}
