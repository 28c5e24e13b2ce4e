package client

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// fakeRelay runs handle for each accepted connection (numbered from 0).
func fakeRelay(t *testing.T, handle func(n int, ws *websocket.Conn)) string {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		handle(int(n.Add(1)-1), ws)
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func read(t *testing.T, ws *websocket.Conn) protocol.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Errorf("fake relay read: %v", err)
		return protocol.Message{}
	}
	m, err := protocol.Decode(b)
	if err != nil {
		t.Errorf("fake relay decode: %v", err)
	}
	return m
}

// hold keeps a connection open until the client goes away.
func hold(ws *websocket.Conn) {
	for {
		if _, _, err := ws.Read(context.Background()); err != nil {
			return
		}
	}
}

func write(t *testing.T, ws *websocket.Conn, typ protocol.Type, id, session string, payload any) {
	t.Helper()
	b, _ := protocol.Encode(typ, id, session, payload)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Errorf("fake relay write: %v", err)
	}
}

func dial(t *testing.T, url string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func next(t *testing.T, c *Client) protocol.Message {
	t.Helper()
	select {
	case m, ok := <-c.Messages():
		if !ok {
			t.Fatal("messages closed")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("timeout")
	}
	return protocol.Message{}
}

func TestResumeAfterReconnect(t *testing.T) {
	resumed := make(chan *protocol.RequestResume, 1)
	url := fakeRelay(t, func(n int, ws *websocket.Conn) {
		m := read(t, ws)
		switch n {
		case 0:
			write(t, ws, protocol.TypeRequestAccepted, m.ID, "", &protocol.RequestAccepted{RequestID: "r1", ResumeToken: "tok", State: "waiting", Position: 3})
			// then the relay "restarts": the connection drops
		case 1:
			resumed <- m.Payload.(*protocol.RequestResume)
			write(t, ws, protocol.TypeRequestAccepted, m.ID, "", &protocol.RequestAccepted{RequestID: "r1", ResumeToken: "tok", State: "waiting", Position: 1})
			hold(ws)
		}
	})
	c := dial(t, url)
	acc, err := c.SubmitRequest(context.Background(), protocol.RequestSubmit{Description: "help"})
	if err != nil || acc.Position != 3 {
		t.Fatalf("submit: %+v %v", acc, err)
	}
	r := <-resumed
	if r.RequestID != "r1" || r.ResumeToken != "tok" {
		t.Fatalf("resume sent %+v", r)
	}
	if m := next(t, c); m.Type != protocol.TypeRequestAccepted || m.Payload.(*protocol.RequestAccepted).Position != 1 {
		t.Fatalf("after reconnect got %+v", m)
	}
}

func TestSessionEndsWhenConnectionDrops(t *testing.T) {
	url := fakeRelay(t, func(n int, ws *websocket.Conn) {
		if n > 0 {
			hold(ws)
			return
		}
		m := read(t, ws) // code.redeem
		write(t, ws, protocol.TypeRequestAccepted, m.ID, "", &protocol.RequestAccepted{RequestID: "r1", ResumeToken: "tok", State: "in_session"})
		write(t, ws, protocol.TypeSessionStart, "", "s1", &protocol.SessionStart{SessionID: "s1", RequestID: "r1", Peer: "Alex", Role: protocol.RoleOfferer})
		write(t, ws, protocol.TypeViewRequest, "", "s1", &protocol.Consent{By: "Alex"})
		if g := read(t, ws); g.Type != protocol.TypeViewGrant || g.Session != "s1" {
			t.Errorf("got %s session %q", g.Type, g.Session)
		}
		// drop
	})
	c := dial(t, url)
	if err := c.GrantView(context.Background()); !errors.Is(err, ErrNoSession) {
		t.Fatalf("GrantView outside a session: %v", err)
	}
	if _, err := c.RedeemCode(context.Background(), "123 456 789", protocol.ClientInfo{Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	if m := next(t, c); m.Type != protocol.TypeSessionStart {
		t.Fatalf("got %s", m.Type)
	}
	if m := next(t, c); m.Type != protocol.TypeViewRequest {
		t.Fatalf("got %s", m.Type)
	}
	if err := c.GrantView(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := next(t, c)
	if m.Type != protocol.TypeSessionEnd || m.Payload.(*protocol.SessionEnd).Reason != ReasonConnectionLost || m.Session != "s1" {
		t.Fatalf("got %+v", m)
	}
	if c.SessionID() != "" {
		t.Fatal("session still set")
	}
}

func TestRelayErrorsAndClose(t *testing.T) {
	url := fakeRelay(t, func(n int, ws *websocket.Conn) {
		m := read(t, ws)
		b, _ := protocol.Encode(protocol.TypeError, m.ID, "", &protocol.Error{Code: protocol.CodeRateLimited, Message: "slow down", RetryAfterMS: 2000})
		ws.Write(context.Background(), websocket.MessageText, b)
		hold(ws)
	})
	c := dial(t, url)
	_, err := c.RedeemCode(context.Background(), "1", protocol.ClientInfo{})
	var e *Error
	if !errors.As(err, &e) || e.Code != protocol.CodeRateLimited || e.RetryAfter != 2*time.Second {
		t.Fatalf("err = %v", err)
	}
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if _, ok := <-c.Messages(); ok {
		t.Fatal("messages not closed")
	}
	if err := c.ReportOutcome(context.Background(), protocol.OutcomeReport{Kind: protocol.OutcomeFixed}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
