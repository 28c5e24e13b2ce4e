package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/app/internal/guidesync"
	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// tokenYAML is an organisation's guide for a symptom no built-in guide
// knows, shared with guidesync's tests; its first step names the help
// desk's phone number and asks the person to ask.
func tokenYAML(t *testing.T, ask string) string {
	t.Helper()
	b, err := os.ReadFile("../guidesync/testdata/vpn-token-expired.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(string(b), "ask for a new token", ask, 1)
}

// syncedUI is the window on the guides a guidesync.Syncer keeps in step
// with relay r; new guides are reported on the returned channel.
func syncedUI(t *testing.T, r *relaytest.Relay, cacheDir string) (*UI, *guidesync.Syncer, chan struct{}) {
	t.Helper()
	gs, first, err := guidesync.New(context.Background(), guidesync.Config{RelayURL: r.URL, CacheDir: cacheDir, IndexDir: t.TempDir(),
		Builtin: assets.Guides(), Known: bootstrap.Known(), Interval: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Index.Close() })
	t.Cleanup(func() { gs.Close() })
	u := newTestUIWith(t, func(d *Deps) { d.Index, d.Vars, d.Guides = first.Index, first.Vars, gs })
	updated := make(chan struct{}, 8)
	u.onGuides = func() { updated <- struct{}{} }
	gs.Start(func(s *guidesync.Snapshot) { u.UpdateGuides(s.Index, s.Vars) })
	return u, gs, updated
}

// shownStep is what the guide screen shows of the current step.
func shownStep(u *UI) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.RichText:
			b.WriteString(w.String() + "\n")
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(u.guide.body)
	return b.String()
}

func findLink(t *testing.T, o fyne.CanvasObject, text string) *widget.Hyperlink {
	t.Helper()
	l := findWidget(o, func(l *widget.Hyperlink) bool { return l.Text == text })
	if l == nil {
		t.Fatalf("no link %q", text)
	}
	return l
}

// TestGuidesFromTheRelay: an editor publishes a guide on a real relay; the
// running window finds its symptom within seconds and shows the step with
// the organisation's phone number; a newer version published while the
// guide is open does not change the open guide, and is shown once the
// person leaves it and comes back; a revert is followed; with the relay
// stopped, a restarted window still has the guide from its cache.
func TestGuidesFromTheRelay(t *testing.T) {
	r := relaytest.Start(t)
	api := r.SignIn(t, relaytest.Username, relaytest.Password)
	api.SetGuideVariables(t, map[string]string{"helpdesk_phone": "+44 20 7946 0999"})
	published := time.Now()
	v1 := api.PublishGuide(t, tokenYAML(t, "ask for a new token"))
	cache := t.TempDir()
	u, gs, updated := syncedUI(t, r, cache)
	waitFor(t, u, updated)
	res := typeAndWait(t, u, "my vpn token says expired")
	t.Logf("published → found in the window in %v", time.Since(published).Round(time.Millisecond))
	if len(res.Hits) == 0 || res.Hits[0].ID != "vpn-token-expired" {
		t.Fatalf("hits %+v", res.Hits)
	}
	u.home.openFirst()
	if got := shownStep(u); !strings.Contains(got, "Call the help desk on +44 20 7946 0999 and ask for a new token.") {
		t.Fatalf("the step reads %q", got)
	}
	if st := gs.Status(); !strings.Contains(st.Text, "help desk's guides") {
		t.Errorf("settings would say %q", st.Text)
	}

	// A new version arrives while the guide is open: not yanked away.
	api.PublishGuide(t, tokenYAML(t, "ask for a replacement token"))
	gs.Refresh()
	waitFor(t, u, updated)
	if got := shownStep(u); !strings.Contains(got, "ask for a new token") {
		t.Fatalf("the open guide changed under the person: %q", got)
	}
	u.guide.answer(0) // "Yes" → the next step, of the same version
	u.guide.goBack()
	if got := shownStep(u); !strings.Contains(got, "ask for a new token") {
		t.Fatalf("the open guide changed after an answer: %q", got)
	}
	// Leaving it and opening it again shows the new version.
	u.guide.goBack()
	u.openGuide("vpn-token-expired")
	if got := shownStep(u); !strings.Contains(got, "ask for a replacement token") {
		t.Fatalf("reopened, the guide reads %q", got)
	}

	// A revert on the relay: the desktop follows.
	if st := api.Call("POST", "/api/guides/vpn-token-expired/revert", map[string]any{"version": v1, "note": "back to v1"}, nil); st != 200 {
		t.Fatalf("revert: %d", st)
	}
	gs.Refresh()
	waitFor(t, u, updated)
	u.startOver()
	u.openGuide("vpn-token-expired")
	if got := shownStep(u); !strings.Contains(got, "ask for a new token") {
		t.Fatalf("after the revert the guide reads %q", got)
	}

	// The relay goes away; the window starts again from the cache.
	r.Stop()
	gs.Close()
	u2, _, _ := syncedUI(t, r, cache)
	if res := typeAndWait(t, u2, "keyfob code rejected"); len(res.Hits) == 0 || res.Hits[0].ID != "vpn-token-expired" {
		t.Fatalf("restarted without the relay: hits %+v", res.Hits)
	}
	u2.home.openFirst()
	if got := shownStep(u2); !strings.Contains(got, "+44 20 7946 0999") {
		t.Errorf("restarted without the relay, the step reads %q", got)
	}
}

// TestStepFeedback: "Something wrong with this step?" under a step opens a
// comment box; Send reaches the relay with the guide and step through the
// real help desk connection, and the person is thanked in plain words.
func TestStepFeedback(t *testing.T) {
	r := relaytest.Start(t)
	u := newTestUI(t, nil)
	desk, err := helpdesk.New(helpdesk.Config{RelayURL: r.URL, AppVersion: "test", Store: u.deps.Settings, OutboxDir: t.TempDir(), MinRetry: 10 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { desk.Close() })
	u.deps.Feedback = desk
	u.openGuide("printer-offline")
	step := u.guide.run
	cur, _ := step.Current()
	link := findLink(t, u.guide.root, feedbackLinkText)
	test.TapAt(link, fyne.NewPos(20, link.MinSize().Height/2)) // on the text: a link takes taps there only
	f := u.lastFeedback
	if f == nil {
		t.Fatal("no feedback dialog")
	}
	saveScreen(t, u, "guide feedback dialog")
	test.Type(f.comment, "The printer's menu says Wireless, not Network.")
	kept := make(chan struct{}, 1)
	u.onFeedback = func() { kept <- struct{}{} }
	f.send()
	waitFor(t, u, kept)
	if !canvasHasText(u, feedbackThanks) {
		t.Error("no thanks on screen")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := r.Store.GuideFeedbackFor(context.Background(), "printer-offline", 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			if got[0].StepID != cur.StepID || got[0].Comment != "The printer's menu says Wireless, not Network." || got[0].AppVersion != "test" {
				t.Errorf("the relay has %+v", got[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the feedback never reached the relay")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Without a help desk there is no link.
	plain := newTestUI(t, nil)
	plain.openGuide("printer-offline")
	if strings.Contains(shownStep(plain), feedbackLinkText) {
		t.Error("feedback link without a help desk")
	}
}

// canvasHasText reports whether an overlay (dialog) shows text.
func canvasHasText(u *UI, text string) bool {
	for _, o := range u.win.Canvas().Overlays().List() {
		var found bool
		var walk func(fyne.CanvasObject)
		walk = func(o fyne.CanvasObject) {
			if found {
				return
			}
			switch w := o.(type) {
			case *widget.Label:
				found = strings.Contains(w.Text, text)
			case *fyne.Container:
				for _, c := range w.Objects {
					walk(c)
				}
			case fyne.Widget:
				for _, c := range test.WidgetRenderer(w).Objects() {
					walk(c)
				}
			}
		}
		walk(o)
		if found {
			return true
		}
	}
	return false
}

// TestSwapWhileSearching: searches running while new guides replace the
// old ones (whose index is then closed) never fail; they finish on the
// index they started on, or run again on the new one.
func TestSwapWhileSearching(t *testing.T) {
	u := newTestUI(t, nil)
	stop := make(chan struct{})
	errs := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			res, err := u.searchGuides(context.Background(), "printer says offline", 3)
			if err == nil && (len(res.Hits) == 0 || res.Hits[0].ID != "printer-offline") {
				err = fmt.Errorf("hits %+v", res.Hits)
			}
			if err != nil {
				select {
				case errs <- err:
				default:
				}
				return
			}
		}
	}()
	swapped := make(chan struct{}, 8)
	u.onGuides = func() { swapped <- struct{}{} }
	for range 4 {
		u.UpdateGuides(builtinTestIndexOwned(t), nil)
		waitFor(t, u, swapped)
	}
	close(stop)
	<-done
	u.Close() // waits for the old indexes to be closed
	select {
	case err := <-errs:
		t.Fatalf("a search during the swaps: %v", err)
	default:
	}
}

// builtinTestIndexOwned is a fresh index of the built-in guides that
// whoever takes it closes.
func builtinTestIndexOwned(t testing.TB) *search.Index {
	t.Helper()
	lib, probs, err := guide.Load(assets.Guides(), nil, bootstrap.Known())
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	ix, err := search.Open(context.Background(), lib, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// fakeGuides is a GuideSource whose status is set by the test.
type fakeGuides struct{ status guidesync.Status }

func (f *fakeGuides) Refresh()                 {}
func (f *fakeGuides) Changed(string)           {}
func (f *fakeGuides) Status() guidesync.Status { return f.status }

// TestSettingsSayWhichGuides: Settings names the guides in use and, when
// the help desk's newest pack was refused, says so in plain words.
func TestSettingsSayWhichGuides(t *testing.T) {
	src := &fakeGuides{status: guidesync.Status{Text: "The help desk's newest guides could not be used, so Lifeline keeps the ones it had.", Problem: true}}
	u := newTestUIWith(t, func(d *Deps) { d.Guides = src })
	f := newSettingsForm(u)
	if f.guides == nil || f.guides.Text != src.status.Text {
		t.Fatalf("settings show %v", f.guides)
	}
	if plain := newSettingsForm(newTestUI(t, nil)); plain.guides != nil {
		t.Error("a guides line without a guide source")
	}
}
