// Package client is the desktop side of the relay protocol (see package
// relay/protocol): it connects to /ws/client, submits or resumes a help
// request, redeems one-time codes, reports guide outcomes and exchanges
// session messages (consent, signaling, chat) with the technician.
//
// The connection is kept up: when it drops, the client redials with
// exponential backoff and equal jitter (see Backoff) and re-attaches to its
// waiting request with the resume token (requests are persisted by the
// relay, so this also works across a relay restart). A session does not survive a disconnect: the
// relay ends it, and the client delivers a synthetic session.end with reason
// "connection_lost" so the caller stops capture and input at once.
//
// Everything the caller does not get as a direct reply arrives on
// Messages(), which must be drained.
package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// ReasonConnectionLost is the reason of the synthetic session.end delivered
// when the connection drops during a session.
const ReasonConnectionLost = protocol.EndConnectionLost

// State is the connection state reported to Options.OnState.
type State int

// Connection states.
const (
	Connected State = iota
	Disconnected
	Closed
)

func (s State) String() string {
	return [...]string{"connected", "disconnected", "closed"}[s]
}

// Options configure a Client. All fields are optional.
type Options struct {
	// HTTPClient dials the WebSocket (custom TLS roots, proxies).
	HTTPClient *http.Client
	// Header is sent with the WebSocket handshake.
	Header http.Header
	// MinBackoff and MaxBackoff bound the reconnect delay: they are the
	// Min and Max of the Backoff the client redials with (default
	// DefaultMinBackoff, DefaultMaxBackoff).
	MinBackoff, MaxBackoff time.Duration
	// NoReconnect disables reconnecting: the client closes when the socket drops.
	NoReconnect bool
	// RequestID and ResumeToken re-attach to a request submitted by an
	// earlier process (the relay persists waiting requests).
	RequestID, ResumeToken string
	// OnState is called (from the client's goroutine) when the connection
	// state changes; err says why it dropped.
	OnState func(s State, err error)
	// OnWelcome is called (from the client's goroutine) with the relay's
	// welcome, the first message of every connection; welcome is not
	// delivered on Messages(). Relays that predate it send none.
	OnWelcome func(w protocol.Welcome)
	Logger    *slog.Logger
}

// Error is a protocol error returned by the relay.
type Error struct {
	Code       protocol.ErrorCode
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("relay: %s: %s (retry after %v)", e.Code, e.Message, e.RetryAfter)
	}
	return "relay: " + string(e.Code) + ": " + e.Message
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("relay client closed")

// ErrNotConnected is returned when a message cannot be sent because the
// connection is down (the client is reconnecting).
var ErrNotConnected = errors.New("not connected to the relay")

// ErrNoSession is returned by session methods outside a session.
var ErrNoSession = errors.New("no session running")

// Client is a connection to the relay. Its methods are safe for concurrent use.
type Client struct {
	url  string
	opts Options
	log  *slog.Logger
	msgs chan protocol.Message

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	ws        *websocket.Conn
	nextID    int
	pending   map[string]chan protocol.Message
	requestID string
	token     string
	session   string
	welcome   *protocol.Welcome
}

// Dial connects to the relay's /ws/client URL (ws:// or wss://). The first
// connection is made before Dial returns; later ones in the background. If
// opts carries a RequestID and ResumeToken, the request is resumed and the
// relay's reply (request.accepted or error) arrives on Messages().
func Dial(ctx context.Context, url string, opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cctx, cancel := context.WithCancel(context.Background())
	c := &Client{url: url, opts: opts, log: opts.Logger, msgs: make(chan protocol.Message, 64),
		ctx: cctx, cancel: cancel, done: make(chan struct{}), pending: make(map[string]chan protocol.Message),
		requestID: opts.RequestID, token: opts.ResumeToken}
	ws, err := c.dial(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	c.attach(ws)
	go c.run(ws)
	return c, nil
}

func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, c.url, &websocket.DialOptions{HTTPClient: c.opts.HTTPClient, HTTPHeader: c.opts.Header})
	if err != nil {
		return nil, fmt.Errorf("connect to relay %s: %w", c.url, err)
	}
	ws.SetReadLimit(protocol.MaxMessageSize)
	return ws, nil
}

// Messages delivers relay messages that are not direct replies:
// request.position, request.taken, session.start, consent.*, signal.*,
// chat, session.end, and replies to automatic resumes. It is closed by Close.
func (c *Client) Messages() <-chan protocol.Message { return c.msgs }

// RequestID and ResumeToken identify the current help request; persist them
// to resume after the desktop app restarts.
func (c *Client) RequestID() (id, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requestID, c.token
}

// SessionID returns the running session, or "".
func (c *Client) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Close stops the client and waits for its goroutine.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return nil
}

func (c *Client) setState(s State, err error) {
	if c.opts.OnState != nil {
		c.opts.OnState(s, err)
	}
}

// run owns the connection: it reads, and redials when the socket drops.
func (c *Client) run(ws *websocket.Conn) {
	defer close(c.done)
	defer close(c.msgs)
	for {
		c.setState(Connected, nil)
		err := c.readLoop(ws)
		c.detach(ws)
		ws.CloseNow()
		if c.ctx.Err() != nil {
			c.setState(Closed, nil)
			return
		}
		c.setState(Disconnected, err)
		if c.opts.NoReconnect {
			c.setState(Closed, err)
			return
		}
		if ws = c.redial(); ws == nil {
			c.setState(Closed, nil)
			return
		}
		c.attach(ws)
	}
}

// redial reconnects after a drop, waiting before each attempt (the drop
// was the first failure, so a relay that accepts and drops at once is not
// hammered). It returns nil once the client is closed.
func (c *Client) redial() *websocket.Conn {
	var ws *websocket.Conn
	retry := Backoff{Min: c.opts.MinBackoff, Max: c.opts.MaxBackoff}
	err := retry.Retry(c.ctx, func(ctx context.Context, attempt int) error {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var err error
		if ws, err = c.dial(dctx); err != nil {
			c.log.Debug("relay reconnect failed", "attempt", attempt, "err", err)
		}
		return err
	})
	if err != nil {
		return nil
	}
	return ws
}

// attach makes ws current and resumes the waiting request, if any.
func (c *Client) attach(ws *websocket.Conn) {
	c.mu.Lock()
	c.ws = ws
	reqID, token := c.requestID, c.token
	c.mu.Unlock()
	if reqID != "" && token != "" {
		b, err := protocol.Encode(protocol.TypeRequestResume, "resume", "", &protocol.RequestResume{RequestID: reqID, ResumeToken: token})
		if err == nil {
			ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
			ws.Write(ctx, websocket.MessageText, b)
			cancel()
		}
	}
}

// detach forgets ws, fails pending calls and ends a running session locally.
func (c *Client) detach(ws *websocket.Conn) {
	c.mu.Lock()
	if c.ws == ws {
		c.ws = nil
	}
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	sess := c.session
	c.session = ""
	c.mu.Unlock()
	if sess != "" {
		c.deliver(protocol.Message{Type: protocol.TypeSessionEnd, Session: sess, Payload: &protocol.SessionEnd{Reason: ReasonConnectionLost}})
	}
}

func (c *Client) readLoop(ws *websocket.Conn) error {
	for {
		_, b, err := ws.Read(c.ctx)
		if err != nil {
			return err
		}
		m, err := protocol.Decode(b)
		if err != nil {
			c.log.Warn("ignoring malformed relay message", "err", err)
			continue
		}
		if w, ok := m.Payload.(*protocol.Welcome); ok {
			c.mu.Lock()
			c.welcome = w
			c.mu.Unlock()
			if c.opts.OnWelcome != nil {
				c.opts.OnWelcome(*w)
			}
			continue
		}
		c.track(m)
		c.mu.Lock()
		ch := c.pending[m.ID]
		if ch != nil {
			delete(c.pending, m.ID)
		}
		c.mu.Unlock()
		if ch != nil {
			ch <- m // buffered
			continue
		}
		c.deliver(m)
	}
}

// track updates request and session state from incoming messages.
func (c *Client) track(m protocol.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch p := m.Payload.(type) {
	case *protocol.RequestAccepted:
		c.requestID, c.token = p.RequestID, p.ResumeToken
	case *protocol.RequestCancelled:
		c.requestID, c.token = "", ""
	case *protocol.SessionStart:
		c.session = p.SessionID
	case *protocol.SessionEnd:
		if m.Session == c.session {
			c.session = ""
			c.requestID, c.token = "", ""
		}
	case *protocol.Error:
		if m.ID == "resume" && p.Code == protocol.CodeNotFound {
			c.requestID, c.token = "", ""
		}
	}
}

func (c *Client) deliver(m protocol.Message) {
	select {
	case c.msgs <- m:
	case <-c.ctx.Done():
	}
}

// send writes one message on the current connection.
func (c *Client) send(ctx context.Context, typ protocol.Type, id, session string, payload any) error {
	b, err := protocol.Encode(typ, id, session, payload)
	if err != nil {
		return err
	}
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	if ws == nil {
		return ErrNotConnected
	}
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("send %s: %w", typ, err)
	}
	return nil
}

// call sends a message and waits for the reply carrying its id.
func (c *Client) call(ctx context.Context, typ protocol.Type, payload any) (protocol.Message, error) {
	ch := make(chan protocol.Message, 1)
	c.mu.Lock()
	c.nextID++
	id := "c" + strconv.Itoa(c.nextID)
	c.pending[id] = ch
	c.mu.Unlock()
	drop := func() { c.mu.Lock(); delete(c.pending, id); c.mu.Unlock() }
	if err := c.send(ctx, typ, id, "", payload); err != nil {
		drop()
		return protocol.Message{}, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return protocol.Message{}, ErrNotConnected
		}
		if e, isErr := m.Payload.(*protocol.Error); isErr {
			return m, &Error{Code: e.Code, Message: e.Message, RetryAfter: time.Duration(e.RetryAfterMS) * time.Millisecond}
		}
		return m, nil
	case <-ctx.Done():
		drop()
		return protocol.Message{}, ctx.Err()
	case <-c.ctx.Done():
		return protocol.Message{}, ErrClosed
	}
}

// SubmitRequest sends a help request and returns once the relay has stored
// it. Position updates, request.taken and session.start follow on Messages().
func (c *Client) SubmitRequest(ctx context.Context, req protocol.RequestSubmit) (protocol.RequestAccepted, error) {
	m, err := c.call(ctx, protocol.TypeRequestSubmit, &req)
	if err != nil {
		return protocol.RequestAccepted{}, err
	}
	return *m.Payload.(*protocol.RequestAccepted), nil
}

// Resume re-attaches to a request (normally done automatically on reconnect).
func (c *Client) Resume(ctx context.Context, requestID, token string) (protocol.RequestAccepted, error) {
	m, err := c.call(ctx, protocol.TypeRequestResume, &protocol.RequestResume{RequestID: requestID, ResumeToken: token})
	if err != nil {
		return protocol.RequestAccepted{}, err
	}
	return *m.Payload.(*protocol.RequestAccepted), nil
}

// CancelRequest cancels the waiting request.
func (c *Client) CancelRequest(ctx context.Context) error {
	_, err := c.call(ctx, protocol.TypeRequestCancel, nil)
	return err
}

// RedeemCode redeems a one-time code. On success the session starts: the
// session.start message follows on Messages(). A wrong code returns an
// *Error with Code "bad_code"; too many attempts "rate_limited".
func (c *Client) RedeemCode(ctx context.Context, code string, info protocol.ClientInfo) (protocol.RequestAccepted, error) {
	m, err := c.call(ctx, protocol.TypeCodeRedeem, &protocol.CodeRedeem{ClientInfo: info, Code: code})
	if err != nil {
		return protocol.RequestAccepted{}, err
	}
	return *m.Payload.(*protocol.RequestAccepted), nil
}

// ReportOutcome reports a self-help outcome and waits for the relay's ack.
func (c *Client) ReportOutcome(ctx context.Context, o protocol.OutcomeReport) error {
	_, err := c.call(ctx, protocol.TypeOutcomeReport, &o)
	return err
}

// ReportInsights sends up to protocol.MaxInsightEvents insight events and
// waits for the relay's ack.
func (c *Client) ReportInsights(ctx context.Context, events []protocol.InsightEvent) error {
	_, err := c.call(ctx, protocol.TypeInsightEvents, &protocol.InsightEvents{Events: events})
	return err
}

// ClaimFollowups names ended requests this desktop made (with their
// resume tokens) so that the relay may send followup.offer for them on
// Messages(); it waits for the ack.
func (c *Client) ClaimFollowups(ctx context.Context, reqs []protocol.FollowupRequest) error {
	_, err := c.call(ctx, protocol.TypeFollowupClaim, &protocol.FollowupClaim{Requests: reqs})
	return err
}

// AnswerFollowup answers a followup.offer and waits for the ack. With
// Working false the relay puts the request back in the queue and sends
// request.accepted for it on Messages() (the client then holds it).
func (c *Client) AnswerFollowup(ctx context.Context, a protocol.FollowupAnswer) error {
	_, err := c.call(ctx, protocol.TypeFollowupAnswer, &a)
	return err
}

// Welcome returns the relay's latest welcome; false before one came (or
// from a relay that sends none).
func (c *Client) Welcome() (protocol.Welcome, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.welcome == nil {
		return protocol.Welcome{}, false
	}
	return *c.welcome, true
}

// SendSession sends a session message (consent answer, signal, chat,
// session.end) in the running session.
func (c *Client) SendSession(ctx context.Context, typ protocol.Type, payload any) error {
	sess := c.SessionID()
	if sess == "" {
		return ErrNoSession
	}
	if spec, ok := protocol.SpecOf(typ); !ok || !spec.Session || spec.From&protocol.FromClient == 0 {
		return fmt.Errorf("%s is not a client session message", typ)
	}
	return c.send(ctx, typ, "", sess, payload)
}

// GrantView answers consent.view.request with yes.
func (c *Client) GrantView(ctx context.Context) error {
	return c.SendSession(ctx, protocol.TypeViewGrant, &protocol.Consent{})
}

// DenyView answers consent.view.request with no (also on the 60 s timeout).
func (c *Client) DenyView(ctx context.Context, reason protocol.ConsentReason) error {
	return c.SendSession(ctx, protocol.TypeViewDeny, &protocol.Consent{Reason: reason})
}

// GrantControl answers consent.control.request with yes.
func (c *Client) GrantControl(ctx context.Context) error {
	return c.SendSession(ctx, protocol.TypeControlGrant, &protocol.Consent{})
}

// DenyControl answers consent.control.request with no.
func (c *Client) DenyControl(ctx context.Context, reason protocol.ConsentReason) error {
	return c.SendSession(ctx, protocol.TypeControlDeny, &protocol.Consent{Reason: reason})
}

// RevokeControl withdraws a granted control permission.
func (c *Client) RevokeControl(ctx context.Context) error {
	return c.SendSession(ctx, protocol.TypeControlRevoke, &protocol.Consent{})
}

// SendOffer sends the WebRTC offer (the desktop is the offerer).
func (c *Client) SendOffer(ctx context.Context, sdp string) error {
	return c.SendSession(ctx, protocol.TypeOffer, &protocol.SDP{SDP: sdp})
}

// SendCandidate trickles an ICE candidate.
func (c *Client) SendCandidate(ctx context.Context, cand protocol.Candidate) error {
	return c.SendSession(ctx, protocol.TypeCandidate, &cand)
}

// Chat sends a chat line.
func (c *Client) Chat(ctx context.Context, text string) error {
	return c.SendSession(ctx, protocol.TypeChat, &protocol.Chat{Text: text})
}

// EndSession ends the running session.
func (c *Client) EndSession(ctx context.Context, reason protocol.EndReason) error {
	err := c.SendSession(ctx, protocol.TypeSessionEnd, &protocol.SessionEnd{Reason: reason})
	if err == nil {
		c.mu.Lock()
		c.session = ""
		c.requestID, c.token = "", ""
		c.mu.Unlock()
	}
	return err
}
