package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/netns"
	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// browserCtx is the shared headless Chromium (nil: not installed). Each
// test opens its own tab in a fresh browser context (own cookies).
var browserCtx context.Context

// screenshots is where the main views are saved (ignored by git).
var screenshots = filepath.Join("..", "testdata", "screenshots")

func TestMain(m *testing.M) {
	if code, ok := netns.Reexec(); ok {
		os.Exit(code)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bctx, stop, err := consoletest.StartBrowser()
	if errors.Is(err, consoletest.ErrNoChromium) {
		fmt.Fprintln(os.Stderr, "e2e: chromium not installed; browser tests skip (packaging/setup-deps.sh installs it)")
		return m.Run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer stop()
	browserCtx = bctx
	return m.Run()
}

// TestNetworkIsolated checks what the WebRTC tests run in: as root, a
// network namespace with nothing but loopback.
func TestNetworkIsolated(t *testing.T) {
	netns.CheckIsolated(t)
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

// login signs a technician in to the JSON API from Go (a colleague).
func (r *relay) login(user, pass string) *relaytest.API {
	r.t.Helper()
	return relaytest.SignIn(r.t, r.URL, user, pass)
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

// newTab opens a tab in a fresh browser context (see consoletest.NewTab).
func newTab(t *testing.T, timeout time.Duration) *consoletest.Tab {
	t.Helper()
	if browserCtx == nil {
		t.Skip("chromium not installed")
	}
	return consoletest.NewTab(t, browserCtx, timeout)
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
