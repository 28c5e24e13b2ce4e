package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/settings"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// newTestUI builds the window on Fyne's test driver with the real built-in
// guides, the real index and the real diagnostics.
func newTestUI(t *testing.T, hd Helpdesk) *UI { return newTestUITB(t, hd) }

func newTestUIB(b *testing.B) *UI { return newTestUITB(b, nil) }

func newTestUITB(t testing.TB, hd Helpdesk) *UI {
	t.Helper()
	return newTestUIWith(t, func(d *Deps) { d.Helpdesk = hd })
}

// newTestUIWith is newTestUI with Deps changed by mod (after the defaults
// are set; a nil Index is filled with the built-in guides').
func newTestUIWith(t testing.TB, mod func(*Deps)) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	deps := Deps{Diag: diag.New(diag.Config{Timeout: 2 * time.Second}), Settings: settings.New(a.Preferences()),
		Platform: guide.Linux, Version: "test"}
	mod(&deps)
	if deps.Index == nil {
		deps.Index = builtinTestIndex(t)
	}
	u := New(a, deps)
	u.win.Resize(fyne.NewSize(820, 640))
	queue := make(chan func(), 4096)
	u.dispatch = func(fn func()) { queue <- fn }
	testQueues.Store(u, queue)
	t.Cleanup(u.Close)
	return u
}

// builtinTestIndex is a fresh index of the built-in guides, closed at
// the end of the test.
func builtinTestIndex(t testing.TB) *search.Index {
	t.Helper()
	ix := builtinTestIndexOwned(t)
	t.Cleanup(func() { ix.Close() })
	return ix
}

// testQueues holds each test window's UI work queue. Fyne's test driver
// runs fyne.Do work on the calling goroutine, which races with the test's
// own taps; the tests instead run all UI work on the test goroutine,
// pumping the queue while they wait.
var testQueues sync.Map

// waitFor runs queued UI work until ch delivers, and returns the value.
func waitFor[T any](t *testing.T, u *UI, ch <-chan T) T {
	t.Helper()
	q, _ := testQueues.Load(u)
	queue := q.(chan func())
	timeout := time.After(20 * time.Second)
	for {
		select {
		case fn := <-queue:
			fn()
		case v := <-ch:
			return v
		case <-timeout:
			t.Fatal("timed out waiting for the window")
		}
	}
}

// typeAndWait types into the search box and waits for the results.
func typeAndWait(t *testing.T, u *UI, text string) search.Results {
	t.Helper()
	got := make(chan search.Results, 16)
	u.home.onShown = func(r search.Results) {
		if r.Query == text {
			got <- r
		}
	}
	test.Type(u.home.entry, text)
	return waitFor(t, u, got)
}

func findButton(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	b := findWidget(o, func(b *widget.Button) bool { return strings.Contains(b.Text, label) })
	if b == nil {
		t.Fatalf("no button %q", label)
	}
	return b
}

// findWidget is the first W below o (inside containers, scrolls and
// accordions) that match accepts; nil when none.
func findWidget[W fyne.CanvasObject](o fyne.CanvasObject, match func(W) bool) W {
	var found W
	done := false
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if done || o == nil {
			return
		}
		if w, ok := o.(W); ok && match(w) {
			found, done = w, true
			return
		}
		switch c := o.(type) {
		case *fyne.Container:
			for _, ch := range c.Objects {
				walk(ch)
			}
		case *container.Scroll:
			walk(c.Content)
		case *widget.Accordion:
			for _, it := range c.Items {
				walk(it.Detail)
			}
		}
	}
	walk(o)
	return found
}

func TestSearchShowsResultsAsYouType(t *testing.T) {
	u := newTestUI(t, nil)
	res := typeAndWait(t, u, "printer says offline")
	if len(res.Hits) == 0 || res.Hits[0].ID != "printer-offline" {
		t.Fatalf("hits %+v", res.Hits)
	}
}

func TestSearchEmptyStateOffersLiveHelp(t *testing.T) {
	u := newTestUI(t, nil)
	res := typeAndWait(t, u, "qqqqzzzz")
	if len(res.Hits) != 0 {
		t.Fatalf("hits %+v", res.Hits)
	}
	findButton(t, u.home.resultsV, "Get live help")
}

// TestGuideBranchesAndEscalatesWithContext walks a guide in the window:
// a check runs and shows its result, an answer branches, "Still not
// working" opens the escalation form with the path taken.
func TestGuideBranchesAndEscalatesWithContext(t *testing.T) {
	u := newTestUI(t, nil)
	checked := make(chan diag.Result, 4)
	u.guide.onCheckDone = func(r diag.Result) { checked <- r }
	res := typeAndWait(t, u, "documents stuck in the print queue")
	if res.Hits[0].ID != "print-queue-stuck" {
		t.Fatalf("top hit %s", res.Hits[0].ID)
	}
	test.Tap(findButton(t, u.home.resultsV, res.Hits[0].Title))
	if u.content.Objects[0] != u.guide.root {
		t.Fatal("guide screen not shown")
	}
	v, _ := u.guide.run.Current()
	if v.Check != "" {
		if r := waitFor(t, u, checked); r.Detail == "" {
			t.Errorf("check result without detail: %+v", r)
		}
	}
	// Take the first answer that leads to another step.
	g := u.guide.run.Guide()
	st, _ := g.Step(v.StepID)
	for _, a := range st.Answers {
		if a.Next != guide.EndFixed && a.Next != guide.EndEscalate {
			test.Tap(findButton(t, u.guide.body, a.Label))
			break
		}
	}
	if n := len(u.guide.run.Record().Steps); n != 2 {
		t.Fatalf("after branching the path has %d steps", n)
	}
	test.Tap(findButton(t, u.guide.root, "Still not working"))
	if u.content.Objects[0] != u.help.root {
		t.Fatal("escalation form not shown")
	}
	if u.help.shareGuide == nil || !strings.Contains(u.help.shareGuide.Text, "(2 steps)") {
		t.Fatalf("preview does not show the guide path: %+v", u.help.shareGuide)
	}
	if u.help.desc.Text != "documents stuck in the print queue" {
		t.Errorf("description not pre-filled: %q", u.help.desc.Text)
	}
	req := u.help.request()
	if req.Guide == nil || req.Guide.GuideID != "print-queue-stuck" || req.Guide.Outcome != "escalate" {
		t.Errorf("request guide: %+v", req.Guide)
	}
	u.help.shareGuide.SetChecked(false)
	if u.help.request().Guide != nil {
		t.Error("unticked guide path is still sent")
	}
}

func TestBackReturnsToPreviousStep(t *testing.T) {
	u := newTestUI(t, nil)
	u.openGuide("wifi-not-connecting")
	first, _ := u.guide.run.Current()
	g := u.guide.run.Guide()
	st, _ := g.Step(first.StepID)
	for i, a := range st.Answers {
		if a.Next != guide.EndFixed && a.Next != guide.EndEscalate {
			u.guide.answer(i)
			break
		}
	}
	test.Tap(u.guide.back)
	now, _ := u.guide.run.Current()
	if now.StepID != first.StepID {
		t.Errorf("back went to %s, want %s", now.StepID, first.StepID)
	}
	test.Tap(u.guide.back)
	if u.content.Objects[0] != u.home.root {
		t.Error("back from the first step does not return home")
	}
}

func TestRecentGuidesRemembered(t *testing.T) {
	u := newTestUI(t, nil)
	u.openGuide("disk-full")
	u.showHome()
	if got := u.deps.Settings.RecentGuides(); len(got) == 0 || got[0] != "disk-full" {
		t.Errorf("recent %v", got)
	}
	findButton(t, u.home.recent, "")
}

func TestHomeMarkup(t *testing.T) {
	u := newTestUI(t, nil)
	test.AssertRendersToMarkup(t, "home.xml", u.win.Canvas())
}

func findEntry(t *testing.T, o fyne.CanvasObject) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil {
			return
		}
		if e, ok := o.(*widget.Entry); ok {
			found = e
			return
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, ch := range c.Objects {
				walk(ch)
			}
		}
	}
	walk(o)
	if found == nil {
		t.Fatal("no entry")
	}
	return found
}

func TestGuideStepMarkup(t *testing.T) {
	u := newTestUI(t, nil)
	u.openGuide("pdf-wont-open")
	test.AssertRendersToMarkup(t, "guide-step.xml", u.win.Canvas())
}

func TestConsentDialogMarkup(t *testing.T) {
	u := newTestUI(t, nil)
	u.showConsent(helpdesk.ConsentRequest{Kind: helpdesk.ConsentView, Technician: "Alex from IT", ID: "1"})
	test.AssertRendersToMarkup(t, "consent-view.xml", u.win.Canvas())
	saveScreen(t, u, "consent view")
}

func TestSessionBannerMarkup(t *testing.T) {
	u := newTestUI(t, nil)
	u.setSession(helpdesk.SessionControlling, "Alex from IT")
	u.showSession(helpdesk.Event{Kind: helpdesk.EventSession, Session: helpdesk.SessionControlling, Technician: "Alex from IT"})
	test.AssertRendersToMarkup(t, "session-controlling.xml", u.win.Canvas())
	saveScreen(t, u, "session controlling")
}
