package server_test

// "A busy queue goes blank", performed: 200 waiting requests of ~1.5 KB
// reach a console that opens then (queue.snapshot in parts), a request
// that escaping would blow past the frame cap is refused at submit, and a
// queue message the relay cannot encode is logged, counted and replaced
// by error queue_incomplete, after which the queue is on GET /api/requests.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// busyReq is a realistic ~1.5 KB help request: a paragraph, a guide path
// and a few checks.
func busyReq(i int) *protocol.RequestSubmit {
	p := submitReq(fmt.Sprintf("Request %d. ", i) + strings.Repeat("Since this morning the printer on the second floor shows offline and my print jobs stay in the queue. ", 9))
	p.Guide.Steps = append(p.Guide.Steps,
		protocol.GuideStep{StepID: "cable", Title: "Is the network cable plugged in at both ends?", Answer: "yes"},
		protocol.GuideStep{StepID: "restart", Title: "Turn the printer off and on again", Answer: "did not help"})
	p.Diagnostics = append(p.Diagnostics, protocol.CheckResult{Name: "spooler", Status: "warn", Detail: "3 jobs waiting since 08:12"})
	return p
}

// readSnapshot reads a console's queue.snapshot parts and returns the
// requests, checking the parts come 1 … n in a row, each within the cap.
func readSnapshot(t *testing.T, s *rawWS) (items []protocol.QueueItem, parts int) {
	t.Helper()
	for {
		m, size, err := s.read()
		if err != nil {
			t.Fatalf("reading the snapshot: %v", err)
		}
		if m.Type != protocol.TypeQueueSnapshot {
			t.Fatalf("got %s %+v inside the snapshot", m.Type, m.Payload)
		}
		if size > protocol.MaxMessageSize {
			t.Fatalf("snapshot part of %d bytes", size)
		}
		p := m.Payload.(*protocol.QueueSnapshot)
		if p.Part != parts+1 || p.Parts < p.Part {
			t.Fatalf("part %d of %d after part %d", p.Part, p.Parts, parts)
		}
		parts = p.Part
		items = append(items, p.Requests...)
		if p.Part == p.Parts {
			return items, parts
		}
	}
}

func TestBusyQueueReachesConsole(t *testing.T) {
	r, reg := limitedRelay(t)
	// 200 desktops of one loopback address, all at once.
	r.Server.SetSocketLimits(server.SocketLimits{ClientConnsPerAddr: 300, SubmitRate: rate.Inf, MaxWaitingPerAddr: -1})
	r.addTech("alex", false)
	api := r.login("alex")
	live := mustDial(t, r.WSURL("/ws/tech"), api.HTTPClient())
	if items, _ := readSnapshot(t, live); len(items) != 0 {
		t.Fatalf("empty relay: snapshot of %d", len(items))
	}

	it, _ := json.Marshal(protocol.QueueItem{Description: busyReq(0).Description, Guide: busyReq(0).Guide, Diagnostics: busyReq(0).Diagnostics})
	if len(it) < 1400 || len(it) > 2000 {
		t.Fatalf("a request encodes to %d bytes, want about 1.5 KB", len(it))
	}
	const n = 200
	var want []string
	for i := range n {
		c := mustDial(t, r.WSURL("/ws/client"), nil)
		c.send(protocol.TypeRequestSubmit, "s", busyReq(i))
		want = append(want, c.next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID)
	}
	// The console that was open saw every one announced.
	for i := range n {
		m, _, err := live.read()
		if err != nil || m.Type != protocol.TypeQueueAdded {
			t.Fatalf("announcement %d: %s %v", i, m.Type, err)
		}
	}

	// One that opens now gets all 200, in order, in several parts.
	con := mustDial(t, r.WSURL("/ws/tech"), api.HTTPClient())
	items, parts := readSnapshot(t, con)
	got := make([]string, 0, len(items))
	for _, it := range items {
		got = append(got, it.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("snapshot holds %d requests, want the %d submitted, oldest first", len(got), n)
	}
	if parts < 4 {
		t.Errorf("%d requests of ~1.5 KB in %d parts: want at least 4 (64 KiB each)", n, parts)
	}
	t.Logf("%d requests, %d bytes each encoded: %d snapshot parts", n, len(it), parts)
	var listed []protocol.QueueItem
	if st := api.Call("GET", "/api/requests", nil, &listed); st != http.StatusOK || len(listed) != n {
		t.Fatalf("GET /api/requests: %d, %d requests", st, len(listed))
	}
	if f := counterValue(t, reg, "lifeline_ws_send_failures_total", nil); f != 0 {
		t.Errorf("%v messages not sent", f)
	}
}

// submitFrame is a request.submit written by hand, with its text raw
// (a '<' is one byte on the wire, six once the relay encodes it).
func submitFrame(id, description string, steps int, stepText string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"v":1,"type":"request.submit","id":%q,"data":{"name":"Ana","description":"%s","guide":{"guide_id":"g","steps":[`, id, description)
	for i := range steps {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"step_id":"s%d","title":"%s"}`, i, stepText)
	}
	b.WriteString(`]}}}`)
	return []byte(b.String())
}

func TestOversizedRequestRefusedAtSubmit(t *testing.T) {
	r, reg := limitedRelay(t)
	r.addTech("alex", false)
	api := r.login("alex")
	live := mustDial(t, r.WSURL("/ws/tech"), api.HTTPClient())
	readSnapshot(t, live)
	lt := func(n int) string { return strings.Repeat("<", n) }

	t.Run("escapes past the cap", func(t *testing.T) {
		// Within every field limit and the frame cap (about 60 KB sent),
		// but 350 KB once escaped: refused, and the socket stays usable.
		frame := submitFrame("big", lt(protocol.MaxDescription), 26, lt(protocol.MaxItemText))
		if len(frame) > protocol.MaxMessageSize {
			t.Fatalf("frame of %d bytes", len(frame))
		}
		c := mustDial(t, r.WSURL("/ws/client"), nil)
		c.writeRaw(frame)
		e := c.nextError(protocol.CodeTooLarge)
		if !strings.Contains(e.Message, "shorten") {
			t.Errorf("message %q does not say what to do", e.Message)
		}
		c.send(protocol.TypeRequestSubmit, "small", submitReq("printer offline"))
		acc := c.next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted)
		if m := live.next(protocol.TypeQueueAdded); m.Payload.(*protocol.QueueItem).ID != acc.RequestID {
			t.Fatalf("console got %+v, want the small request", m.Payload)
		}
	})
	t.Run("48 KiB of < in the description", func(t *testing.T) {
		c := mustDial(t, r.WSURL("/ws/client"), nil)
		c.writeRaw(submitFrame("desc", lt(48<<10), 0, ""))
		c.nextError(protocol.CodeBadMessage) // over the description's limit
		if st := c.closed(); st != websocket.StatusPolicyViolation {
			t.Fatalf("closed with %v", st)
		}
	})
	t.Run("8000 < fits", func(t *testing.T) {
		// The most '<' a description holds encodes to 48 KB: kept, and
		// announced whole.
		c := mustDial(t, r.WSURL("/ws/client"), nil)
		c.writeRaw(submitFrame("fits", lt(protocol.MaxDescription), 0, ""))
		acc := c.next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted)
		m := live.next(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
		if m.ID != acc.RequestID || m.Description != lt(protocol.MaxDescription) {
			t.Fatalf("console got %s with %d bytes of description", m.ID, len(m.Description))
		}
	})

	all, err := r.Store.Requests(ctx10s(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("store holds %d requests, want 2 (the small one and the one that fits)", len(all))
	}
	if got := counterValue(t, reg, "lifeline_ws_refused_total", map[string]string{"endpoint": "client", "reason": "too_large"}); got != 1 {
		t.Errorf("too large requests counted %v, want 1", got)
	}
	con := mustDial(t, r.WSURL("/ws/tech"), api.HTTPClient())
	if items, _ := readSnapshot(t, con); len(items) != 2 {
		t.Errorf("snapshot of %d, want 2", len(items))
	}
}

func TestUnsendableRequestReloadsOverHTTP(t *testing.T) {
	// A request stored before the size cap, too large for any message.
	dir := t.TempDir()
	ctx := ctx10s(t)
	st, err := store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	at := relaytest.NewClock(time.Time{}).Now().Add(-time.Hour)
	huge := store.Request{ID: "r-huge", State: store.StateWaiting, Source: "request", Name: "Old", Description: strings.Repeat("<", 20000), CreatedAt: at}
	small := store.Request{ID: "r-small", State: store.StateWaiting, Source: "request", Name: "Ana", Description: "printer", CreatedAt: at.Add(time.Minute)}
	for _, x := range []*store.Request{&huge, &small} {
		if err := st.CreateRequest(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	reg := prometheus.NewRegistry()
	r := startRelay(t, relaytest.WithDataDir(dir), relaytest.WithConfig(func(c *server.Config) { c.Registry = reg }))
	r.addTech("alex", false)
	api := r.login("alex")
	con := mustDial(t, r.WSURL("/ws/tech"), api.HTTPClient())
	items, _ := readSnapshot(t, con)
	if len(items) != 1 || items[0].ID != "r-small" {
		t.Fatalf("snapshot %+v, want r-small alone", items)
	}
	// Not silent: the console is told, the failure logged and counted.
	m, _, err := con.read()
	if err != nil || m.Type != protocol.TypeError || m.ID != "" || m.Payload.(*protocol.Error).Code != protocol.CodeQueueIncomplete {
		t.Fatalf("after the snapshot: %s %+v %v, want error queue_incomplete", m.Type, m.Payload, err)
	}
	if f := counterValue(t, reg, "lifeline_ws_send_failures_total", map[string]string{"reason": "encode"}); f < 1 {
		t.Errorf("send failures counted %v", f)
	}
	// What the console then loads has both.
	var listed []protocol.QueueItem
	if st := api.Call("GET", "/api/requests?state=waiting", nil, &listed); st != http.StatusOK || len(listed) != 2 || listed[0].Description != huge.Description {
		t.Fatalf("GET /api/requests: %d, %d requests", st, len(listed))
	}
	// Taken, it still starts a session on the console (its context on the
	// request's page), and its announcement is replaced by queue_incomplete.
	if st := api.Call("POST", "/api/requests/r-huge/take", nil, nil); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	var gotIncomplete, gotStart bool
	for !gotIncomplete || !gotStart {
		m, _, err := con.read()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case m.Type == protocol.TypeSessionStart:
			gotStart = m.Payload.(*protocol.SessionStart).RequestID == "r-huge"
		case m.Type == protocol.TypeError && m.Payload.(*protocol.Error).Code == protocol.CodeQueueIncomplete:
			gotIncomplete = true
		default:
			t.Fatalf("got %s %+v", m.Type, m.Payload)
		}
	}
}
