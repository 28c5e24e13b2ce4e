package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// TestSessionActivity: what the technician did with control beyond mouse
// and keyboard reaches the console and the audit log as the desktop
// reported it (kind and count, never text); the relay refuses it before
// control is granted, after it is revoked, and from the technician's side,
// and a report that is not well-formed never reaches the console.
func TestSessionActivity(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)
	report := func(kind protocol.ActivityKind, chars int) {
		cl.SendMessage(protocol.TypeSessionActivity, "", "", &protocol.SessionActivity{Kind: kind, Chars: chars})
	}

	// Before control: viewing alone does not allow it.
	report(protocol.ActivityClipboardToUser, 5)
	cl.NextError(protocol.CodeNotAllowed)
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	report(protocol.ActivityClipboardToUser, 5)
	cl.NextError(protocol.CodeNotAllowed)
	// A file needs viewing and the user's yes to it, not control.
	file := &protocol.SessionActivity{Kind: protocol.ActivityFileToUser, Name: "report \"Q3\".pdf", Bytes: 20 << 20, SHA256: strings.Repeat("0f", 32)}
	cl.SendMessage(protocol.TypeSessionActivity, "", "", file)
	if got := con.Next(protocol.TypeSessionActivity).Payload.(*protocol.SessionActivity); got.Name != file.Name || got.Bytes != file.Bytes || got.SHA256 != file.SHA256 {
		t.Errorf("console told %+v, want %+v", got, file)
	}

	con.SendMessage(protocol.TypeControlRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeControlRequest)
	cl.SendMessage(protocol.TypeControlGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeControlGrant)

	// The technician cannot write the user's side of the record.
	con.SendMessage(protocol.TypeSessionActivity, "", sid, &protocol.SessionActivity{Kind: protocol.ActivityTextTyped, Chars: 3})
	con.NextError(protocol.CodeNotAllowed)
	for _, a := range []protocol.SessionActivity{
		{Kind: protocol.ActivityClipboardToUser, Chars: 42},
		{Kind: protocol.ActivityClipboardFromUser, Chars: 7},
		{Kind: protocol.ActivityTextTyped, Chars: 11},
	} {
		report(a.Kind, a.Chars)
		got := con.Next(protocol.TypeSessionActivity).Payload.(*protocol.SessionActivity)
		if got.Kind != a.Kind || got.Chars != a.Chars || got.By != "Ana" {
			t.Errorf("console told %+v, want %+v by Ana", got, a)
		}
	}

	cl.SendMessage(protocol.TypeControlRevoke, "", "", &protocol.Consent{})
	con.Next(protocol.TypeControlRevoke)
	report(protocol.ActivityTextTyped, 1)
	cl.NextError(protocol.CodeNotAllowed)

	want := []protocol.AuditAction{protocol.AuditRequestTaken, protocol.AuditSessionStart, protocol.AuditViewRequest, protocol.AuditViewGrant,
		protocol.AuditFileToUser, protocol.AuditControlRequest, protocol.AuditControlGrant,
		protocol.AuditClipboardToUser, protocol.AuditClipboardFromUser, protocol.AuditTextTyped, protocol.AuditControlRevoke}
	if got := r.auditActions(sid); !slices.Equal(got, want) {
		t.Fatalf("audit actions\n got %v\nwant %v", got, want)
	}
	events, err := r.Store.Audit(context.Background(), store.AuditFilter{SessionID: sid})
	if err != nil {
		t.Fatal(err)
	}
	details := map[protocol.AuditAction]string{}
	for _, e := range events {
		details[e.Action] = e.Detail + " " + string(e.Actor)
	}
	if d := details[protocol.AuditClipboardToUser]; d != "chars=42 user:Ana" {
		t.Errorf("clipboard.to_user audited as %q", d)
	}
	if d, want := details[protocol.AuditFileToUser], `file="report \"Q3\".pdf" size=20971520 sha256=`+file.SHA256+" user:Ana"; d != want {
		t.Errorf("file.to_user audited as %q, want %q", d, want)
	}

	// Not well-formed (a kind outside the vocabulary) is refused as any
	// garbage is.
	raw := `{"v":1,"type":"session.activity","data":{"kind":"file.sent","chars":1}}`
	if err := cl.Conn().Write(ctx10s(t), websocket.MessageText, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	cl.NextError(protocol.CodeBadMessage)
}
