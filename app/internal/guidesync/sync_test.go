package guidesync_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/guidesync"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

const tokenQuery = "vpn token says expired"

func stepText(t *testing.T, snap *guidesync.Snapshot, id, step string) string {
	t.Helper()
	g, ok := snap.Index.Library().Get(id)
	if !ok {
		t.Fatalf("guide %s not in the library", id)
	}
	s, ok := g.Step(step)
	if !ok {
		t.Fatalf("guide %s has no step %s", id, step)
	}
	return snap.Vars.Merge().Expand(s.Text)
}

// TestSyncPackLifecycle: a desktop syncs the relay's pack, finds the new
// guide by search with the phone number filled in, asks again with
// If-None-Match (304, no rebuild), refuses a broken pack whole and keeps the
// previous one, follows a revert, and at the next start — relay gone —
// still has the last accepted pack from its cache.
func TestSyncPackLifecycle(t *testing.T) {
	ps := newPackServer(t)
	ps.serve(t, newPack("v1", tokenGuide(t, "enrol")))
	cache := t.TempDir()
	cfg := config(t, ps.URL, cache)

	d := start(t, cfg)
	if slices.Contains(hitIDs(t, d.first, tokenQuery), "vpn-token-expired") {
		t.Fatal("the first snapshot (no saved pack) already has the relay's guide")
	}
	if st := d.s.Status(); st.Text != "Lifeline is using its built-in guides." {
		t.Errorf("status before sync %q", st.Text)
	}
	v1 := d.next(t)
	if ids := hitIDs(t, v1, tokenQuery); len(ids) == 0 || ids[0] != "vpn-token-expired" {
		t.Fatalf("search %q after sync: %v", tokenQuery, ids)
	}
	if got := stepText(t, v1, "vpn-token-expired", "call"); !strings.Contains(got, "+44 20 7946 0999") {
		t.Errorf("step text %q lacks the pack's phone number", got)
	}
	if v1.ETag != "v1" {
		t.Errorf("snapshot ETag %q", v1.ETag)
	}
	if st := d.s.Status(); st.Problem || !strings.Contains(st.Text, "help desk's guides") {
		t.Errorf("status after sync %+v", st)
	}
	saved, err := os.ReadFile(filepath.Join(cache, "pack.json"))
	if err != nil || !bytes.Contains(saved, []byte(`"etag":"v1"`)) {
		t.Fatalf("pack not saved: %v %.80s", err, saved)
	}

	// Same pack: 304, nothing rebuilt.
	before := ps.requests.Load()
	d.s.Refresh()
	waitFor(t, "a 304", func() bool { return ps.notMod.Load() >= 1 })
	if got := ps.requests.Load() - before; got != 1 {
		t.Errorf("%d requests for one refresh", got)
	}
	d.none(t, 200*time.Millisecond)

	// A broken pack (next: names no step) is refused whole: no update, the
	// saved pack stays, the status says so in plain words.
	broken := newPack("v2", tokenGuide(t, "enrol"), tokenGuide(t, "no-such-step"))
	broken.Guides[1].ID = "vpn-token-other"
	broken.Guides[1].YAML = strings.Replace(broken.Guides[1].YAML, "id: vpn-token-expired", "id: vpn-token-other", 1)
	ps.serve(t, broken)
	d.s.Refresh()
	waitFor(t, "the refusal", func() bool { return d.s.Status().Problem })
	if st := d.s.Status(); !strings.Contains(st.Text, "keeps the ones it had") {
		t.Errorf("status after a broken pack %q", st.Text)
	}
	d.none(t, 200*time.Millisecond)
	if now, _ := os.ReadFile(filepath.Join(cache, "pack.json")); !bytes.Equal(now, saved) {
		t.Error("the broken pack replaced the saved one")
	}

	// A revert on the relay: the old text again under a new ETag.
	reverted := newPack("v3", tokenGuide(t, "enrol"))
	reverted.Guides[0].YAML = strings.Replace(reverted.Guides[0].YAML, "ask for a new token", "ask for a replacement token", 1)
	ps.serve(t, reverted)
	d.s.Refresh()
	v3 := d.next(t)
	if got := stepText(t, v3, "vpn-token-expired", "call"); !strings.Contains(got, "replacement token") {
		t.Errorf("after the revert the step reads %q", got)
	}
	if d.s.Status().Problem {
		t.Error("status still shows a problem after a good pack")
	}

	// The relay goes away; the desktop starts again and uses the saved pack.
	ps.Close()
	d.s.Close()
	again := start(t, cfg)
	if ids := hitIDs(t, again.first, tokenQuery); len(ids) == 0 || ids[0] != "vpn-token-expired" {
		t.Fatalf("after a restart without the relay, search %q: %v", tokenQuery, ids)
	}
	if got := stepText(t, again.first, "vpn-token-expired", "call"); !strings.Contains(got, "replacement token") || !strings.Contains(got, "+44 20 7946 0999") {
		t.Errorf("after a restart the step reads %q", got)
	}
	waitFor(t, "the unreachable status", func() bool { return again.s.Status().Problem })
	if st := again.s.Status(); !strings.Contains(st.Text, "could not be reached") {
		t.Errorf("status with the relay gone %q", st.Text)
	}
}

// TestSyncRefusesOversizedPack: a body over pack.MaxSize is refused
// without being kept.
func TestSyncRefusesOversizedPack(t *testing.T) {
	ps := newPackServer(t)
	big := append([]byte(`{"v":1,"etag":"big","guides":[],"variables":{"helpdesk_name":"`), bytes.Repeat([]byte("x"), pack.MaxSize)...)
	ps.serveRaw("big", append(big, `"}}`...))
	cache := t.TempDir()
	d := start(t, config(t, ps.URL, cache))
	waitFor(t, "the refusal", func() bool { return d.s.Status().Problem })
	d.none(t, 100*time.Millisecond)
	if _, err := os.Stat(filepath.Join(cache, "pack.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("oversized pack saved: %v", err)
	}
}

// TestSyncRateLimited: a 429 is asked again after its Retry-After (not
// the ten-minute interval) and is not shown as a problem.
func TestSyncRateLimited(t *testing.T) {
	ps := newPackServer(t)
	ps.limited.Store(1)
	ps.serve(t, newPack("v1", tokenGuide(t, "enrol")))
	cfg := config(t, ps.URL, t.TempDir())
	cfg.Jitter = 100 * time.Millisecond
	d := start(t, cfg)
	waitFor(t, "the 429", func() bool { return ps.requests.Load() >= 1 })
	if st := d.s.Status(); st.Problem {
		t.Errorf("status after a 429: %+v", st)
	}
	if snap := d.next(t); snap.ETag != "v1" || ps.requests.Load() != 2 {
		t.Errorf("after the 429: pack %q, %d requests", snap.ETag, ps.requests.Load())
	}
}

// TestSyncOldRelay: a relay without the endpoint (404) leaves the
// built-in guides and no problem.
func TestSyncOldRelay(t *testing.T) {
	ps := newPackServer(t)
	d := start(t, config(t, ps.URL, t.TempDir()))
	waitFor(t, "a request", func() bool { return ps.requests.Load() >= 1 })
	d.none(t, 100*time.Millisecond)
	if st := d.s.Status(); st.Problem {
		t.Errorf("status %+v", st)
	}
}

// TestSyncBadRelayAddress: a help desk address that is not one still
// gives the guides (the connection reports the address).
func TestSyncBadRelayAddress(t *testing.T) {
	d := start(t, config(t, "ftp://help.example.org", t.TempDir()))
	if d.first.Index.Library().Len() == 0 {
		t.Error("no guides")
	}
}

// TestSyncCorruptCache: a damaged saved pack is ignored, not fatal.
func TestSyncCorruptCache(t *testing.T) {
	cache := t.TempDir()
	if err := os.WriteFile(filepath.Join(cache, "pack.json"), []byte(`{"v":1,"guides":[{"id":`), 0o600); err != nil {
		t.Fatal(err)
	}
	d := start(t, config(t, "", cache))
	if d.first.ETag != "" || d.first.Index.Library().Len() == 0 {
		t.Errorf("first snapshot %q with %d guides", d.first.ETag, d.first.Index.Library().Len())
	}
}

// TestBuildPrecedence: built-in < pack (override by id, hidden removed) <
// this computer's folders; variables: explicit over the pack's.
func TestBuildPrecedence(t *testing.T) {
	known := config(t, "", "").Known
	override := tokenGuide(t, "enrol")
	override.ID = "account-locked"
	override.YAML = strings.Replace(override.YAML, "id: vpn-token-expired", "id: account-locked", 1)
	override.YAML = strings.Replace(override.YAML, "title: The VPN says my hardware token expired", "title: Locked out (our way)", 1)
	p := newPack("p", override, tokenGuide(t, "enrol"))
	p.Hidden = []string{"add-printer"}

	folder := t.TempDir()
	local := strings.Replace(tokenGuide(t, "enrol").YAML, "title: The VPN says my hardware token expired", "title: Token (this computer)", 1)
	if err := os.WriteFile(filepath.Join(folder, "token.yaml"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, probs, err := guidesync.Build(assets.Guides(), p, []string{folder}, known)
	if err != nil || len(probs) > 0 {
		t.Fatalf("Build: %v %v", err, probs)
	}
	title := func(id string) string {
		g, ok := lib.Get(id)
		if !ok {
			return ""
		}
		return g.Title
	}
	for id, want := range map[string]string{"account-locked": "Locked out (our way)", "add-printer": "", "vpn-token-expired": "Token (this computer)"} {
		if got := title(id); got != want {
			t.Errorf("%s: title %q, want %q", id, got, want)
		}
	}

	// Hiding a guide another one opens breaks the pack: refused whole.
	opener := findOpener(t, lib)
	p.Hidden = append(p.Hidden, opener)
	if _, _, err := guidesync.Build(assets.Guides(), p, nil, known); !errors.Is(err, guidesync.ErrRefused) {
		t.Errorf("hiding %s, opened by another guide: %v", opener, err)
	}

	cfg := config(t, "", t.TempDir())
	cfg.Explicit = guide.Vars{"helpdesk_phone": "+1 555 0100"}
	if err := os.WriteFile(filepath.Join(cfg.CacheDir, "pack.json"), mustJSON(t, newPack("p", tokenGuide(t, "enrol"))), 0o600); err != nil {
		t.Fatal(err)
	}
	d := start(t, cfg)
	if got := stepText(t, d.first, "vpn-token-expired", "call"); !strings.Contains(got, "+1 555 0100") {
		t.Errorf("explicit variable lost to the pack's: %q", got)
	}
}

// TestSyncChanged: the relay's word that its pack changed (Changed) makes
// the desktop ask soon without the periodic check (an hour away here);
// the ETag in use, or the same word told twice while one waits, asks
// nothing more.
func TestSyncChanged(t *testing.T) {
	ps := newPackServer(t)
	ps.serve(t, newPack("e1", tokenGuide(t, "enrol")))
	cfg := config(t, ps.URL, t.TempDir())
	cfg.Interval, cfg.ChangedDelay = 24*time.Hour, 200*time.Millisecond
	d := start(t, cfg)
	if snap := d.next(t); snap.ETag != "e1" {
		t.Fatalf("first pack %q", snap.ETag)
	}
	d.s.Changed("e1") // the pack in use
	d.none(t, 400*time.Millisecond)
	if n := ps.requests.Load(); n != 1 {
		t.Fatalf("%d requests after Changed with the ETag in use, want 1", n)
	}

	g := tokenGuide(t, "enrol")
	g.YAML = strings.Replace(g.YAML, "ask for a new token", "ask for a replacement token", 1)
	ps.serve(t, newPack("e2", g))
	told := time.Now()
	d.s.Changed("e2")
	d.s.Changed("e2")
	snap := d.next(t)
	t.Logf("Changed → new guides in %v (random delay up to %v)", time.Since(told).Round(time.Millisecond), cfg.ChangedDelay)
	if snap.ETag != "e2" || !strings.Contains(stepText(t, snap, "vpn-token-expired", "call"), "replacement token") {
		t.Fatalf("after Changed: pack %q", snap.ETag)
	}
	d.none(t, 400*time.Millisecond)
	if n := ps.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (Changed twice while one waited asks once)", n)
	}
}
