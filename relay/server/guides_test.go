package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// The Guides API and the desktops' sync endpoint over real sockets and a
// real SQLite store.

// wifiGuide is an organisation guide; its answer "No" goes to next.
func wifiGuide(next, text string) string {
	return `id: office-wifi
title: Office Wi-Fi will not connect
summary: Your laptop does not join the office Wi-Fi.
category: network
symptoms:
  - wifi will not connect in the office
steps:
  - id: forget
    title: Forget the network
    text: ` + text + `
    question: Did it connect?
    answers:
      - label: "Yes"
        next: fixed
      - label: "No"
        next: ` + next + `
`
}

// lineOf is the 1-based line of the first line of yaml holding s.
func lineOf(t *testing.T, yaml, s string) int {
	t.Helper()
	for i, l := range strings.Split(yaml, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not in the YAML", s)
	return 0
}

// The JSON shapes of the Guides API, as a console reads them.
type (
	guideSummary struct {
		ID               string   `json:"id"`
		Title            string   `json:"title"`
		Category         string   `json:"category"`
		State            string   `json:"state"`
		Origin           string   `json:"origin"`
		Hidden           bool     `json:"hidden"`
		HasDraft         bool     `json:"has_draft"`
		PublishedVersion *int     `json:"published_version"`
		LatestVersion    int      `json:"latest_version"`
		UpdatedBy        string   `json:"updated_by"`
		FeedbackCount    int      `json:"feedback_count"`
		SuccessRate      *float64 `json:"success_rate"`
	}
	guideProblem struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Message string `json:"message"`
	}
	// guideReply is any reply of the Guides API, errors included.
	guideReply struct {
		Error    string         `json:"error"`
		Message  string         `json:"message"`
		Version  int            `json:"version"`
		Summary  guideSummary   `json:"summary"`
		Problems []guideProblem `json:"problems"`
		Imported int            `json:"imported"`
		Guide    *struct {
			ID    string `json:"id"`
			Steps []struct {
				ID      string `json:"id"`
				Line    int    `json:"line"`
				Text    string `json:"text"`
				Answers []struct {
					Label string `json:"label"`
					Next  string `json:"next"`
				} `json:"answers"`
			} `json:"steps"`
		} `json:"guide"`
	}
	guideVersion struct {
		Version   int    `json:"version"`
		Author    string `json:"author"`
		Note      string `json:"note"`
		YAML      string `json:"yaml"`
		Published bool   `json:"published"`
	}
)

func (tc *tech) guide(method, path string, body any) (int, guideReply) {
	tc.t.Helper()
	var out guideReply
	st := tc.do(method, path, body, &out)
	return st, out
}

func wantStatus(t *testing.T, what string, got, want int, reply guideReply) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d (%s: %s %+v), want %d", what, got, reply.Error, reply.Message, reply.Problems, want)
	}
}

// guideRelay is a relay with an admin (ada), a technician (tom) and a
// knowledge editor (kim, given the role by ada through the API).
func guideRelay(t *testing.T) (r *relay, ada, tom, kim *tech) {
	t.Helper()
	r = startRelay(t)
	r.addTech("ada", true)
	r.addTech("tom", false)
	k := r.addTech("kim", false)
	ada = r.login("ada")
	var u struct {
		KnowledgeEditor bool `json:"knowledge_editor"`
	}
	if st := ada.do("PATCH", "/api/admin/users/"+jsonInt(k.ID), map[string]any{"knowledge_editor": true}, &u); st != 200 || !u.KnowledgeEditor {
		t.Fatalf("give kim the role: %d %+v", st, u)
	}
	kim = r.login("kim")
	var me struct {
		User struct {
			KnowledgeEditor bool `json:"knowledge_editor"`
		} `json:"user"`
	}
	if kim.do("GET", "/api/me", nil, &me); !me.User.KnowledgeEditor {
		t.Fatal("/api/me does not say kim is a knowledge editor")
	}
	return r, ada, r.login("tom"), kim
}

// syncPack downloads the guide pack as a desktop does.
func (r *relay) syncPack(ifNoneMatch string) (int, string, pack.Pack) {
	r.t.Helper()
	req, _ := http.NewRequest("GET", r.URL+"/api/client/guides", nil)
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 {
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode == 304 && len(b) > 0 {
			r.t.Fatalf("304 with a body: %q", b)
		}
		return resp.StatusCode, etag, pack.Pack{}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		r.t.Fatalf("Content-Type %q", ct)
	}
	p, err := pack.Decode(resp.Body)
	if err != nil {
		r.t.Fatalf("the relay's pack does not decode: %v", err)
	}
	if etag != `"`+p.ETag+`"` {
		r.t.Fatalf("ETag header %s, body etag %q", etag, p.ETag)
	}
	return 200, etag, p
}

func packGuide(p pack.Pack, id string) (pack.Guide, bool) {
	for _, g := range p.Guides {
		if g.ID == id {
			return g, true
		}
	}
	return pack.Guide{}, false
}

func (r *relay) auditDetails(action protocol.AuditAction) []string {
	r.t.Helper()
	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Actor)+" "+e.Detail)
	}
	return out
}

func wantAudit(t *testing.T, r *relay, action protocol.AuditAction, want ...string) {
	t.Helper()
	got := r.auditDetails(action)
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
			t.Errorf("audit %s = %q, want one with %q", action, got, w)
		}
	}
}

func TestGuideDraftLintPublishAndRoles(t *testing.T) {
	r, ada, tom, kim := guideRelay(t)
	broken := wifiGuide("restart-router", "Forget {{wifi_name}} and join it again.")
	badLine := lineOf(t, broken, "next: restart-router")

	// The linter, as the editor runs it while typing.
	st, lint := tom.guide("POST", "/api/guides/lint", map[string]string{"yaml": broken})
	wantStatus(t, "lint", st, 200, lint)
	if len(lint.Problems) != 1 || lint.Problems[0].Line != badLine || !strings.Contains(lint.Problems[0].Message, "restart-router") {
		t.Fatalf("lint problems %+v, want one at line %d", lint.Problems, badLine)
	}
	if lint.Guide == nil || lint.Guide.ID != "office-wifi" || len(lint.Guide.Steps) != 1 || lint.Guide.Steps[0].Answers[1].Next != "restart-router" {
		t.Fatalf("lint preview %+v", lint.Guide)
	}

	// Any technician saves a draft, problems and all.
	st, created := tom.guide("POST", "/api/guides", map[string]string{"yaml": broken, "note": "from a call"})
	wantStatus(t, "create", st, 201, created)
	if created.Version != 1 || len(created.Problems) != 1 || created.Problems[0].Line != badLine || created.Summary.State != "draft" || !created.Summary.HasDraft || created.Summary.Origin != "org" {
		t.Fatalf("created %+v", created)
	}
	if st, dup := tom.guide("POST", "/api/guides", map[string]string{"yaml": broken}); st != 409 {
		t.Fatalf("create twice: %d %+v", st, dup)
	}
	if st, b := tom.guide("POST", "/api/guides", map[string]string{"yaml": strings.Replace(broken, "office-wifi", "printer-offline", 1)}); st != 409 {
		t.Fatalf("create over a built-in: %d %+v", st, b)
	}

	// Publishing: refused for a technician, refused with the problems for an editor.
	if st, f := tom.guide("POST", "/api/guides/office-wifi/publish", nil); st != 403 || f.Error != "forbidden" {
		t.Fatalf("technician publishes: %d %+v", st, f)
	}
	st, refused := kim.guide("POST", "/api/guides/office-wifi/publish", nil)
	wantStatus(t, "publish broken", st, 422, refused)
	if refused.Error != "guide_problems" || len(refused.Problems) != 1 || refused.Problems[0].Line != badLine {
		t.Fatalf("publish refused with %+v", refused)
	}
	if _, _, p := r.syncPack(""); len(p.Guides) != 0 {
		t.Fatalf("a draft reached desktops: %+v", p.Guides)
	}

	// Fixed: the next draft has no problem and kim publishes it.
	fixed := wifiGuide("escalate", "Forget {{wifi_name}} and join it again.")
	st, saved := tom.guide("PUT", "/api/guides/office-wifi/draft", map[string]string{"yaml": fixed, "note": "fixed the link"})
	wantStatus(t, "save fixed", st, 200, saved)
	if saved.Version != 2 || len(saved.Problems) != 0 {
		t.Fatalf("saved %+v", saved)
	}
	st, pub := kim.guide("POST", "/api/guides/office-wifi/publish", nil)
	wantStatus(t, "publish fixed", st, 200, pub)
	if pub.Summary.State != "published" || pub.Summary.PublishedVersion == nil || *pub.Summary.PublishedVersion != 2 || pub.Summary.HasDraft {
		t.Fatalf("published %+v", pub.Summary)
	}
	_, _, p := r.syncPack("")
	if g, ok := packGuide(p, "office-wifi"); !ok || g.Version != 2 || g.YAML != fixed {
		t.Fatalf("desktops get %+v", p.Guides)
	}

	// A newer draft does not reach desktops until published; an admin may publish.
	newer := wifiGuide("escalate", "Forget {{wifi_name}}, wait ten seconds and join it again.")
	if st, s := tom.guide("PUT", "/api/guides/office-wifi/draft", map[string]string{"yaml": newer}); st != 200 || !s.Summary.HasDraft || s.Summary.State != "published" {
		t.Fatalf("draft over published: %d %+v", st, s)
	}
	if _, _, p := r.syncPack(""); p.Guides[0].Version != 2 {
		t.Fatalf("a draft reached desktops: %+v", p.Guides)
	}
	if st, s := ada.guide("POST", "/api/guides/office-wifi/publish", map[string]int{"version": 3}); st != 200 || *s.Summary.PublishedVersion != 3 {
		t.Fatalf("admin publishes: %d %+v", st, s)
	}
	if _, _, p := r.syncPack(""); p.Guides[0].Version != 3 || p.Guides[0].YAML != newer {
		t.Fatalf("after the admin published: %+v", p.Guides)
	}
	// A draft cannot change the guide's id.
	st, moved := tom.guide("PUT", "/api/guides/office-wifi/draft", map[string]string{"yaml": strings.Replace(newer, "id: office-wifi", "id: other-wifi", 1)})
	if st != 200 || len(moved.Problems) != 1 || moved.Problems[0].Line != 1 {
		t.Fatalf("id changed in a draft: %d %+v", st, moved)
	}
	if st, f := kim.guide("POST", "/api/guides/office-wifi/publish", nil); st != 422 || f.Error != "guide_problems" {
		t.Fatalf("published a draft with another id: %d %+v", st, f)
	}
	// A draft that is not YAML at all is saved too, with its problem, and keeps the title.
	if st, g := tom.guide("PUT", "/api/guides/office-wifi/draft", map[string]string{"yaml": "id: [office-wifi\n"}); st != 200 || len(g.Problems) == 0 || g.Summary.Title != "Office Wi-Fi will not connect" {
		t.Fatalf("unreadable draft: %d %+v", st, g)
	}

	// Listing and one guide.
	var list []guideSummary
	if st := tom.do("GET", "/api/guides?q=office+wi-fi", nil, &list); st != 200 || len(list) != 1 || list[0].ID != "office-wifi" {
		t.Fatalf("search the list: %d %+v", st, list)
	}
	tom.do("GET", "/api/guides?state=builtin&category=printing", nil, &list)
	if len(list) == 0 || !slices.ContainsFunc(list, func(s guideSummary) bool { return s.ID == "printer-offline" && s.Origin == "builtin" }) {
		t.Fatalf("built-in printing guides: %+v", list)
	}
	for _, s := range list {
		if s.State != "builtin" || s.Category != "printing" {
			t.Fatalf("filter let %+v through", s)
		}
	}
	var one struct {
		Summary   guideSummary  `json:"summary"`
		Latest    *guideVersion `json:"latest"`
		Published *guideVersion `json:"published"`
	}
	if st := tom.do("GET", "/api/guides/office-wifi", nil, &one); st != 200 || one.Latest.Version != 5 || one.Published.Version != 3 || !one.Published.Published || one.Published.Author != "tom" {
		t.Fatalf("one guide: %d %+v %+v", st, one.Latest, one.Published)
	}
	if st := tom.do("GET", "/api/guides/nope", nil, nil); st != 404 {
		t.Fatalf("missing guide: %d", st)
	}

	// Taking the role away takes effect on the next request.
	var kimUser userRecord
	kim.do("GET", "/api/me", nil, &struct {
		User *userRecord `json:"user"`
	}{&kimUser})
	if st := ada.do("PATCH", "/api/admin/users/"+jsonInt(kimUser.ID), map[string]any{"knowledge_editor": false}, nil); st != 200 {
		t.Fatalf("take the role: %d", st)
	}
	if st, f := kim.guide("POST", "/api/guides/office-wifi/publish", map[string]int{"version": 2}); st != 403 {
		t.Fatalf("publish after the role was taken: %d %+v", st, f)
	}
	wantAudit(t, r, protocol.AuditUserUpdated, "user=kim knowledge_editor=true", "user=kim knowledge_editor=false")

	wantAudit(t, r, protocol.AuditGuideDraft, "tom guide=office-wifi version=1 problems=1", "guide=office-wifi version=2 problems=0")
	wantAudit(t, r, protocol.AuditGuidePublish, "kim guide=office-wifi version=2", "ada guide=office-wifi version=3")
	if got := r.auditDetails(protocol.AuditGuidePublish); len(got) != 2 {
		t.Fatalf("refused publishes were audited as publishes: %q", got)
	}
}

func TestGuideAPIRefusesWithoutLoginOrCSRF(t *testing.T) {
	r, _, tom, _ := guideRelay(t)
	yaml := wifiGuide("escalate", "Join the Wi-Fi.")
	anon := r.anonymous()
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/guides"}, {"GET", "/api/guides/printer-offline"}, {"POST", "/api/guides"}, {"POST", "/api/guides/lint"},
		{"PUT", "/api/guides/printer-offline/draft"}, {"POST", "/api/guides/printer-offline/publish"}, {"GET", "/api/guides/export"},
		{"POST", "/api/guides/import"}, {"GET", "/api/guide-variables"}, {"PUT", "/api/guide-variables"}, {"GET", "/api/guides/printer-offline/feedback"},
		{"GET", "/api/guides/printer-offline/versions"}, {"POST", "/api/guides/printer-offline/revert"}, {"POST", "/api/guides/printer-offline/hide"},
	} {
		if st, _ := anon.Do(c.method, c.path, map[string]string{"yaml": yaml}, nil); st != 401 {
			t.Errorf("unauthenticated %s %s: %d, want 401", c.method, c.path, st)
		}
	}
	var e apiError
	if st := tom.doHeader("POST", "/api/guides", map[string]string{"yaml": yaml}, &e, http.Header{}); st != 403 || e.Error != "csrf" {
		t.Fatalf("create without CSRF: %d %+v", st, e)
	}
	if st := tom.doHeader("PUT", "/api/guides/printer-offline/draft", map[string]string{"yaml": yaml}, &e, http.Header{csrfHeader: {"wrong"}}); st != 403 || e.Error != "csrf" {
		t.Fatalf("draft with a wrong CSRF token: %d %+v", st, e)
	}
	if recs, _ := r.Store.GuideRecords(context.Background()); len(recs) != 0 {
		t.Fatalf("a refused request stored %+v", recs)
	}
	// Oversized and garbage bodies.
	if st, g := tom.guide("POST", "/api/guides", map[string]string{"yaml": strings.Repeat("x", guide.MaxFileSize+1)}); st != 413 {
		t.Fatalf("oversized guide: %d %+v", st, g)
	}
	if st, _ := tom.Do("POST", "/api/guides", "not an object", http.Header{csrfHeader: {tom.CSRF()}}); st != 400 {
		t.Fatalf("garbage body: %d", st)
	}
	if st, g := tom.guide("POST", "/api/guides", map[string]string{"yaml": "::: not yaml ["}); st != 422 || len(g.Problems) == 0 {
		t.Fatalf("YAML without an id: %d %+v", st, g)
	}
}

func TestGuideHistoryAndRevert(t *testing.T) {
	r, _, tom, kim := guideRelay(t)
	texts := []string{"Version one.", "Version two.", "Version three."}
	for i, text := range texts {
		method, path := "PUT", "/api/guides/office-wifi/draft"
		if i == 0 {
			method, path = "POST", "/api/guides"
		}
		if st, g := kim.guide(method, path, map[string]string{"yaml": wifiGuide("escalate", text), "note": fmt.Sprint("change ", i+1)}); st/100 != 2 {
			t.Fatalf("save %d: %d %+v", i+1, st, g)
		}
	}
	if st, g := kim.guide("POST", "/api/guides/office-wifi/publish", map[string]int{"version": 3}); st != 200 {
		t.Fatalf("publish: %d %+v", st, g)
	}
	var vs []guideVersion
	if st := tom.do("GET", "/api/guides/office-wifi/versions", nil, &vs); st != 200 || len(vs) != 3 || vs[0].Version != 3 || !vs[0].Published || vs[1].Published || vs[2].Note != "change 1" || vs[2].Author != "kim" {
		t.Fatalf("versions: %d %+v", st, vs)
	}
	// An editor's revert publishes the old YAML as a new version.
	st, rev := kim.guide("POST", "/api/guides/office-wifi/revert", map[string]any{"version": 1, "note": "two was wrong"})
	wantStatus(t, "revert", st, 200, rev)
	if *rev.Summary.PublishedVersion != 4 || rev.Summary.HasDraft {
		t.Fatalf("reverted %+v", rev.Summary)
	}
	if _, _, p := r.syncPack(""); p.Guides[0].Version != 4 || p.Guides[0].YAML != wifiGuide("escalate", "Version one.") {
		t.Fatalf("desktops after the revert: %+v", p.Guides)
	}
	// A technician's revert is a draft.
	st, rev = tom.guide("POST", "/api/guides/office-wifi/revert", map[string]any{"version": 2})
	wantStatus(t, "technician revert", st, 200, rev)
	if *rev.Summary.PublishedVersion != 4 || !rev.Summary.HasDraft || rev.Summary.LatestVersion != 5 {
		t.Fatalf("technician's revert %+v", rev.Summary)
	}
	tom.do("GET", "/api/guides/office-wifi/versions", nil, &vs)
	if vs[0].Version != 5 || vs[0].YAML != wifiGuide("escalate", "Version two.") || vs[0].Note != "back to version 2" || vs[0].Author != "tom" || vs[1].Note != "back to version 1: two was wrong" {
		t.Fatalf("versions after reverts: %+v", vs[:2])
	}
	if st, g := kim.guide("POST", "/api/guides/office-wifi/revert", map[string]any{"version": 99}); st != 404 {
		t.Fatalf("revert to a missing version: %d %+v", st, g)
	}
	// Unpublish: desktops lose it, the console says so.
	if st, g := tom.guide("POST", "/api/guides/office-wifi/unpublish", nil); st != 403 {
		t.Fatalf("technician unpublishes: %d %+v", st, g)
	}
	st, un := kim.guide("POST", "/api/guides/office-wifi/unpublish", nil)
	if st != 200 || un.Summary.State != "unpublished" || un.Summary.PublishedVersion != nil {
		t.Fatalf("unpublish: %d %+v", st, un.Summary)
	}
	if _, _, p := r.syncPack(""); len(p.Guides) != 0 {
		t.Fatalf("desktops after unpublish: %+v", p.Guides)
	}
	wantAudit(t, r, protocol.AuditGuideRevert, "kim guide=office-wifi to=1 published=true", "tom guide=office-wifi to=2 published=false")
	wantAudit(t, r, protocol.AuditGuideUnpublish, "kim guide=office-wifi")
}

func TestGuideHideBuiltinAndOverride(t *testing.T) {
	r, _, tom, kim := guideRelay(t)
	ctx := context.Background()
	_, etag0, p := r.syncPack("")
	if len(p.Hidden) != 0 || len(p.Guides) != 0 {
		t.Fatalf("fresh pack %+v", p)
	}
	if st, g := tom.guide("POST", "/api/guides/bitlocker-recovery/hide", nil); st != 403 {
		t.Fatalf("technician hides: %d %+v", st, g)
	}
	st, h := kim.guide("POST", "/api/guides/bitlocker-recovery/hide", nil)
	if st != 200 || h.Summary.State != "hidden" || !h.Summary.Hidden {
		t.Fatalf("hide: %d %+v", st, h.Summary)
	}
	_, etag1, p := r.syncPack("")
	if !slices.Equal(p.Hidden, []string{"bitlocker-recovery"}) || etag1 == etag0 {
		t.Fatalf("after hide: hidden %v, etag %s (was %s)", p.Hidden, etag1, etag0)
	}
	// A guide linking to the hidden one is a problem now: it is not in the pack.
	link := strings.Replace(wifiGuide("escalate", "x"), "next: escalate", "guide: bitlocker-recovery", 1)
	if _, l := tom.guide("POST", "/api/guides/lint", map[string]string{"yaml": link}); len(l.Problems) == 0 {
		t.Fatal("a link to a hidden built-in guide passed the linter")
	}
	if st, g := kim.guide("POST", "/api/guides/office-wifi/hide", nil); st != 404 {
		t.Fatalf("hide a guide that is not built in: %d %+v", st, g)
	}
	if st, un := kim.guide("POST", "/api/guides/bitlocker-recovery/unhide", nil); st != 200 || un.Summary.State != "builtin" {
		t.Fatalf("unhide: %d %+v", st, un.Summary)
	}
	if _, _, p := r.syncPack(""); len(p.Hidden) != 0 {
		t.Fatalf("after unhide: %v", p.Hidden)
	}
	wantAudit(t, r, protocol.AuditGuideHide, "kim guide=bitlocker-recovery")
	wantAudit(t, r, protocol.AuditGuideUnhide, "kim guide=bitlocker-recovery")

	// Overriding a built-in guide: a draft of the same id; published, it
	// replaces the built-in one on desktops.
	var one struct {
		BuiltinYAML string `json:"builtin_yaml"`
	}
	tom.do("GET", "/api/guides/printer-offline", nil, &one)
	if !strings.HasPrefix(one.BuiltinYAML, "id: printer-offline") {
		t.Fatalf("builtin_yaml %q", one.BuiltinYAML[:min(40, len(one.BuiltinYAML))])
	}
	override := strings.Replace(one.BuiltinYAML, "Printer shows offline or nothing prints", "The office printer is offline", 1)
	if st, s := tom.guide("PUT", "/api/guides/printer-offline/draft", map[string]string{"yaml": override}); st != 200 || len(s.Problems) != 0 || s.Summary.State != "builtin" || !s.Summary.HasDraft {
		t.Fatalf("override draft: %d %+v", st, s)
	}
	if st, s := kim.guide("POST", "/api/guides/printer-offline/publish", nil); st != 200 || s.Summary.State != "published" || s.Summary.Origin != "builtin" || s.Summary.Title != "The office printer is offline" {
		t.Fatalf("publish override: %d %+v", st, s.Summary)
	}
	if rec, _ := r.Store.GuideRecord(ctx, "printer-offline"); rec.Origin != store.GuideOriginOverride {
		t.Fatalf("stored origin %q", rec.Origin)
	}
	_, _, p = r.syncPack("")
	if g, ok := packGuide(p, "printer-offline"); !ok || g.YAML != override {
		t.Fatalf("desktops do not get the override: %+v", p.Guides)
	}
}

func TestGuideVariables(t *testing.T) {
	r, _, tom, kim := guideRelay(t)
	var vars struct {
		Variables map[string]string `json:"variables"`
		Known     []struct {
			Name, Description, Default string
		} `json:"known"`
	}
	if st := tom.do("GET", "/api/guide-variables", nil, &vars); st != 200 || len(vars.Variables) != 0 ||
		!slices.ContainsFunc(vars.Known, func(k struct{ Name, Description, Default string }) bool {
			return k.Name == "helpdesk_phone" && k.Description != "" && k.Default != ""
		}) {
		t.Fatalf("variables: %d %+v", st, vars)
	}
	set := map[string]any{"variables": map[string]string{"helpdesk_phone": "+1 555 0100", "wifi_name": " CorpNet ", "vpn_name": ""}}
	if st, g := tom.guide("PUT", "/api/guide-variables", set); st != 403 {
		t.Fatalf("technician sets variables: %d %+v", st, g)
	}
	if st := kim.do("PUT", "/api/guide-variables", set, &vars); st != 200 || len(vars.Variables) != 2 || vars.Variables["wifi_name"] != "CorpNet" {
		t.Fatalf("set variables: %d %+v", st, vars.Variables)
	}
	_, _, p := r.syncPack("")
	if p.Variables["helpdesk_phone"] != "+1 555 0100" || len(p.Variables) != 2 {
		t.Fatalf("desktops get variables %v", p.Variables)
	}
	// The preview fills them in.
	_, l := tom.guide("POST", "/api/guides/lint", map[string]string{"yaml": wifiGuide("escalate", "Join {{wifi_name}} or call {{helpdesk_phone}}.")})
	if l.Guide == nil || l.Guide.Steps[0].Text != "Join CorpNet or call +1 555 0100." {
		t.Fatalf("preview %+v", l.Guide)
	}
	for name, bad := range map[string]map[string]string{
		"unknown": {"printer_name": "x"}, "two lines": {"helpdesk_phone": "1\n2"}, "too long": {"helpdesk_phone": strings.Repeat("9", guide.MaxVarValue+1)},
	} {
		if st, g := kim.guide("PUT", "/api/guide-variables", map[string]any{"variables": bad}); st != 422 || g.Error != "guide_problems" || len(g.Problems) != 1 {
			t.Errorf("%s variable: %d %+v", name, st, g)
		}
	}
	if _, _, p := r.syncPack(""); p.Variables["helpdesk_phone"] != "+1 555 0100" {
		t.Fatalf("a refused change reached desktops: %v", p.Variables)
	}
	wantAudit(t, r, protocol.AuditGuideVariables, "kim set=helpdesk_phone,wifi_name")
}

func TestGuideSyncETagAndRate(t *testing.T) {
	r, _, _, kim := guideRelay(t)
	st, etag, p := r.syncPack("")
	if st != 200 || !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") || p.V != pack.Version {
		t.Fatalf("sync: %d %s %+v", st, etag, p)
	}
	if st, etag2, _ := r.syncPack(etag); st != 304 || etag2 != etag {
		t.Fatalf("If-None-Match: %d %s", st, etag2)
	}
	if st, _, _ := r.syncPack(`"other", ` + etag); st != 304 {
		t.Fatalf("If-None-Match list: %d", st)
	}
	if st, _, _ := r.syncPack(`"other"`); st != 200 {
		t.Fatalf("If-None-Match of another pack: %d", st)
	}
	kim.guide("POST", "/api/guides", map[string]string{"yaml": wifiGuide("escalate", "Join it.")})
	if st, etag2, _ := r.syncPack(etag); st != 304 || etag2 != etag {
		t.Fatalf("a draft changed the pack: %d %s", st, etag2)
	}
	kim.guide("POST", "/api/guides/office-wifi/publish", nil)
	st, etag3, p := r.syncPack(etag)
	if st != 200 || etag3 == etag || len(p.Guides) != 1 || p.PublishedAt.IsZero() {
		t.Fatalf("after publish: %d %s %+v", st, etag3, p)
	}
	// The pack parses and lints clean, as a desktop checks it.
	gs, probs := p.Parse()
	if len(probs) != 0 || len(gs) != 1 {
		t.Fatalf("pack.Parse: %d guides, %v", len(gs), probs)
	}
	// Rate: a burst, then 429 with Retry-After; nothing else is hurt.
	var last *http.Response
	for range 200 {
		resp, err := http.Get(r.URL + "/api/client/guides")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if last = resp; resp.StatusCode == 429 {
			break
		}
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("200 downloads in a moment: last status %d", last.StatusCode)
	}
	if st := kim.do("GET", "/api/guides?q=office-wifi", nil, nil); st != 200 {
		t.Fatalf("console after the sync flood: %d", st)
	}
	// Another address is served.
	resp, err := fromAddr("127.0.0.2").Get(r.URL + "/api/client/guides")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("another address after the flood: %d", resp.StatusCode)
	}
	// The pack outlives a restart of the relay: same ETag.
	r.Restart()
	r.clock.Advance(time.Minute) // and the bucket refilled
	if st, etag4, _ := r.syncPack(etag3); st != 304 || etag4 != etag3 {
		t.Fatalf("after a restart: %d %s, want 304 %s", st, etag4, etag3)
	}
}

func TestGuidePackSizeCap(t *testing.T) {
	r, _, tom, kim := guideRelay(t)
	ctx := context.Background()
	// Seed the store with a pack just under the cap (55 entries of 302 kB:
	// over a guide's size, so the linter skips each at once instead of
	// parsing 16 MiB of YAML on every check).
	var vs []store.GuideVersion
	filler := strings.Repeat("a", 302_000)
	for i := range 55 {
		id := fmt.Sprintf("big-%02d", i)
		vs = append(vs, store.GuideVersion{GuideID: id, YAML: "id: " + id + "\n# " + filler + "\n", Author: "kim"})
	}
	if _, err := r.Store.ImportGuides(ctx, store.GuideImport{Versions: vs, Origins: map[string]string{}, At: r.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	yaml := wifiGuide("escalate", "Join it.") + "# " + filler[:255_000] + "\n"
	if st, g := tom.guide("POST", "/api/guides", map[string]string{"yaml": yaml}); st != 201 {
		t.Fatalf("draft: %d %+v", st, g)
	}
	st, g := kim.guide("POST", "/api/guides/office-wifi/publish", nil)
	if st != 422 || g.Error != "pack_too_large" {
		t.Fatalf("publish past 16 MiB: %d %+v", st, g)
	}
	if rec, _ := r.Store.GuideRecord(ctx, "office-wifi"); rec.Published != 0 {
		t.Fatalf("published past the cap: %+v", rec)
	}
	// Without the bulk it fits.
	tom.guide("PUT", "/api/guides/office-wifi/draft", map[string]string{"yaml": wifiGuide("escalate", "Join it.")})
	if st, g := kim.guide("POST", "/api/guides/office-wifi/publish", nil); st != 200 {
		t.Fatalf("publish a small version: %d %+v", st, g)
	}
}

func TestGuideFeedbackOverSocket(t *testing.T) {
	r, _, tom, _ := guideRelay(t)
	c := r.dialClient()
	c.SendMessage(protocol.TypeGuideFeedback, "f1", "", &protocol.GuideFeedback{GuideID: "printer-offline", StepID: "check-printers",
		Comment: "The list was empty.", OS: "linux", AppVersion: "0.4.0"})
	if m := c.Next(protocol.TypeAck); m.ID != "f1" {
		t.Fatalf("ack id %q", m.ID)
	}
	c.SendMessage(protocol.TypeGuideFeedback, "f2", "", &protocol.GuideFeedback{GuideID: "no-such-guide", Comment: "?"})
	c.NextError(protocol.CodeNotFound)
	var fb []struct {
		ID         int64  `json:"id"`
		StepID     string `json:"step_id"`
		Comment    string `json:"comment"`
		OS         string `json:"os"`
		AppVersion string `json:"app_version"`
	}
	if st := tom.do("GET", "/api/guides/printer-offline/feedback", nil, &fb); st != 200 || len(fb) != 1 || fb[0].Comment != "The list was empty." ||
		fb[0].StepID != "check-printers" || fb[0].OS != "linux" || fb[0].AppVersion != "0.4.0" {
		t.Fatalf("feedback: %d %+v", st, fb)
	}
	var list []guideSummary
	tom.do("GET", "/api/guides?q=printer-offline", nil, &list)
	if len(list) != 1 || list[0].FeedbackCount != 1 || list[0].SuccessRate != nil {
		t.Fatalf("summary %+v", list)
	}
	// Oversized and garbage feedback: refused, the socket closed, nothing stored.
	for name, frame := range map[string]string{
		"comment too long":  `{"v":1,"type":"guide.feedback","id":"x","data":{"guide_id":"printer-offline","comment":"` + strings.Repeat("c", protocol.MaxFeedbackComment+1) + `"}}`,
		"comment not text":  `{"v":1,"type":"guide.feedback","id":"x","data":{"guide_id":"printer-offline","comment":{"a":1}}}`,
		"no guide":          `{"v":1,"type":"guide.feedback","id":"x","data":{"comment":"hi"}}`,
		"guide id too long": `{"v":1,"type":"guide.feedback","id":"x","data":{"guide_id":"` + strings.Repeat("g", protocol.MaxIDLen+1) + `"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := r.dialClient()
			if err := s.Conn().Write(ctx10s(t), websocket.MessageText, []byte(frame)); err != nil {
				t.Fatal(err)
			}
			s.NextError(protocol.CodeBadMessage)
			if st := s.Closed(); st != 1008 {
				t.Fatalf("close status %d", st)
			}
		})
	}
	if n, _ := r.Store.GuideFeedbackCounts(context.Background()); n["printer-offline"] != 1 || len(n) != 1 {
		t.Fatalf("stored feedback %v", n)
	}
}

func TestGuideFeedbackThrottled(t *testing.T) {
	r, _ := limitedRelay(t)
	c := mustDial(t, r.WSURL("/ws/client"), nil)
	acks, limited := ackedOrLimited(t, c, 35, protocol.TypeGuideFeedback, &protocol.GuideFeedback{GuideID: "printer-offline", Comment: "spam"})
	// guide.feedback shares outcome.report's bucket (burst 30).
	if acks != 30 || limited != 5 {
		t.Errorf("35 reports: %d stored, %d refused; want 30 and 5", acks, limited)
	}
	if n, _ := r.Store.GuideFeedbackCounts(context.Background()); n["printer-offline"] != 30 {
		t.Errorf("store holds %d", n["printer-offline"])
	}
	o := mustDial(t, r.WSURL("/ws/client"), fromAddr("127.0.0.2"))
	o.send(protocol.TypeGuideFeedback, "x", &protocol.GuideFeedback{GuideID: "printer-offline"})
	o.next(protocol.TypeAck)
}

// Desktops refuse a pack with any problem, so no change may break another
// guide of it: a link into a step that goes away, a guide unpublished or
// hidden while others open it.
func TestGuidePackStaysWhole(t *testing.T) {
	r, _, _, kim := guideRelay(t)
	vpn := strings.NewReplacer("office-wifi", "vpn-help", "Office Wi-Fi will not connect", "VPN help",
		"        next: escalate\n", "        guide: office-wifi\n        step: forget\n").Replace(wifiGuide("escalate", "Start the VPN."))
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/guides", map[string]string{"yaml": wifiGuide("escalate", "Join it.")}},
		{"POST", "/api/guides/office-wifi/publish", nil},
		{"POST", "/api/guides", map[string]string{"yaml": vpn}},
		{"POST", "/api/guides/vpn-help/publish", nil},
	} {
		if st, g := kim.guide(c.method, c.path, c.body); st/100 != 2 || len(g.Problems) != 0 {
			t.Fatalf("%s %s: %d %+v", c.method, c.path, st, g)
		}
	}
	_, etag, _ := r.syncPack("")
	wantRefused := func(what string, st int, g guideReply) {
		t.Helper()
		if st != 422 || g.Error != "guide_problems" || len(g.Problems) == 0 || !strings.Contains(g.Problems[0].Message, "guide vpn-help, line ") || g.Problems[0].Line != 0 {
			t.Fatalf("%s: %d %+v, want refused for vpn-help's link", what, st, g)
		}
	}
	// A new version of office-wifi without the step vpn-help opens.
	renamed := strings.Replace(wifiGuide("escalate", "Join it."), "id: forget", "id: forget-network", 1)
	kim.guide("PUT", "/api/guides/office-wifi/draft", map[string]string{"yaml": renamed})
	st, g := kim.guide("POST", "/api/guides/office-wifi/publish", nil)
	wantRefused("publish without the linked step", st, g)
	st, g = kim.guide("POST", "/api/guides/office-wifi/unpublish", nil)
	wantRefused("unpublish a linked guide", st, g)
	if st, _, _ := r.syncPack(etag); st != 304 {
		t.Fatalf("a refused change reached desktops: %d", st)
	}
	// A built-in guide other built-in guides open cannot be hidden alone.
	if st, g := kim.guide("POST", "/api/guides/no-internet/hide", nil); st != 422 || len(g.Problems) == 0 || !strings.Contains(g.Problems[0].Message, "no-internet") {
		t.Fatalf("hide no-internet: %d %+v", st, g)
	}
	// Unpublishing the linking guide first, then the other, is fine.
	for _, id := range []string{"vpn-help", "office-wifi"} {
		if st, g := kim.guide("POST", "/api/guides/"+id+"/unpublish", nil); st != 200 {
			t.Fatalf("unpublish %s: %d %+v", id, st, g)
		}
	}
}

// The relaytest helpers other packages' tests publish with.
func TestRelaytestPublishGuide(t *testing.T) {
	r, ada, _, _ := guideRelay(t)
	if v := ada.PublishGuide(t, wifiGuide("escalate", "One.")); v != 1 {
		t.Fatalf("first version %d", v)
	}
	if v := ada.PublishGuide(t, wifiGuide("escalate", "Two.")); v != 2 {
		t.Fatalf("second version %d", v)
	}
	ada.SetGuideVariables(t, map[string]string{"helpdesk_phone": "+1 555 0100"})
	_, _, p := r.syncPack("")
	if g, ok := packGuide(p, "office-wifi"); !ok || g.Version != 2 || p.Variables["helpdesk_phone"] != "+1 555 0100" {
		t.Fatalf("pack %+v", p)
	}
}
