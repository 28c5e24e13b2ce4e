package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// relay is a relaytest relay on a fake clock, with no account until
// addTech makes one.
type relay struct {
	*relaytest.Relay
	t     testing.TB
	clock *relaytest.Clock
}

func startRelay(t testing.TB, opts ...relaytest.Option) *relay {
	t.Helper()
	clock := relaytest.NewClock(time.Time{})
	opts = append([]relaytest.Option{relaytest.WithClock(clock.Now), relaytest.WithoutTechnician()}, opts...)
	return &relay{Relay: relaytest.Start(t, opts...), t: t, clock: clock}
}

// addTech creates name with password name+"-password" and display name Name.
func (r *relay) addTech(name string, admin bool) store.Technician {
	r.t.Helper()
	return r.AddTechnician(name, strings.ToUpper(name[:1])+name[1:], name+"-password", admin)
}

// tech is a signed-in console account.
type tech struct {
	*relaytest.API
	t testing.TB
}

func (r *relay) login(name string) *tech {
	r.t.Helper()
	return &tech{API: r.SignIn(r.t, name, name+"-password"), t: r.t}
}

// anonymous is an API client that has not signed in.
func (r *relay) anonymous() *tech {
	return &tech{API: relaytest.NewAPI(r.t, r.URL), t: r.t}
}

// do sends a JSON API request with the CSRF token and decodes the reply,
// whatever its status, into out (a *string receives the raw body).
func (tc *tech) do(method, path string, body, out any) int {
	tc.t.Helper()
	return tc.doHeader(method, path, body, out, http.Header{csrfHeader: {tc.CSRF()}})
}

// doHeader is do with exactly the headers in hdr.
func (tc *tech) doHeader(method, path string, body, out any, hdr http.Header) int {
	tc.t.Helper()
	st, b := tc.Do(method, path, body, hdr)
	if out != nil && len(b) > 0 {
		if s, ok := out.(*string); ok {
			*s = string(b)
		} else if err := json.Unmarshal(b, out); err != nil {
			tc.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return st
}

// ws opens the technician's console socket.
func (tc *tech) ws() *relaytest.Socket {
	tc.t.Helper()
	return tc.Console()
}

const csrfHeader = "X-CSRF-Token"

// The JSON shapes of the API, as a console reads them.
type (
	userRecord struct {
		ID          int64  `json:"id"`
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
	}
	meRecord struct {
		User      userRecord `json:"user"`
		CSRFToken string     `json:"csrf_token"`
	}
	sessionRecord struct {
		ID               string             `json:"id"`
		RequestID        string             `json:"request_id"`
		EndedAt          *time.Time         `json:"ended_at"`
		EndReason        protocol.EndReason `json:"end_reason"`
		ViewGrantedAt    *time.Time         `json:"view_granted_at"`
		ControlGrantedAt *time.Time         `json:"control_granted_at"`
		Notes            string             `json:"notes"`
		Category         string             `json:"category"`
	}
	apiError struct {
		Error string `json:"error"`
	}
)

func submitReq(desc string) *protocol.RequestSubmit {
	return &protocol.RequestSubmit{
		ClientInfo:  protocol.ClientInfo{Name: "Ana", Contact: "ext 42", OS: "linux", AppVersion: "0.1.0"},
		Description: desc,
		Guide: &protocol.GuideContext{GuideID: "printer-offline", GuideTitle: "Printer is offline", Steps: []protocol.GuideStep{
			{StepID: "power", Title: "Is it on?", Answer: "yes", Check: &protocol.CheckResult{Name: "spooler", Status: "warn", Detail: "3 jobs stuck"}},
		}},
		Diagnostics: []protocol.CheckResult{{Name: "network", Status: "ok", Detail: "route to 10.0.0.1"}},
	}
}

// goClient dials with the real client package.
func (r *relay) goClient(opts client.Options) *client.Client {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts.Logger = slog.New(slog.DiscardHandler)
	c, err := client.Dial(ctx, r.WSURL("/ws/client"), opts)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	return c
}

func nextMsg(t testing.TB, c *client.Client, typ protocol.Type) protocol.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				t.Fatalf("client closed while waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
			if m.Type == protocol.TypeRequestPosition {
				continue
			}
			t.Fatalf("got %s %+v, want %s", m.Type, m.Payload, typ)
		case <-timeout:
			t.Fatalf("timeout waiting for %s", typ)
		}
	}
}

func ctx10s(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (r *relay) auditActions(sessionID string) []protocol.AuditAction {
	r.t.Helper()
	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{SessionID: sessionID})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []protocol.AuditAction
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func (r *relay) dialClient() *relaytest.Socket {
	r.t.Helper()
	return r.DialClient(r.t)
}

// mustTech is the account tc is signed in as.
func mustTech(tc *tech) userRecord {
	var me meRecord
	tc.do("GET", "/api/me", nil, &me)
	return me.User
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }
