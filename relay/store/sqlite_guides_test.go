package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func guideV(id, yaml, author string) *GuideVersion {
	return &GuideVersion{GuideID: id, YAML: yaml, Title: "T " + yaml, Category: "printing", Author: author, Note: "n " + yaml}
}

func TestGuideVersionsDraftsAndPublishing(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	if _, err := s.GuideRecord(ctx, "vpn"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing guide: %v", err)
	}
	if at, err := s.GuidePackChanged(ctx); err != nil || !at.IsZero() {
		t.Fatalf("pack changed before anything: %v %v", at, err)
	}
	g, err := s.AddGuideVersion(ctx, guideV("vpn", "y1", "alex"), GuideOrigin, true, false)
	if err != nil || g.Latest != 1 || g.Published != 0 || !g.HasDraft() || g.Title != "T y1" || g.EverPublished {
		t.Fatalf("first draft: %+v %v", g, err)
	}
	if _, err := s.AddGuideVersion(ctx, guideV("vpn", "again", "alex"), GuideOrigin, true, false); !errors.Is(err, ErrExists) {
		t.Fatalf("create twice: %v", err)
	}
	v2 := guideV("vpn", "y2", "sam")
	if g, err = s.AddGuideVersion(ctx, v2, "", false, true); err != nil || v2.Version != 2 || g.Published != 2 || g.HasDraft() || !g.EverPublished || g.UpdatedBy != "sam" {
		t.Fatalf("published v2: %+v %v", g, err)
	}
	if g, err = s.AddGuideVersion(ctx, guideV("vpn", "y3", "alex"), "", false, false); err != nil || g.Latest != 3 || g.Published != 2 || !g.HasDraft() || g.Title != "T y3" {
		t.Fatalf("draft v3: %+v %v", g, err)
	}
	if g.Origin != GuideOrigin {
		t.Fatalf("origin = %q", g.Origin)
	}
	vs, err := s.GuideVersions(ctx, "vpn")
	if err != nil || len(vs) != 3 || vs[0].Version != 3 || vs[2].Version != 1 || vs[1].Author != "sam" || vs[1].Note != "n y2" || vs[1].YAML != "y2" {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	pub, err := s.PublishedGuides(ctx)
	if err != nil || len(pub) != 1 || pub[0].YAML != "y2" {
		t.Fatalf("published: %+v %v", pub, err)
	}
	at := time.UnixMilli(1_800_000_000_000)
	if g, err = s.SetPublished(ctx, "vpn", 1, "kim", at); err != nil || g.Published != 1 || g.UpdatedBy != "kim" {
		t.Fatalf("publish v1: %+v %v", g, err)
	}
	if changed, _ := s.GuidePackChanged(ctx); !changed.Equal(at) {
		t.Fatalf("pack changed at %v, want %v", changed, at)
	}
	if _, err := s.SetPublished(ctx, "vpn", 9, "kim", at); !errors.Is(err, ErrNotFound) {
		t.Fatalf("publish a missing version: %v", err)
	}
	if _, err := s.SetPublished(ctx, "nope", 1, "kim", at); !errors.Is(err, ErrNotFound) {
		t.Fatalf("publish a missing guide: %v", err)
	}
	if g, err = s.SetPublished(ctx, "vpn", 0, "kim", at); err != nil || g.Published != 0 || !g.EverPublished {
		t.Fatalf("unpublish: %+v %v", g, err)
	}
	if pub, _ := s.PublishedGuides(ctx); len(pub) != 0 {
		t.Fatalf("published after unpublish: %+v", pub)
	}
	if _, err := s.GuideVersion(ctx, "vpn", 4); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing version: %v", err)
	}
	s.AddGuideVersion(ctx, guideV("printer-offline", "p1", "alex"), GuideOriginOverride, true, false)
	recs, err := s.GuideRecords(ctx)
	if err != nil || len(recs) != 2 || recs[0].ID != "printer-offline" || recs[0].Origin != GuideOriginOverride || recs[1].ID != "vpn" {
		t.Fatalf("records: %+v %v", recs, err)
	}
}

func TestGuideHiddenVariablesAndFeedback(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	ctx := context.Background()
	at := time.UnixMilli(1_800_000_000_000)
	for _, id := range []string{"vpn-slow", "bitlocker-recovery", "vpn-slow"} {
		if err := s.SetHidden(ctx, id, true, "kim", at); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetHidden(ctx, "vpn-slow", false, "kim", at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if h, err := s.HiddenGuides(ctx); err != nil || !slices.Equal(h, []string{"bitlocker-recovery"}) {
		t.Fatalf("hidden: %v %v", h, err)
	}
	if changed, _ := s.GuidePackChanged(ctx); !changed.Equal(at.Add(time.Second)) {
		t.Fatalf("pack changed at %v", changed)
	}
	if err := s.SetGuideVariables(ctx, map[string]string{"helpdesk_phone": "+1 555 0100", "wifi_name": "Corp"}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.SetGuideVariables(ctx, map[string]string{"helpdesk_phone": "+1 555 0199"}, at); err != nil {
		t.Fatal(err)
	}
	for i, f := range []GuideFeedback{
		{GuideID: "vpn", StepID: "s1", Comment: "first", OS: "linux", AppVersion: "0.4.0", At: at},
		{GuideID: "vpn", StepID: "s2", Comment: "second", At: at.Add(time.Minute)},
		{GuideID: "printer-offline", Comment: "other", At: at},
	} {
		if err := s.AddGuideFeedback(ctx, f); err != nil {
			t.Fatal(i, err)
		}
	}
	s.Close()
	s = openTest(t, dir) // all of it survives a restart
	vars, err := s.GuideVariables(ctx)
	if err != nil || len(vars) != 1 || vars["helpdesk_phone"] != "+1 555 0199" {
		t.Fatalf("variables replaced: %v %v", vars, err)
	}
	fs, err := s.GuideFeedbackFor(ctx, "vpn", 0)
	if err != nil || len(fs) != 2 || fs[0].Comment != "second" || fs[1].OS != "linux" || fs[1].AppVersion != "0.4.0" || !fs[1].At.Equal(at) || fs[0].ID == 0 {
		t.Fatalf("feedback: %+v %v", fs, err)
	}
	if fs, _ := s.GuideFeedbackFor(ctx, "vpn", 1); len(fs) != 1 || fs[0].Comment != "second" {
		t.Fatalf("feedback limit 1: %+v", fs)
	}
	if n, err := s.GuideFeedbackCounts(ctx); err != nil || n["vpn"] != 2 || n["printer-offline"] != 1 || len(n) != 2 {
		t.Fatalf("counts: %v %v", n, err)
	}
	if h, _ := s.HiddenGuides(ctx); !slices.Equal(h, []string{"bitlocker-recovery"}) {
		t.Fatalf("hidden after restart: %v", h)
	}
}

func TestImportGuidesAllOrNothing(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	at := time.UnixMilli(1_800_000_000_000)
	s.AddGuideVersion(ctx, guideV("vpn", "same", "alex"), GuideOrigin, true, true)
	s.SetHidden(ctx, "old-hidden", true, "kim", at)
	n, err := s.ImportGuides(ctx, GuideImport{
		Versions: []GuideVersion{*guideV("vpn", "same", "kim"), *guideV("wifi", "w1", "kim"), *guideV("printer-offline", "p1", "kim")},
		Origins:  map[string]string{"vpn": GuideOrigin, "wifi": GuideOrigin, "printer-offline": GuideOriginOverride},
		Vars:     map[string]string{"helpdesk_phone": "1"}, Hidden: []string{"bitlocker-recovery"}, By: "kim", At: at,
	})
	if err != nil || n != 2 {
		t.Fatalf("import: %d %v (the unchanged vpn is left out)", n, err)
	}
	pub, _ := s.PublishedGuides(ctx)
	if len(pub) != 3 || pub[0].GuideID != "printer-offline" || pub[1].GuideID != "vpn" || pub[1].Version != 1 {
		t.Fatalf("published after import: %+v", pub)
	}
	if g, _ := s.GuideRecord(ctx, "printer-offline"); g.Origin != GuideOriginOverride || g.Published != 1 {
		t.Fatalf("override: %+v", g)
	}
	if h, _ := s.HiddenGuides(ctx); !slices.Equal(h, []string{"bitlocker-recovery"}) {
		t.Fatalf("hidden replaced: %v", h)
	}
	// nil variables and hidden are left alone.
	if _, err := s.ImportGuides(ctx, GuideImport{Versions: []GuideVersion{*guideV("wifi", "w2", "kim")}, At: at}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GuideVariables(ctx); v["helpdesk_phone"] != "1" {
		t.Fatalf("variables after an import without them: %v", v)
	}
	if h, _ := s.HiddenGuides(ctx); len(h) != 1 {
		t.Fatalf("hidden after an import without them: %v", h)
	}
	// A failure part-way (a full disk, here a trigger) leaves nothing.
	if _, err := s.db.Exec(`CREATE TRIGGER boom BEFORE INSERT ON guide_versions WHEN NEW.yaml = 'boom' BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	before, _ := s.GuideVersions(ctx, "wifi")
	_, err = s.ImportGuides(ctx, GuideImport{Versions: []GuideVersion{*guideV("wifi", "w3", "kim"), *guideV("x", "boom", "kim")},
		Origins: map[string]string{"x": GuideOrigin}, Vars: map[string]string{"helpdesk_phone": "2"}, Hidden: []string{}, At: at})
	if err == nil {
		t.Fatal("import with a failing insert succeeded")
	}
	after, _ := s.GuideVersions(ctx, "wifi")
	v, _ := s.GuideVariables(ctx)
	h, _ := s.HiddenGuides(ctx)
	if len(after) != len(before) || v["helpdesk_phone"] != "1" || len(h) != 1 {
		t.Fatalf("a failed import changed something: versions %d → %d, variables %v, hidden %v", len(before), len(after), v, h)
	}
	if _, err := s.GuideRecord(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("guide of a failed import: %v", err)
	}
}
