package e2e

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/netns"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// screenshots is where the main views are saved (ignored by git).
var screenshots = filepath.Join("..", "testdata", "screenshots")

// TestMain runs the tests in a loopback-only network namespace (as root)
// with one shared Chromium (see consoletest.Main).
func TestMain(m *testing.M) {
	os.Exit(consoletest.Main(m))
}

// TestNetworkIsolated checks what the WebRTC tests run in: as root, a
// network namespace with nothing but loopback.
func TestNetworkIsolated(t *testing.T) {
	netns.CheckIsolated(t)
}

// --- the relay

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

const (
	adminUser, adminPass = "alex", "alex-password"
	techUser, techPass   = "bea", "bea-password"
	adminName            = "Alex from IT"
)

// relay is an in-process relay (relaytest) with the e2e helpers on top.
type relay struct {
	*relaytest.Relay
	t *testing.T
}

// startRelay runs the relay in-process on a real loopback listener, with
// an admin "alex" (Alex from IT) and a technician "bea" (Bea (IT)); mod,
// if not nil, changes its configuration.
func startRelay(t *testing.T, mod func(*server.Config)) *relay {
	t.Helper()
	opts := []relaytest.Option{relaytest.WithoutTechnician(),
		relaytest.WithTechnician(adminUser, adminName, adminPass, true),
		relaytest.WithTechnician(techUser, "Bea (IT)", techPass, false)}
	if mod != nil {
		opts = append(opts, relaytest.WithConfig(mod))
	}
	return &relay{Relay: relaytest.Start(t, opts...), t: t}
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
	c, err := client.Dial(ctx, r.WSURL("/ws/client"), client.Options{NoReconnect: true, Logger: discard()})
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

// desktopDial connects a desktop client without submitting anything.
func desktopDial(t *testing.T, r *relay) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, r.WSURL("/ws/client"), client.Options{NoReconnect: true, Logger: discard()})
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
