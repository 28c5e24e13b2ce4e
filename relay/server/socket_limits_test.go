package server_test

// Exhaustion over the protocol sockets, performed: too many sockets from
// one address, a message flood on one socket, and floods of the messages
// that make the relay store something (request.submit / request.cancel,
// outcome.report). Each is refused, and a normal desktop, from another
// address, still gets served meanwhile.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// rawWS is a protocol socket the test reads itself, frame by frame.
type rawWS struct {
	t  testing.TB
	ws *websocket.Conn
}

// fromAddr is an HTTP client whose connections leave from the loopback
// address ip (all of 127/8 is loopback on Linux): another "client
// address" as the relay sees it.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// tryDial opens url; a refused upgrade returns the HTTP status.
func tryDial(t testing.TB, url string, hc *http.Client) (*rawWS, int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		st := 0
		if resp != nil {
			st = resp.StatusCode
		}
		return nil, st, err
	}
	ws.SetReadLimit(protocol.MaxMessageSize)
	t.Cleanup(func() { ws.CloseNow() })
	return &rawWS{t: t, ws: ws}, resp.StatusCode, nil
}

func mustDial(t testing.TB, url string, hc *http.Client) *rawWS {
	t.Helper()
	s, _, err := tryDial(t, url, hc)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return s
}

func (s *rawWS) send(typ protocol.Type, id string, payload any) {
	s.t.Helper()
	b, err := protocol.Encode(typ, id, "", payload)
	if err != nil {
		s.t.Fatal(err)
	}
	s.writeRaw(b)
}

func (s *rawWS) writeRaw(b []byte) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame decoded (past the welcome), and its size;
// err when the socket closed (websocket.CloseStatus(err) gives the status).
func (s *rawWS) read() (protocol.Message, int, error) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, b, err := s.ws.Read(ctx)
		if err != nil {
			return protocol.Message{}, 0, err
		}
		m, err := protocol.Decode(b)
		if err != nil {
			s.t.Fatalf("relay sent an undecodable frame (%d bytes): %v", len(b), err)
		}
		if m.Type == protocol.TypeWelcome {
			continue // every desktop socket's first message
		}
		return m, len(b), nil
	}
}

// next returns the next message of type typ, skipping position updates
// and queue announcements.
func (s *rawWS) next(typ protocol.Type) protocol.Message {
	s.t.Helper()
	for {
		m, _, err := s.read()
		if err != nil {
			s.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
		switch m.Type {
		case protocol.TypeRequestPosition, protocol.TypeQueueAdded, protocol.TypeQueueUpdated:
			continue
		}
		s.t.Fatalf("got %s %+v, want %s", m.Type, m.Payload, typ)
	}
}

func (s *rawWS) nextError(code protocol.ErrorCode) *protocol.Error {
	s.t.Helper()
	e := s.next(protocol.TypeError).Payload.(*protocol.Error)
	if e.Code != code {
		s.t.Fatalf("error %q (%s), want %q", e.Code, e.Message, code)
	}
	return e
}

// closed reads until the relay closes the socket and returns the status.
func (s *rawWS) closed() websocket.StatusCode {
	s.t.Helper()
	for {
		if _, _, err := s.read(); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// counterValue is the value of the counter name with labels in reg.
func counterValue(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// limitedRelay is a relay on a frozen clock (no token comes back unless
// the test advances it) with its own metrics registry.
func limitedRelay(t *testing.T) (*relay, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.Registry = reg }))
	return r, reg
}

// normalDesktop checks that a desktop from another address is served: its
// help request is accepted.
func normalDesktop(t *testing.T, r *relay) {
	t.Helper()
	c := mustDial(t, r.WSURL("/ws/client"), fromAddr("127.0.0.2"))
	c.send(protocol.TypeRequestSubmit, "ok", submitReq("my screen is frozen"))
	if acc := c.next(protocol.TypeRequestAccepted); acc.ID != "ok" {
		t.Fatalf("accepted %+v", acc)
	}
}

func TestClientSocketCapPerAddress(t *testing.T) {
	r, reg := limitedRelay(t)
	const limit = 32 // the default ClientConnsPerAddr
	held := make([]*rawWS, 0, limit)
	for range limit {
		held = append(held, mustDial(t, r.WSURL("/ws/client"), nil))
	}
	for range 3 {
		if _, st, err := tryDial(t, r.WSURL("/ws/client"), nil); err == nil || st != http.StatusTooManyRequests {
			t.Fatalf("socket %d from one address: status %d, err %v; want 429", limit+1, st, err)
		}
	}
	if got := counterValue(t, reg, "lifeline_ws_refused_total", map[string]string{"endpoint": "client", "reason": "connections"}); got != 3 {
		t.Errorf("refused connections counted %v, want 3", got)
	}
	// The sockets held are served all the same, and so is another address.
	held[0].send(protocol.TypeRequestSubmit, "h", submitReq("held socket"))
	held[0].next(protocol.TypeRequestAccepted)
	normalDesktop(t, r)

	// A socket closed gives its place back.
	held[1].ws.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, st, err := tryDial(t, r.WSURL("/ws/client"), nil)
		if err == nil {
			break
		}
		if st != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("after a close: status %d, err %v", st, err)
		}
		time.Sleep(20 * time.Millisecond) // the relay's handler returns just after the close
	}
}

func TestTechSocketCapPerAddress(t *testing.T) {
	r, _ := limitedRelay(t)
	r.addTech("alex", false)
	api := r.login("alex")
	const limit = 16 // the default TechConnsPerAddr
	for range limit {
		s := mustDial(t, r.WSURL("/ws/tech"), api.HTTPClient())
		s.next(protocol.TypeQueueSnapshot)
	}
	if _, st, err := tryDial(t, r.WSURL("/ws/tech"), api.HTTPClient()); err == nil || st != http.StatusTooManyRequests {
		t.Fatalf("console socket %d: status %d, err %v; want 429", limit+1, st, err)
	}
	// Desktops are counted apart.
	c := mustDial(t, r.WSURL("/ws/client"), nil)
	c.send(protocol.TypeRequestSubmit, "a", submitReq("printer"))
	c.next(protocol.TypeRequestAccepted)
}

func TestMessageFloodClosesSocket(t *testing.T) {
	for _, endpoint := range []string{"client", "tech"} {
		open := func(t *testing.T) (*relay, *prometheus.Registry, *rawWS) {
			r, reg := limitedRelay(t)
			r.addTech("alex", false)
			if endpoint == "client" {
				return r, reg, mustDial(t, r.WSURL("/ws/client"), nil)
			}
			s := mustDial(t, r.WSURL("/ws/tech"), r.login("alex").HTTPClient())
			s.next(protocol.TypeQueueSnapshot)
			return r, reg, s
		}
		// Chat outside a session: each is refused (not_allowed) until the
		// burst (100, the clock stands still) is spent, then the socket is cut.
		chat, _ := protocol.Encode(protocol.TypeChat, "", "s-none", &protocol.Chat{Text: "spam"})
		t.Run(endpoint+" paced", func(t *testing.T) {
			r, reg, s := open(t)
			for range 100 {
				s.writeRaw(chat)
				s.nextError(protocol.CodeNotAllowed)
			}
			s.writeRaw(chat)
			s.nextError(protocol.CodeRateLimited)
			if st := s.closed(); st != websocket.StatusPolicyViolation {
				t.Fatalf("closed with %v, want 1008", st)
			}
			if got := counterValue(t, reg, "lifeline_ws_refused_total", map[string]string{"endpoint": endpoint, "reason": "message_rate"}); got != 1 {
				t.Errorf("message floods counted %v, want 1", got)
			}
			normalDesktop(t, r)
		})
		t.Run(endpoint+" unpaced", func(t *testing.T) {
			r, reg, s := open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			go func() { // while the test reads
				for range 1000 {
					if s.ws.Write(ctx, websocket.MessageText, chat) != nil {
						return // the relay closed it
					}
				}
			}()
			answered := 0
			for {
				m, _, err := s.read()
				if err != nil {
					// 1008, or cut short (a reset or EOF: the relay closed
					// with the rest of the flood unread).
					if st := websocket.CloseStatus(err); st != -1 && st != websocket.StatusPolicyViolation {
						t.Fatalf("closed with %v (%v), want 1008 or cut", st, err)
					}
					break
				}
				if e, ok := m.Payload.(*protocol.Error); ok && e.Code == protocol.CodeNotAllowed {
					answered++
				}
			}
			// Cut by the message rate, or sooner, for not reading its
			// answers (a slow peer): counted either way.
			cut := counterValue(t, reg, "lifeline_ws_refused_total", map[string]string{"endpoint": endpoint, "reason": "message_rate"}) +
				counterValue(t, reg, "lifeline_ws_send_failures_total", map[string]string{"reason": "slow_peer"})
			if answered > 100 || cut != 1 {
				t.Fatalf("flood: %d answered, %v cuts counted; want at most 100 and 1", answered, cut)
			}
			// Another socket of the same address is not affected.
			c := mustDial(t, r.WSURL("/ws/client"), nil)
			c.send(protocol.TypeRequestSubmit, "a", submitReq("still here"))
			c.next(protocol.TypeRequestAccepted)
		})
	}
}

func TestSubmitAndCancelFloodThrottled(t *testing.T) {
	r, reg := limitedRelay(t)
	ctx := ctx10s(t)
	c := mustDial(t, r.WSURL("/ws/client"), nil)
	// Submit, cancel, submit…: 20 tokens (SubmitBurst) for both, then
	// rate_limited, nothing stored, the socket left open.
	stored := 0
	var refused *protocol.Error
	for i := 0; refused == nil && i < 100; i++ {
		typ, payload := protocol.TypeRequestSubmit, any(submitReq(fmt.Sprint("flood ", i)))
		if i%2 == 1 {
			typ, payload = protocol.TypeRequestCancel, nil
		}
		c.send(typ, fmt.Sprint("m", i), payload)
		m, _, err := c.read()
		for err == nil && m.Type == protocol.TypeRequestPosition {
			m, _, err = c.read()
		}
		switch {
		case err != nil:
			t.Fatalf("message %d: socket closed: %v", i, err)
		case m.Type == protocol.TypeError:
			refused = m.Payload.(*protocol.Error)
		case m.Type == protocol.TypeRequestAccepted:
			stored++
		}
	}
	if refused == nil || refused.Code != protocol.CodeRateLimited || refused.RetryAfterMS <= 0 {
		t.Fatalf("flood not refused: %+v", refused)
	}
	if stored != 10 {
		t.Errorf("%d requests accepted, want 10 (20 tokens for submit and cancel)", stored)
	}
	all, err := r.Store.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 10 {
		t.Errorf("store holds %d requests, want 10", len(all))
	}
	if got := counterValue(t, reg, "lifeline_ws_refused_total", map[string]string{"endpoint": "client", "reason": "submit_rate"}); got != 1 {
		t.Errorf("throttled submits counted %v, want 1", got)
	}
	// Another address is served; this one again once the wait is over.
	normalDesktop(t, r)
	r.clock.Advance(time.Duration(refused.RetryAfterMS) * time.Millisecond)
	c.send(protocol.TypeRequestSubmit, "later", submitReq("after the wait"))
	c.next(protocol.TypeRequestAccepted)
}

// ackedOrLimited sends payload n times on c and counts the acks and the
// rate_limited errors; any other reply fails the test.
func ackedOrLimited(t *testing.T, c *rawWS, n int, typ protocol.Type, payload any) (acks, limited int) {
	t.Helper()
	for i := range n {
		c.send(typ, fmt.Sprint("m", i), payload)
		m, _, err := c.read()
		if err != nil {
			t.Fatalf("socket closed: %v", err)
		}
		switch {
		case m.Type == protocol.TypeAck:
			acks++
		case m.Type == protocol.TypeError && m.Payload.(*protocol.Error).Code == protocol.CodeRateLimited:
			limited++
		default:
			t.Fatalf("got %s %+v", m.Type, m.Payload)
		}
	}
	return acks, limited
}

func TestOutcomeFloodThrottled(t *testing.T) {
	r, _ := limitedRelay(t)
	ctx := ctx10s(t)
	// Spread over sockets of one address: the bucket is the address's.
	acks, limited := 0, 0
	for range 5 {
		c := mustDial(t, r.WSURL("/ws/client"), nil)
		a, l := ackedOrLimited(t, c, 10, protocol.TypeOutcomeReport, &protocol.OutcomeReport{Kind: protocol.OutcomeFixed, GuideID: "printer-offline", StepID: "power"})
		acks, limited = acks+a, limited+l
	}
	if acks != 30 || limited != 20 {
		t.Errorf("50 reports: %d stored, %d refused; want 30 and 20", acks, limited)
	}
	sum, err := r.Store.OutcomeSummary(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range sum {
		n += s.Count
	}
	if n != 30 {
		t.Errorf("store holds %d outcomes, want 30", n)
	}
	// Another address still reports.
	o := mustDial(t, r.WSURL("/ws/client"), fromAddr("127.0.0.2"))
	o.send(protocol.TypeOutcomeReport, "x", &protocol.OutcomeReport{Kind: protocol.OutcomeAbandoned})
	o.next(protocol.TypeAck)
}
