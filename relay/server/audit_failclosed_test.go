package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// failAudit makes the relay's own database refuse audit rows whose action
// matches the SQL LIKE pattern, as a full or broken disk would: a trigger
// created from a second connection to the same file.
func failAudit(t *testing.T, r *relay, pattern string) (undo func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.Dir, "relay.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events WHEN NEW.action LIKE '` + pattern + `'
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := db.Exec(`DROP TRIGGER fail_audit`); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConsentFailsClosedWhenAuditFails: when the audit row of a consent
// step cannot be written, a step that gives access (a question, a grant)
// does not happen: the sender gets an internal error and nothing is
// forwarded. A decline still goes through.
func TestConsentFailsClosedWhenAuditFails(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.MetricsToken = testMetricsToken }))
	r.addTech("alex", false)
	sid, cl, con := fullSession(t, r, r.login("alex"))
	marker := func(from, to *relaytest.Socket, text string) {
		t.Helper()
		from.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: text})
		if m := to.Next(protocol.TypeChat); m.Payload.(*protocol.Chat).Text != text {
			t.Fatalf("got %+v, want the chat %q first", m.Payload, text)
		}
	}

	// A question that cannot be audited is not put to the user.
	undo := failAudit(t, r, "consent.view.request")
	con.SendMessage(protocol.TypeViewRequest, "q1", sid, &protocol.Consent{})
	if e := con.NextError(protocol.CodeInternal); !strings.Contains(e.Message, "not passed on") {
		t.Errorf("error message %q", e.Message)
	}
	marker(con, cl, "one")
	undo()

	// A grant that cannot be audited is not given: the technician never
	// sees it and the desktop's media is refused.
	con.SendMessage(protocol.TypeViewRequest, "q2", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	undo = failAudit(t, r, "consent.view.grant")
	cl.SendMessage(protocol.TypeViewGrant, "g", sid, &protocol.Consent{})
	cl.NextError(protocol.CodeInternal)
	marker(cl, con, "two")
	cl.SendMessage(protocol.TypeOffer, "o", sid, &protocol.SDP{SDP: "v=0 offer"})
	cl.NextError(protocol.CodeNotAllowed)
	x, err := r.Store.Session(context.Background(), sid)
	if err != nil || !x.ViewGrantedAt.IsZero() {
		t.Fatalf("session record %+v, %v: the unaudited grant was recorded", x, err)
	}
	undo()

	// With the question still open, a decline whose audit fails goes through.
	undo = failAudit(t, r, "consent.view.deny")
	cl.SendMessage(protocol.TypeViewDeny, "", sid, &protocol.Consent{})
	con.Next(protocol.TypeViewDeny)
	undo()

	for _, a := range r.auditActions(sid) {
		if a == protocol.AuditViewGrant || a == protocol.AuditViewDeny {
			t.Errorf("audit has %s although its write failed", a)
		}
	}
	if st, body := metricsStatus(t, r, testMetricsToken); st != http.StatusOK || !strings.Contains(body, "lifeline_audit_write_failures_total 3") {
		t.Errorf("metrics: %d, want 3 audit write failures counted", st)
	}
}

// TestAuditFieldsBounded: a 60 KiB user name in a failed login is cut
// in the audit row (on a character boundary) instead of filling the disk.
func TestAuditFieldsBounded(t *testing.T) {
	r := startRelay(t)
	long := strings.Repeat("é", 30<<10)
	if st := r.anonymous().do("POST", "/api/login", map[string]string{"username": long, "password": "wrong-password"}, nil); st != http.StatusUnauthorized {
		t.Fatalf("login: %d", st)
	}
	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{Action: protocol.AuditLoginFailed})
	if err != nil || len(evs) != 1 {
		t.Fatalf("audit %+v, %v", evs, err)
	}
	if a := string(evs[0].Actor); len(a) > 128 || !utf8.ValidString(a) {
		t.Fatalf("actor of %d bytes: %q", len(a), a)
	}
	if d := evs[0].Detail; len(d) > 1024 || !utf8.ValidString(d) {
		t.Fatalf("detail of %d bytes", len(d))
	}
}
