package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// followupDelay is the follow-up delay of these tests (on the relay's
// fake clock, which the tests advance past it; the relay looks for due
// follow-ups every quarter of it).
const followupDelay = 200 * time.Millisecond

func startFollowupRelay(t *testing.T) (*relay, *tech) {
	t.Helper()
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.FollowupDelay = followupDelay }))
	r.addTech("alex", false)
	return r, r.login("alex")
}

// resolved is a request a session resolved: its desktop's socket (still
// connected), id, resume token and session.
type resolved struct {
	cl           *relaytest.Socket
	id, token    string
	sessionID    string
	installID    string
	technicianWS *relaytest.Socket
}

func resolveRequest(t *testing.T, r *relay, tc *tech, desc string) resolved {
	t.Helper()
	con := tc.ws()
	cl := r.dialClient()
	req := submitReq(desc)
	req.InstallID = "INSTALL" + strings.Repeat("A", 19)
	cl.SendMessage(protocol.TypeRequestSubmit, "s1", "", req)
	acc := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted)
	if st := tc.do("POST", "/api/requests/"+acc.RequestID+"/take", nil, nil); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	cl.Next(protocol.TypeRequestTaken)
	sid := cl.Next(protocol.TypeSessionStart).Session
	con.Next(protocol.TypeSessionStart)
	con.SendMessage(protocol.TypeSessionEnd, "", sid, &protocol.SessionEnd{})
	cl.Next(protocol.TypeSessionEnd)
	return resolved{cl: cl, id: acc.RequestID, token: acc.ResumeToken, sessionID: sid, installID: req.InstallID, technicianWS: con}
}

// quiet fails if s gets a message of type typ within d.
func quiet(t *testing.T, s *relaytest.Socket, typ protocol.Type, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m, ok := <-s.Messages():
			if !ok {
				return
			}
			if m.Type == typ {
				t.Fatalf("unexpected %s %+v", typ, m.Payload)
			}
		case <-deadline:
			return
		}
	}
}

func claim(s *relaytest.Socket, reqs ...protocol.FollowupRequest) {
	s.SendMessage(protocol.TypeFollowupClaim, "claim", "", &protocol.FollowupClaim{Requests: reqs})
}

func TestFollowupOfferAnswerReopen(t *testing.T) {
	r, tc := startFollowupRelay(t)
	res := resolveRequest(t, r, tc, "printer says offline")

	// Not before the delay.
	r.clock.Advance(followupDelay / 2)
	quiet(t, res.cl, protocol.TypeFollowupOffer, 300*time.Millisecond)

	// On the connection that was in the session, without a claim.
	r.clock.Advance(followupDelay)
	off := res.cl.Next(protocol.TypeFollowupOffer).Payload.(*protocol.FollowupOffer)
	if off.RequestID != res.id || off.SessionID != res.sessionID || off.Technician != "Alex" || off.Description != "printer says offline" || off.EndedAt.IsZero() {
		t.Fatalf("offer = %+v", off)
	}
	quiet(t, res.cl, protocol.TypeFollowupOffer, 200*time.Millisecond) // once per connection
	res.cl.Conn().Close(websocket.StatusNormalClosure, "")

	// Ignored: offered again on the next connection that claims it.
	cl := r.dialClient()
	claim(cl, protocol.FollowupRequest{RequestID: res.id, ResumeToken: res.token})
	cl.Next(protocol.TypeAck)
	if off := cl.Next(protocol.TypeFollowupOffer).Payload.(*protocol.FollowupOffer); off.RequestID != res.id {
		t.Fatalf("second offer = %+v", off)
	}

	// "No": stored, audited, back in the queue marked reopened, and this
	// desktop holds it again.
	con := tc.ws()
	cl.SendMessage(protocol.TypeFollowupAnswer, "a1", "", &protocol.FollowupAnswer{RequestID: res.id, Working: false, Rating: 2, Comment: "offline again"})
	if ack := cl.Next(protocol.TypeAck); ack.ID != "a1" {
		t.Fatalf("ack id %q", ack.ID)
	}
	acc := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted)
	if acc.RequestID != res.id || acc.State != store.StateWaiting || acc.ResumeToken == "" || acc.ResumeToken == res.token || acc.Position != 1 {
		t.Fatalf("request.accepted after reopen = %+v", acc)
	}
	it := con.Next(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
	if it.ID != res.id || it.State != store.StateWaiting || !it.Online || it.Reopened == nil || it.Reopened.SessionID != res.sessionID ||
		it.Reopened.Rating != 2 || it.Reopened.Comment != "offline again" || it.Description != "printer says offline" {
		t.Fatalf("reopened queue item = %+v (reopened %+v)", it, it.Reopened)
	}
	f, err := r.Store.Followup(context.Background(), res.id)
	if err != nil || f.AnsweredAt.IsZero() || f.Working || f.Rating != 2 || f.Comment != "offline again" || f.Offers != 2 {
		t.Fatalf("stored follow-up = %+v, %v", f, err)
	}
	evs, _ := r.Store.Audit(context.Background(), store.AuditFilter{SessionID: res.sessionID})
	var actions []protocol.AuditAction
	for _, e := range evs {
		actions = append(actions, e.Action)
		if e.Action == protocol.AuditFollowupAnswer && e.Detail != "working=no rating=2" {
			t.Errorf("followup.answer detail %q", e.Detail)
		}
	}
	if !slices.Contains(actions, protocol.AuditFollowupAnswer) || !slices.Contains(actions, protocol.AuditReopened) {
		t.Fatalf("audit actions %v lack followup.answer / request.reopened", actions)
	}
	// The session page shows the answer.
	var detail struct {
		Followup *struct {
			Offers     int        `json:"offers"`
			AnsweredAt *time.Time `json:"answered_at"`
			Working    *bool      `json:"working"`
			Rating     int        `json:"rating"`
			Comment    string     `json:"comment"`
		} `json:"followup"`
	}
	tc.do("GET", "/api/sessions/"+res.sessionID, nil, &detail)
	if fu := detail.Followup; fu == nil || fu.AnsweredAt == nil || fu.Working == nil || *fu.Working || fu.Rating != 2 || fu.Comment != "offline again" || fu.Offers != 2 {
		t.Fatalf("session page follow-up = %+v", detail.Followup)
	}
	// The queue over HTTP says so too.
	var items []protocol.QueueItem
	tc.do("GET", "/api/requests", nil, &items)
	if len(items) != 1 || items[0].Reopened == nil || items[0].Reopened.SessionID != res.sessionID {
		t.Fatalf("GET /api/requests = %+v", items)
	}

	// Answered: a second answer is refused, and the reopened request can
	// be taken again with this desktop joining.
	cl.SendMessage(protocol.TypeFollowupAnswer, "a2", "", &protocol.FollowupAnswer{RequestID: res.id, Working: true})
	cl.NextError(protocol.CodeNotAllowed)
	if st := tc.do("POST", "/api/requests/"+res.id+"/take", nil, nil); st != http.StatusOK {
		t.Fatalf("take reopened: %d", st)
	}
	cl.Next(protocol.TypeRequestTaken)
	cl.Next(protocol.TypeSessionStart)
}

func TestFollowupNotRepeatedAfterAnswer(t *testing.T) {
	r, tc := startFollowupRelay(t)
	res := resolveRequest(t, r, tc, "vpn")
	r.clock.Advance(2 * followupDelay)
	res.cl.Next(protocol.TypeFollowupOffer)
	res.cl.SendMessage(protocol.TypeFollowupAnswer, "a1", "", &protocol.FollowupAnswer{RequestID: res.id, Working: true, Rating: 5})
	res.cl.Next(protocol.TypeAck)
	quiet(t, res.cl, protocol.TypeRequestAccepted, 200*time.Millisecond) // "yes" reopens nothing
	if got, _ := r.Store.Request(context.Background(), res.id); got.State != store.StateResolved {
		t.Fatalf("state after yes = %q", got.State)
	}
	cl := r.dialClient()
	claim(cl, protocol.FollowupRequest{RequestID: res.id, ResumeToken: res.token})
	cl.Next(protocol.TypeAck)
	r.clock.Advance(followupDelay)
	quiet(t, cl, protocol.TypeFollowupOffer, 400*time.Millisecond)
}

func TestFollowupOfferedAtMostThreeTimes(t *testing.T) {
	r, tc := startFollowupRelay(t)
	res := resolveRequest(t, r, tc, "mail")
	// The first offer goes to the connection that resolved it (closed
	// first, the relay might still count an offer to it while it goes).
	r.clock.Advance(2 * followupDelay)
	res.cl.Next(protocol.TypeFollowupOffer)
	res.cl.Conn().Close(websocket.StatusNormalClosure, "")
	for i := range 3 {
		cl := r.dialClient()
		claim(cl, protocol.FollowupRequest{RequestID: res.id, ResumeToken: res.token})
		cl.Next(protocol.TypeAck)
		if i < 2 {
			cl.Next(protocol.TypeFollowupOffer)
		} else {
			quiet(t, cl, protocol.TypeFollowupOffer, 400*time.Millisecond)
		}
		cl.Conn().Close(websocket.StatusNormalClosure, "")
	}
}

// TestFollowupAttacks: answers for someone else's request, wrong tokens,
// garbage and oversized answers, over real sockets.
func TestFollowupAttacks(t *testing.T) {
	r, tc := startFollowupRelay(t)
	res := resolveRequest(t, r, tc, "printer")
	r.clock.Advance(2 * followupDelay)
	res.cl.Next(protocol.TypeFollowupOffer)

	// A stranger who knows the request id but not the token.
	mallory := r.dialClient()
	mallory.SendMessage(protocol.TypeFollowupAnswer, "m1", "", &protocol.FollowupAnswer{RequestID: res.id, Working: false})
	mallory.NextError(protocol.CodeNotFound)
	claim(mallory, protocol.FollowupRequest{RequestID: res.id, ResumeToken: "guessed-token"})
	mallory.Next(protocol.TypeAck) // the same reply as for a right token: nothing learnt
	quiet(t, mallory, protocol.TypeFollowupOffer, 300*time.Millisecond)
	mallory.SendMessage(protocol.TypeFollowupAnswer, "m2", "", &protocol.FollowupAnswer{RequestID: res.id, Working: false})
	mallory.NextError(protocol.CodeNotFound)
	// Another person's own resolved request does not open this one.
	other := resolveRequest(t, r, tc, "someone else's")
	other.cl.SendMessage(protocol.TypeFollowupAnswer, "o1", "", &protocol.FollowupAnswer{RequestID: res.id, Working: false})
	other.cl.NextError(protocol.CodeNotFound)
	if f, _ := r.Store.Followup(context.Background(), res.id); !f.AnsweredAt.IsZero() {
		t.Fatalf("a stranger's answer was stored: %+v", f)
	}

	// Garbage and oversized answers close the socket (bad_message, 1008).
	for _, tt := range []struct{ name, frame string }{
		{"rating out of range", `{"v":1,"type":"followup.answer","data":{"request_id":"` + res.id + `","working":true,"rating":9}}`},
		{"comment too long", `{"v":1,"type":"followup.answer","data":{"request_id":"` + res.id + `","comment":"` + strings.Repeat("x", protocol.MaxFollowupComment+1) + `"}}`},
		{"working not a bool", `{"v":1,"type":"followup.answer","data":{"request_id":"` + res.id + `","working":"no"}}`},
		{"too many claims", `{"v":1,"type":"followup.claim","data":{"requests":[` + strings.TrimSuffix(strings.Repeat(`{"request_id":"r","resume_token":"t"},`, protocol.MaxFollowupClaims+1), ",") + `]}}`},
		{"not json", `{"v":1,"type":"followup.answer","data":{`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := r.dialClient()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Conn().Write(ctx, websocket.MessageText, []byte(tt.frame)); err != nil {
				t.Fatal(err)
			}
			s.NextError(protocol.CodeBadMessage)
			if code := s.Closed(); code != websocket.StatusPolicyViolation {
				t.Fatalf("close status %v, want 1008", code)
			}
		})
	}
	// A frame over the message cap is refused before it is read.
	s := r.dialClient()
	big := `{"v":1,"type":"followup.answer","data":{"request_id":"x","comment":"` + strings.Repeat("x", protocol.MaxMessageSize) + `"}}`
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Conn().Write(ctx, websocket.MessageText, []byte(big))
	if code := s.Closed(); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame: close status %v, want 1009", code)
	}
	// The technician's console may not send follow-up messages.
	con := tc.ws()
	con.SendMessage(protocol.TypeFollowupAnswer, "t1", "", &protocol.FollowupAnswer{RequestID: res.id, Working: false})
	con.NextError(protocol.CodeNotAllowed)
	if f, _ := r.Store.Followup(context.Background(), res.id); !f.AnsweredAt.IsZero() {
		t.Fatalf("an answer was stored by an attack: %+v", f)
	}
}

func TestRecurringRequests(t *testing.T) {
	r, tc := startFollowupRelay(t)
	con := tc.ws()
	install := "PC" + strings.Repeat("7", 24)
	submit := func(name, contact, installID string) *protocol.QueueItem {
		t.Helper()
		cl := r.dialClient()
		req := submitReq("printer again")
		req.Name, req.Contact, req.InstallID = name, contact, installID
		cl.SendMessage(protocol.TypeRequestSubmit, "s", "", req)
		cl.Next(protocol.TypeRequestAccepted)
		it := con.Next(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
		cl.SendMessage(protocol.TypeRequestCancel, "c", "", nil) // under the per-address waiting cap
		cl.Next(protocol.TypeRequestCancelled)
		r.clock.Advance(time.Hour)
		return it
	}
	first := submit("Ana", "ext 42", install)
	if first.Recurring != nil {
		t.Fatalf("first request recurring: %+v", first.Recurring)
	}
	second := submit("Someone", "", install) // same computer
	third := submit("Someone else", "", install)
	if rc := third.Recurring; rc == nil || rc.Count != 3 || rc.WindowDays != 14 || !slices.Equal(rc.Previous, []string{second.ID, first.ID}) {
		t.Fatalf("third request recurring = %+v", third.Recurring)
	}
	// The same person from another computer, typed differently.
	if rc := submit("  ANA ", "Ext42", "").Recurring; rc == nil || rc.Count != 2 || !slices.Equal(rc.Previous, []string{first.ID}) {
		t.Fatalf("same person recurring = %+v", rc)
	}
	if rc := submit("Bob", "ext 7", "OTHER"+strings.Repeat("1", 20)).Recurring; rc != nil {
		t.Fatalf("a stranger's request is recurring: %+v", rc)
	}
	// Past the window nothing counts.
	r.clock.Advance(15 * 24 * time.Hour)
	if rc := submit("Ana", "ext 42", install).Recurring; rc != nil {
		t.Fatalf("recurring after 15 days: %+v", rc)
	}
}
