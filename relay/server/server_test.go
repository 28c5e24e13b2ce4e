package server_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func TestSubmitQueueAndCancel(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	con := r.login("alex").ws()

	c1 := r.dialClient()
	c1.SendMessage(protocol.TypeRequestSubmit, "a", "", submitReq("printer says offline"))
	acc := c1.Next(protocol.TypeRequestAccepted)
	if acc.ID != "a" {
		t.Fatalf("reply id = %q, want a", acc.ID)
	}
	a1 := acc.Payload.(*protocol.RequestAccepted)
	if a1.Position != 1 || a1.State != store.StateWaiting || a1.ResumeToken == "" {
		t.Fatalf("accepted = %+v", a1)
	}
	// Persisted before it was acknowledged.
	got, err := r.Store.Request(context.Background(), a1.RequestID)
	if err != nil || got.State != store.StateWaiting || got.Description != "printer says offline" {
		t.Fatalf("stored request = %+v, %v", got, err)
	}
	added := con.Next(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
	if added.ID != a1.RequestID || added.Guide == nil || added.Guide.Steps[0].Check.Detail != "3 jobs stuck" || len(added.Diagnostics) != 1 || !added.Online {
		t.Fatalf("queue.added = %+v", added)
	}

	c2 := r.dialClient()
	c2.SendMessage(protocol.TypeRequestSubmit, "b", "", submitReq("outlook won't open"))
	if p := c2.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).Position; p != 2 {
		t.Fatalf("second position = %d, want 2", p)
	}
	// The first cancels: the second moves up.
	c1.SendMessage(protocol.TypeRequestCancel, "c", "", nil)
	c1.Next(protocol.TypeRequestCancelled)
	if p := c2.Next(protocol.TypeRequestPosition).Payload.(*protocol.QueuePosition).Position; p != 1 {
		t.Fatalf("position after cancel = %d, want 1", p)
	}
	upd := con.Next(protocol.TypeQueueUpdated).Payload.(*protocol.QueueItem)
	for upd.ID != a1.RequestID {
		upd = con.Next(protocol.TypeQueueUpdated).Payload.(*protocol.QueueItem)
	}
	if upd.State != store.StateCancelled {
		t.Fatalf("queue.updated state = %q", upd.State)
	}
	if got, _ := r.Store.Request(context.Background(), a1.RequestID); got.State != store.StateCancelled {
		t.Fatalf("stored state = %q", got.State)
	}
	evs, _ := r.Store.Audit(context.Background(), store.AuditFilter{Action: protocol.AuditRequestCancel})
	if len(evs) != 1 || evs[0].RequestID != a1.RequestID || evs[0].Address != "127.0.0.1" || evs[0].Actor != "user:Ana" {
		t.Fatalf("audit = %+v", evs)
	}
}

func TestTakeRace(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	r.addTech("sam", false)
	techs := []*tech{r.login("alex"), r.login("sam")}
	for round := range 10 {
		c := r.dialClient()
		c.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("race"))
		reqID := c.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
		statuses := make([]int, len(techs))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, tc := range techs {
			wg.Go(func() {
				<-start
				statuses[i] = tc.do("POST", "/api/requests/"+reqID+"/take", nil, nil)
			})
		}
		close(start)
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != http.StatusOK || statuses[1] != http.StatusConflict {
			t.Fatalf("round %d: statuses = %v, want one 200 and one 409", round, statuses)
		}
		c.Next(protocol.TypeRequestTaken)
		c.Next(protocol.TypeSessionStart)
		sessions, _ := r.Store.Sessions(context.Background(), store.SessionFilter{})
		n := 0
		for _, s := range sessions {
			if s.RequestID == reqID {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("round %d: %d sessions for one request", round, n)
		}
	}
}

// fullSession takes a request from a raw client and returns the session id
// and both sockets.
func fullSession(t *testing.T, r *relay, tc *tech) (sid string, cl, con *relaytest.Socket) {
	t.Helper()
	con = tc.ws()
	cl = r.dialClient()
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("help"))
	reqID := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	var out map[string]string
	if st := tc.do("POST", "/api/requests/"+reqID+"/take", nil, &out); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	taken := cl.Next(protocol.TypeRequestTaken).Payload.(*protocol.RequestTaken)
	if taken.Technician != mustTech(tc).DisplayName {
		t.Fatalf("taken by %q", taken.Technician)
	}
	start := cl.Next(protocol.TypeSessionStart)
	ss := start.Payload.(*protocol.SessionStart)
	if ss.Role != protocol.RoleOfferer || ss.SessionID != out["session_id"] {
		t.Fatalf("client session.start = %+v", ss)
	}
	ts := con.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	if ts.Role != protocol.RoleAnswerer || ts.Request == nil || ts.Request.Description != "help" {
		t.Fatalf("tech session.start = %+v", ts)
	}
	return ss.SessionID, cl, con
}

func TestSessionFlowAndAudit(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)

	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	if by := cl.Next(protocol.TypeViewRequest).Payload.(*protocol.Consent).By; by != "Alex" {
		t.Fatalf("view request by %q", by)
	}
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	cl.SendMessage(protocol.TypeOffer, "", sid, &protocol.SDP{SDP: "v=0 offer"})
	if sdp := con.Next(protocol.TypeOffer); sdp.Session != sid || sdp.Payload.(*protocol.SDP).SDP != "v=0 offer" {
		t.Fatalf("offer = %+v", sdp)
	}
	con.SendMessage(protocol.TypeAnswer, "", sid, &protocol.SDP{SDP: "v=0 answer"})
	cl.Next(protocol.TypeAnswer)
	mid := "0"
	cl.SendMessage(protocol.TypeCandidate, "", "", &protocol.Candidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", SDPMid: &mid})
	con.Next(protocol.TypeCandidate)
	con.SendMessage(protocol.TypeControlRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeControlRequest)
	cl.SendMessage(protocol.TypeControlGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeControlGrant)
	cl.SendMessage(protocol.TypeControlRevoke, "", "", &protocol.Consent{})
	con.Next(protocol.TypeControlRevoke)
	cl.SendMessage(protocol.TypeChat, "", "", &protocol.Chat{Text: "thanks!"})
	if ch := con.Next(protocol.TypeChat).Payload.(*protocol.Chat); ch.From != "Ana" || ch.Text != "thanks!" {
		t.Fatalf("chat = %+v", ch)
	}
	con.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: "you're welcome"})
	cl.Next(protocol.TypeChat)
	con.SendMessage(protocol.TypeSessionEnd, "", sid, &protocol.SessionEnd{})
	if reason := cl.Next(protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd).Reason; reason != protocol.EndTechnician {
		t.Fatalf("end reason %q", reason)
	}

	if st := tc.do("PUT", "/api/sessions/"+sid+"/notes", map[string]string{"notes": "cleared the spooler", "category": "printing"}, nil); st != http.StatusNoContent {
		t.Fatalf("notes: %d", st)
	}
	// The relay records the end before it tells the parties.
	var detail struct {
		Session    sessionRecord       `json:"session"`
		Transcript []store.ChatMessage `json:"transcript"`
		Timeline   []store.AuditEvent  `json:"timeline"`
	}
	tc.do("GET", "/api/sessions/"+sid, nil, &detail)
	if detail.Session.EndedAt == nil || detail.Session.EndReason != protocol.EndTechnician || detail.Session.Notes != "cleared the spooler" || detail.Session.ViewGrantedAt == nil || detail.Session.ControlGrantedAt == nil {
		t.Fatalf("session record = %+v", detail.Session)
	}
	if len(detail.Transcript) != 2 || detail.Transcript[0].Text != "thanks!" {
		t.Fatalf("transcript = %+v", detail.Transcript)
	}
	want := []protocol.AuditAction{protocol.AuditRequestTaken, protocol.AuditSessionStart, protocol.AuditViewRequest, protocol.AuditViewGrant,
		protocol.AuditControlRequest, protocol.AuditControlGrant, protocol.AuditControlRevoke, protocol.AuditSessionEnd, protocol.AuditSessionNotes}
	if got := r.auditActions(sid); !slices.Equal(got, want) {
		t.Fatalf("audit actions\n got %v\nwant %v", got, want)
	}
	for _, e := range detail.Timeline {
		if e.Actor == "" || e.At.IsZero() {
			t.Fatalf("audit event without actor or time: %+v", e)
		}
	}
	req, _ := r.Store.Request(context.Background(), detail.Session.RequestID)
	if req.State != store.StateResolved {
		t.Fatalf("request state %q, want resolved", req.State)
	}
}

func TestWrongPartyRefused(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	r.addTech("sam", false)
	alex, sam := r.login("alex"), r.login("sam")
	sidA, clA, conA := fullSession(t, r, alex)
	sidB, clB, conB := fullSession(t, r, sam)
	_ = clB

	tests := []struct {
		name    string
		from    *relaytest.Socket
		typ     protocol.Type
		session string
		payload any
	}{
		{"tech signals another tech's session", conB, protocol.TypeViewRequest, sidA, &protocol.Consent{}},
		{"tech without session id", conA, protocol.TypeViewRequest, "", &protocol.Consent{}},
		{"client addresses another session", clA, protocol.TypeChat, sidB, &protocol.Chat{Text: "hi"}},
		{"client sends a technician message", clA, protocol.TypeViewRequest, "", &protocol.Consent{}},
		{"tech sends a client message", conA, protocol.TypeOffer, sidA, &protocol.SDP{SDP: "v=0"}},
		{"tech sends a relay message", conA, protocol.TypeQueueSnapshot, "", &protocol.QueueSnapshot{}},
		{"client sends a relay message", clA, protocol.TypeSessionStart, "", &protocol.SessionStart{}},
		{"offer before view consent", clA, protocol.TypeOffer, "", &protocol.SDP{SDP: "v=0"}},
		{"grant without request", clA, protocol.TypeViewGrant, "", &protocol.Consent{}},
		{"control before view", conA, protocol.TypeControlRequest, sidA, &protocol.Consent{}},
		{"tech submits a request", conA, protocol.TypeRequestSubmit, "", submitReq("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.from.SendMessage(tt.typ, "q", tt.session, tt.payload)
			if e := tt.from.NextError(protocol.CodeNotAllowed); e == nil {
				t.Fatal("no error")
			}
		})
	}
	// Nothing leaked to the other parties: the next thing they see is a chat we send now.
	clA.SendMessage(protocol.TypeChat, "", "", &protocol.Chat{Text: "marker"})
	if m := conA.Next(protocol.TypeChat); m.Payload.(*protocol.Chat).Text != "marker" {
		t.Fatalf("unexpected %+v", m)
	}
	conB.SendMessage(protocol.TypeChat, "", sidB, &protocol.Chat{Text: "marker"})
	clB.Next(protocol.TypeChat)
	select {
	case m := <-clA.Messages():
		t.Fatalf("client A received %s", m.Type)
	default:
	}
}

func TestClientDisconnectEndsSession(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)
	cl.Conn().CloseNow()
	if reason := con.Next(protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd).Reason; reason != protocol.EndClientDisconnected {
		t.Fatalf("reason %q", reason)
	}
	// Recorded before the console was told.
	if !slices.Contains(r.auditActions(sid), protocol.AuditSessionEnd) {
		t.Fatal("no session.end audit event")
	}
}

func TestGarbageClosesSocket(t *testing.T) {
	r := startRelay(t)
	tests := []struct {
		name       string
		frame      []byte
		binary     bool
		wantCode   protocol.ErrorCode // error message expected before the close
		wantStatus int
	}{
		{"not json", []byte("hello"), false, protocol.CodeBadMessage, 1008},
		{"nul bytes", []byte{0, 0xff, 0xfe}, false, protocol.CodeBadMessage, 1008},
		{"unknown type", []byte(`{"v":1,"type":"shell.exec","data":{"cmd":"rm"}}`), false, protocol.CodeUnknownType, 1008},
		{"wrong version", []byte(`{"v":9,"type":"chat"}`), false, protocol.CodeUnsupportedVersion, 1008},
		{"wrong field type", []byte(`{"v":1,"type":"request.submit","data":{"description":7}}`), false, protocol.CodeBadMessage, 1008},
		{"binary frame", []byte{1, 2, 3}, true, protocol.CodeBadMessage, 1003},
		{"oversized", []byte(`{"v":1,"type":"chat","data":{"text":"` + strings.Repeat("x", 70<<10) + `"}}`), false, "", 1009},
	}
	for _, tt := range tests {
		for _, path := range []string{"/ws/client", "/ws/tech"} {
			t.Run(tt.name+path, func(t *testing.T) {
				var p *relaytest.Socket
				if path == "/ws/client" {
					p = r.dialClient()
				} else {
					if _, err := r.Store.TechnicianByName(context.Background(), "gary"); err != nil {
						r.addTech("gary", false)
					}
					p = r.login("gary").ws()
				}
				typ := websocket.MessageText
				if tt.binary {
					typ = websocket.MessageBinary
				}
				ctx := ctx10s(t)
				if err := p.Conn().Write(ctx, typ, tt.frame); err != nil {
					// The relay stops reading an oversized frame at its
					// header and closes; the kernel may answer the rest of
					// our write with a reset before the 1009 close frame
					// is read. Refused either way: the socket must be gone.
					if tt.wantStatus != 1009 || !(errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
						t.Fatal(err)
					}
					if st := p.Closed(); st != -1 && int(st) != tt.wantStatus {
						t.Fatalf("close status %d after a reset, want %d", st, tt.wantStatus)
					}
					return
				}
				if tt.wantCode != "" {
					p.NextError(tt.wantCode)
				}
				if st := p.Closed(); int(st) != tt.wantStatus {
					t.Fatalf("close status %d, want %d", st, tt.wantStatus)
				}
			})
		}
	}
	// The relay is still fine.
	resp, err := http.Get("http://" + r.Addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after garbage: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestOutcomes(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	c := r.goClient(client.Options{})
	ctx := ctx10s(t)
	for _, o := range []protocol.OutcomeReport{
		{Kind: protocol.OutcomeFixed, GuideID: "printer-offline", StepID: "restart-spooler"},
		{Kind: protocol.OutcomeFixed, GuideID: "printer-offline", StepID: "restart-spooler"},
		{Kind: protocol.OutcomeNoResults, Query: "outlok wont open"},
	} {
		if err := c.ReportOutcome(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	var sum struct {
		Outcomes []store.OutcomeCount `json:"outcomes"`
	}
	if st := r.login("alex").do("GET", "/api/outcomes/summary", nil, &sum); st != 200 {
		t.Fatalf("status %d", st)
	}
	if len(sum.Outcomes) != 2 || sum.Outcomes[0].Count != 2 || sum.Outcomes[0].StepID != "restart-spooler" || sum.Outcomes[1].Query != "outlok wont open" {
		t.Fatalf("summary = %+v", sum.Outcomes)
	}
}

func TestExports(t *testing.T) {
	r := startRelay(t)
	r.addTech("root", true)
	r.addTech("alex", false)
	admin, alex := r.login("root"), r.login("alex")
	sid, _, con := fullSession(t, r, alex)
	con.SendMessage(protocol.TypeSessionEnd, "", sid, &protocol.SessionEnd{})
	alex.do("PUT", "/api/sessions/"+sid+"/notes", map[string]string{"notes": "=cmd|' /C calc'!A0", "category": "printing"}, nil)

	var csvBody string
	if st := alex.do("GET", "/api/sessions/export?format=csv", nil, &csvBody); st != 200 {
		t.Fatalf("csv status %d", st)
	}
	if !strings.HasPrefix(csvBody, "id,request_id,technician") || !strings.Contains(csvBody, sid) || !strings.Contains(csvBody, "'=cmd") {
		t.Fatalf("sessions csv:\n%s", csvBody)
	}
	var js []sessionRecord
	if st := alex.do("GET", "/api/sessions/export?format=json", nil, &js); st != 200 || len(js) != 1 || js[0].Category != "printing" {
		t.Fatalf("sessions json %d %+v", st, js)
	}
	var audit []store.AuditEvent
	if st := alex.do("GET", "/api/audit/export?format=json", nil, nil); st != http.StatusForbidden {
		t.Fatalf("non-admin audit export: %d, want 403", st)
	}
	if st := admin.do("GET", "/api/audit/export?format=json", nil, &audit); st != 200 || len(audit) == 0 {
		t.Fatalf("audit json %d %d events", st, len(audit))
	}
	var auditCSV string
	if st := admin.do("GET", "/api/audit/export?format=csv", nil, &auditCSV); st != 200 || !strings.Contains(auditCSV, "login") {
		t.Fatalf("audit csv %d\n%s", st, auditCSV)
	}
	var search []sessionRecord
	admin.do("GET", "/api/sessions?q=printing", nil, &search)
	if len(search) != 1 {
		t.Fatalf("search found %d", len(search))
	}
}

func TestHealthAndMetrics(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.MetricsToken = testMetricsToken }))
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "lifeline_queue_length", "/": "js/main.js"} {
		resp, err := getBearer("http://"+r.Addr+path, testMetricsToken)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 1<<16)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(b.String(), want) {
			t.Errorf("%s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
}

func TestAdminUsers(t *testing.T) {
	r := startRelay(t)
	r.addTech("root", true)
	r.addTech("alex", false)
	admin, alex := r.login("root"), r.login("alex")
	if st := alex.do("GET", "/api/admin/users", nil, nil); st != http.StatusForbidden {
		t.Fatalf("technician lists users: %d", st)
	}
	var u userRecord
	if st := admin.do("POST", "/api/admin/users", map[string]any{"username": "kim", "password": "kim-password", "display_name": "Kim"}, &u); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	if st := admin.do("POST", "/api/admin/users", map[string]any{"username": "kim", "password": "kim-password"}, nil); st != http.StatusConflict {
		t.Fatalf("duplicate: %d", st)
	}
	kim := r.login("kim")
	if st := admin.do("PATCH", "/api/admin/users/"+jsonInt(u.ID), map[string]any{"disabled": true}, nil); st != 200 {
		t.Fatalf("disable: %d", st)
	}
	if st := kim.do("GET", "/api/me", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("disabled user still logged in: %d", st)
	}
}

// TestViewDenyKeepsSession: after consent.view.deny the session stays open:
// chat goes both ways, media is still refused, and the technician may ask
// again; only a grant lets signaling through.
func TestViewDenyKeepsSession(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)

	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewDeny, "", "", &protocol.Consent{Reason: protocol.ConsentNoAnswer})
	if reason := con.Next(protocol.TypeViewDeny).Payload.(*protocol.Consent).Reason; reason != protocol.ConsentNoAnswer {
		t.Fatalf("deny reason %q, want no_answer", reason)
	}
	cl.SendMessage(protocol.TypeOffer, "o1", sid, &protocol.SDP{SDP: "v=0 offer"})
	cl.NextError(protocol.CodeNotAllowed)
	cl.SendMessage(protocol.TypeChat, "", "", &protocol.Chat{Text: "not now, sorry"})
	if ch := con.Next(protocol.TypeChat).Payload.(*protocol.Chat); ch.Text != "not now, sorry" {
		t.Fatalf("chat after the decline = %+v", ch)
	}
	con.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: "ok, tell me when"})
	cl.Next(protocol.TypeChat)

	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	cl.SendMessage(protocol.TypeOffer, "", sid, &protocol.SDP{SDP: "v=0 offer"})
	con.Next(protocol.TypeOffer)

	want := []protocol.AuditAction{protocol.AuditRequestTaken, protocol.AuditSessionStart, protocol.AuditViewRequest, protocol.AuditViewDeny,
		protocol.AuditViewRequest, protocol.AuditViewGrant}
	if got := r.auditActions(sid); !slices.Equal(got, want) {
		t.Fatalf("audit actions\n got %v\nwant %v", got, want)
	}
	var detail struct {
		Session sessionRecord `json:"session"`
	}
	tc.do("GET", "/api/sessions/"+sid, nil, &detail)
	if detail.Session.EndedAt != nil {
		t.Fatalf("the decline ended the session: %+v", detail.Session)
	}
}
