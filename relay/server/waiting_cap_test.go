package server_test

// A script filling the queue (and the disk), performed over real
// WebSockets from many loopback addresses: past the waiting caps
// request.submit is answered queue_full, nothing is stored, the socket
// stays open, the relay stays healthy, and people from other addresses
// are still served.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// cappedRelay is a relay with the given socket limits (zero: the
// production defaults, which relaytest otherwise lifts for 127.0.0.1) and
// a metrics registry of its own (a new one after a restart).
func cappedRelay(t *testing.T, l server.SocketLimits) (*relay, *prometheus.Registry) {
	var reg *prometheus.Registry
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) {
		if reg == nil {
			reg = prometheus.NewRegistry()
			c.Registry = reg
		}
		c.Sockets = l
	}))
	return r, reg
}

// submitFrom submits one help request from ip and returns the reply:
// request.accepted or the error.
func submitFrom(t *testing.T, r *relay, ip, desc string) (*rawWS, protocol.Message) {
	t.Helper()
	c := mustDial(t, r.WSURL("/ws/client"), fromAddr(ip))
	c.send(protocol.TypeRequestSubmit, "s", submitReq(desc))
	for {
		m, _, err := c.read()
		if err != nil {
			t.Fatalf("submit from %s: %v", ip, err)
		}
		if m.Type == protocol.TypeRequestAccepted || m.Type == protocol.TypeError {
			return c, m
		}
	}
}

func waitingInStore(t *testing.T, r *relay) int {
	t.Helper()
	rs, err := r.Store.Requests(context.Background(), store.StateWaiting)
	if err != nil {
		t.Fatal(err)
	}
	return len(rs)
}

// healthy checks /healthz and /readyz answer.
func healthy(t *testing.T, r *relay) {
	t.Helper()
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(r.URL + p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
}

// perAddr is the per-address cap the tests set: below the submit burst,
// so the cap and not the submit rate is what refuses.
const perAddr = 3

func TestWaitingCapPerAddress(t *testing.T) {
	r, reg := cappedRelay(t, server.SocketLimits{MaxWaitingPerAddr: perAddr})
	var held []*rawWS
	for i := range perAddr {
		c, m := submitFrom(t, r, "127.0.0.5", fmt.Sprintf("flood %d", i))
		if m.Type != protocol.TypeRequestAccepted {
			t.Fatalf("request %d from one address: %s %+v", i, m.Type, m.Payload)
		}
		held = append(held, c)
	}
	// The script goes on: each further request is refused, nothing stored.
	var over *rawWS
	for i := range 10 {
		c, m := submitFrom(t, r, "127.0.0.5", fmt.Sprintf("flood more %d", i))
		held = append(held, c)
		e, ok := m.Payload.(*protocol.Error)
		if !ok || e.Code != protocol.CodeQueueFull || e.Message == "" {
			t.Fatalf("request %d past the cap: %s %+v, want error queue_full", perAddr+i, m.Type, m.Payload)
		}
		over = c
	}
	if n := waitingInStore(t, r); n != perAddr {
		t.Fatalf("%d requests stored, want %d", n, perAddr)
	}
	if v := counterValue(t, reg, "lifeline_ws_refused_total", map[string]string{"endpoint": "client", "reason": "queue_full"}); v != 10 {
		t.Errorf("queue_full refusals counted %v, want 10", v)
	}
	healthy(t, r)
	other, m := submitFrom(t, r, "127.0.0.2", "my screen is frozen") // another address is served
	if m.Type != protocol.TypeRequestAccepted {
		t.Fatalf("another address: %s %+v", m.Type, m.Payload)
	}
	held = append(held, other)

	// The refused socket stays open: once one of the address's requests
	// is cancelled, it may ask again.
	held[0].send(protocol.TypeRequestCancel, "c", nil)
	held[0].next(protocol.TypeRequestCancelled)
	over.send(protocol.TypeRequestSubmit, "again", submitReq("now there is room"))
	if m := over.next(protocol.TypeRequestAccepted); m.ID != "again" {
		t.Fatalf("after a cancel: %+v", m)
	}

	// The caps survive a restart: the queue's addresses are in the store.
	for _, c := range held {
		c.ws.CloseNow() // (or the restart waits for their close handshakes)
	}
	r.Restart()
	if _, m := submitFrom(t, r, "127.0.0.5", "after restart"); m.Type != protocol.TypeError || m.Payload.(*protocol.Error).Code != protocol.CodeQueueFull {
		t.Fatalf("after a restart the address's share is full; got %s %+v", m.Type, m.Payload)
	}
	if _, m := submitFrom(t, r, "127.0.0.6", "other address after restart"); m.Type != protocol.TypeRequestAccepted {
		t.Fatalf("another address after a restart: %s %+v", m.Type, m.Payload)
	}
}

func TestWaitingCapFloodFromManyAddresses(t *testing.T) {
	const capAll = 60
	r, reg := cappedRelay(t, server.SocketLimits{MaxWaiting: capAll})
	r.addTech("alex", false)
	api := r.login("alex")

	// 40 addresses × 3 requests each, all at once: 120 for 60 places.
	var mu sync.Mutex
	var accepted []string
	refused := 0
	var wg sync.WaitGroup
	for a := range 40 {
		for i := range 3 {
			wg.Go(func() {
				_, m := submitFrom(t, r, fmt.Sprintf("127.0.1.%d", a+1), fmt.Sprintf("flood %d/%d", a, i))
				mu.Lock()
				defer mu.Unlock()
				switch p := m.Payload.(type) {
				case *protocol.RequestAccepted:
					accepted = append(accepted, p.RequestID)
				case *protocol.Error:
					if p.Code != protocol.CodeQueueFull {
						t.Errorf("flood: error %s (%s), want queue_full", p.Code, p.Message)
					}
					refused++
				}
			})
		}
	}
	wg.Wait()
	if len(accepted) != capAll || refused != 120-capAll {
		t.Fatalf("flood of 120: %d accepted, %d refused; want %d and %d", len(accepted), refused, capAll, 120-capAll)
	}
	if n := waitingInStore(t, r); n != capAll {
		t.Fatalf("%d requests stored, want %d", n, capAll)
	}
	if v := counterValue(t, reg, "lifeline_ws_refused_total", map[string]string{"endpoint": "client", "reason": "queue_full"}); v != 120-capAll {
		t.Errorf("queue_full refusals counted %v", v)
	}
	healthy(t, r)
	// The console still gets the whole queue.
	con := mustDial(t, r.WSURL("/ws/tech"), api.HTTPClient())
	if items, _ := readSnapshot(t, con); len(items) != capAll {
		t.Fatalf("snapshot of %d, want %d", len(items), capAll)
	}

	// A person from another address is refused while the queue is full,
	// and served once a technician takes a request.
	if _, m := submitFrom(t, r, "127.0.0.2", "my screen is frozen"); m.Type != protocol.TypeError || m.Payload.(*protocol.Error).Code != protocol.CodeQueueFull {
		t.Fatalf("full queue: %s %+v", m.Type, m.Payload)
	}
	if st := api.Call("POST", "/api/requests/"+accepted[0]+"/take", nil, nil); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	if _, m := submitFrom(t, r, "127.0.0.2", "my screen is frozen"); m.Type != protocol.TypeRequestAccepted {
		t.Fatalf("after a take: %s %+v", m.Type, m.Payload)
	}
}
