package ui

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// TestScreensKeepWindowWidth renders every screen and asks each for its
// minimum size: none may need more than the window's one width (it would
// be cut off), and the window asks for that width on all of them (it never
// resizes between screens).
func TestScreensKeepWindowWidth(t *testing.T) {
	u := newTestUI(t, nil)
	check := func(name string) {
		t.Helper()
		if got := u.win.Content().MinSize().Width; got != WindowWidth {
			t.Errorf("%s: the window asks for %.0f px, want %d", name, got, WindowWidth)
		}
		if got := u.main.MinSize().Width; got > WindowWidth {
			t.Errorf("%s: the screen needs %.0f px, more than the window's %d", name, got, WindowWidth)
		}
		saveScreen(t, u, name)
	}
	check("home")
	typeAndWait(t, u, "printer says offline")
	check("search results")
	for _, g := range u.deps.Index.Library().All() {
		if !g.Supports(guide.Linux) {
			continue
		}
		u.openGuide(g.ID)
		check("guide " + g.ID)
	}
	showResult(t, u, diag.Result{Status: diag.Fail, Detail: "The printing service on this computer is not running. Restarting the computer usually starts it again."})
	check("guide step with a check result")
	u.guide.finish(runner.Fixed)
	check("guide fixed")
	u.showHelp(nil, "printer says offline")
	check("help form")
	u.showCode()
	check("code entry")
	for _, st := range []helpdesk.SessionState{helpdesk.SessionViewing, helpdesk.SessionControlling, helpdesk.SessionDeclined} {
		u.setSession(st, "Alex from IT")
		u.showSession(helpdesk.Event{Kind: helpdesk.EventSession, Session: st, Technician: "Alex from IT"})
		check(fmt.Sprintf("session %d with chat", st))
	}
	u.startOver()
	check("home with chat")
}

// saveScreen writes what the window shows to $LIFELINE_SCREENS_DIR/name.png
// (Fyne's software renderer) so a person can look at every screen; it
// does nothing when the variable is unset.
func saveScreen(t *testing.T, u *UI, name string) {
	t.Helper()
	dir := os.Getenv("LIFELINE_SCREENS_DIR")
	if dir == "" {
		return
	}
	u.win.Resize(fyne.NewSize(WindowWidth, 640))
	f, err := os.Create(filepath.Join(dir, strings.NewReplacer(" ", "-", "/", "-").Replace(name)+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, u.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// fixedChecks answers every check with one result, through the real
// diagnostics' fixes.
type fixedChecks struct {
	*diag.Runner
	res diag.Result
}

func (f fixedChecks) Check(_ context.Context, name string) diag.Result {
	r := f.res
	r.Name = name
	return r
}

// showResult opens the printer guide with its first check answering res,
// and waits until the step shows it.
func showResult(t *testing.T, u *UI, res diag.Result) {
	t.Helper()
	done := make(chan diag.Result, 1)
	u.guide.onCheckDone = func(r diag.Result) { done <- r }
	u.guide.checks = fixedChecks{u.deps.Diag, res}
	u.guide.start(mustGuide(t, u, "printer-offline"), "")
	waitFor(t, u, done)
}

func mustGuide(t *testing.T, u *UI, id string) *guide.Guide {
	t.Helper()
	g, ok := u.deps.Index.Library().Get(id)
	if !ok {
		t.Fatalf("no guide %s", id)
	}
	return g
}

// TestStartClearsSearch: "Start" begins a new search, not one added to the
// last.
func TestStartClearsSearch(t *testing.T) {
	u := newTestUI(t, nil)
	typeAndWait(t, u, "printer says offline")
	u.openGuide("printer-offline")
	test.Tap(findButton(t, u.win.Content(), "Start"))
	if u.content.Objects[0] != u.home.root {
		t.Fatal("Start does not show home")
	}
	if u.home.entry.Text != "" {
		t.Errorf("the search box still says %q", u.home.entry.Text)
	}
	typeAndWait(t, u, "outlook")
	if u.home.entry.Text != "outlook" {
		t.Errorf("typing after Start gives %q", u.home.entry.Text)
	}
}

// TestCheckResultOnStep: once the check is done the step shows its result
// instead of "Lifeline is listing…", highlights the answer it points to and
// keeps the others; a result no answer speaks of highlights "Still not
// working" instead.
func TestCheckResultOnStep(t *testing.T) {
	u := newTestUI(t, nil)
	showResult(t, u, diag.Result{Status: diag.Warn, Detail: "Printers: office-mfp (offline, default). A printer marked offline will not print until it is back on line."})
	v, _ := u.guide.run.Current()
	if v.Result == nil {
		t.Fatal("no result on the step")
	}
	if got := u.guide.progress.Text; got != "Step 1 of at most 9" {
		t.Errorf("progress %q", got)
	}
	if b := findButton(t, u.guide.body, "It says offline, paused or error"); b.Importance != widget.HighImportance {
		t.Errorf("the matching answer is not highlighted")
	}
	if b := findButton(t, u.guide.body, "It says ready, but nothing prints"); b.Importance == widget.HighImportance {
		t.Errorf("another answer is highlighted too")
	}
	if u.guide.still.Importance == widget.HighImportance {
		t.Error("Still not working is highlighted although an answer fits")
	}

	showResult(t, u, diag.Result{Status: diag.Fail, Detail: "The printing service on this computer is not running. Restarting the computer usually starts it again."})
	for _, a := range []string{"It says offline, paused or error", "It says ready, but nothing prints", "My printer is not in the list"} {
		if b := findButton(t, u.guide.body, a); b.Importance == widget.HighImportance {
			t.Errorf("%q is highlighted for a stopped printing service", a)
		}
	}
	if u.guide.still.Importance != widget.HighImportance {
		t.Error("Still not working is not offered for a result no answer fits")
	}
}

// TestSettingsAdvancedFolded: the organisation's settings sit, closed,
// under "Advanced"; the person's own ones are on top; Save keeps both.
func TestSettingsAdvancedFolded(t *testing.T) {
	u := newTestUI(t, nil)
	f := newSettingsForm(u)
	if len(f.advanced.Items) != 1 || f.advanced.Items[0].Open {
		t.Fatalf("Advanced is not one closed item: %+v", f.advanced.Items)
	}
	top := f.root.(*fyne.Container).Objects[0].(*widget.Form)
	for _, it := range top.Items {
		if strings.Contains(it.Text, "server") || strings.Contains(it.Text, "folder") || strings.Contains(it.Text, "Help desk") {
			t.Errorf("%q is shown outside Advanced", it.Text)
		}
	}
	org := f.advanced.Items[0].Detail.(*fyne.Container).Objects[1].(*widget.Form)
	relay := org.Items[0].Widget.(*widget.Entry)
	relay.SetText("wss://help.example.org")
	f.save()
	if got := u.deps.Settings.RelayURL(); got != "wss://help.example.org" {
		t.Errorf("relay after save: %q", got)
	}
}

// TestSettingsRelaySetByOrganisation: an address the organisation set is
// shown as text with a note saying so, there is no field to type a new
// one into, and Save keeps the organisation's address.
func TestSettingsRelaySetByOrganisation(t *testing.T) {
	u := newTestUI(t, nil)
	st := u.deps.Settings
	st.SetRelayURL("https://mine.example.org")
	st.LockRelayURL("https://help.example.org")
	f := newSettingsForm(u)
	org := f.advanced.Items[0].Detail.(*fyne.Container).Objects[1].(*widget.Form)
	item := org.Items[0]
	if item.Text != "Help desk address" {
		t.Fatalf("first Advanced item is %q", item.Text)
	}
	var labels []string
	var entries []*widget.Entry
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Entry:
			entries = append(entries, w)
		case *widget.Label:
			labels = append(labels, w.Text)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(item.Widget)
	if len(entries) > 0 {
		t.Errorf("the organisation's address is editable (%d entry fields)", len(entries))
	}
	if len(labels) != 2 || labels[0] != "https://help.example.org" || labels[1] != "Set by your organisation." {
		t.Errorf("shown %q, want the address and \"Set by your organisation.\"", labels)
	}
	// Typing wherever the focus can go in the dialog reaches no address.
	w := test.NewWindow(f.root)
	w.Resize(fyne.NewSize(560, 600))
	defer w.Close()
	f.advanced.Open(0)
	for range 8 {
		w.Canvas().FocusNext()
		test.Type(w.Canvas().Focused(), "x")
	}
	f.save()
	if got := st.RelayURL(); got != "https://help.example.org" {
		t.Errorf("relay after save: %q", got)
	}
	if got := u.app.Preferences().String("relay.url"); got != "https://mine.example.org" {
		t.Errorf("saved address after save: %q, want the user's own kept", got)
	}
	test.AssertRendersToMarkup(t, "settings-relay-locked.xml", w.Canvas())
}
