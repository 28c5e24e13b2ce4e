package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// outcomeHelpdesk records the insight events the window makes.
type outcomeHelpdesk struct {
	failingHelpdesk
	events chan protocol.InsightEvent
}

func (h *outcomeHelpdesk) Track(evs ...protocol.InsightEvent) {
	for _, ev := range evs {
		h.events <- ev
	}
}

// next returns the next event of kind k, skipping others.
func (h *outcomeHelpdesk) next(t *testing.T, u *UI, k protocol.InsightKind) protocol.InsightEvent {
	t.Helper()
	for {
		if ev := waitFor(t, u, h.events); ev.Kind == k {
			return ev
		}
	}
}

// TestGuideLinkAndWayBack follows an answer of the real "network drive"
// guide into the real "VPN won't connect" guide, comes back with the
// "Back to" button to the step left, goes again and says it's fixed: the
// outcome names the VPN guide and the path shows the hops.
func TestGuideLinkAndWayBack(t *testing.T) {
	hd := &outcomeHelpdesk{events: make(chan protocol.InsightEvent, 64)}
	u := newTestUI(t, hd)
	u.openGuide("network-drive-missing")
	const drive, vpn = "Network or shared drive missing or won't open", "VPN won't connect"
	if u.guide.title.Text != drive {
		t.Fatalf("title %q", u.guide.title.Text)
	}
	test.Tap(findButton(t, u.guide.body, "At home, travelling or anywhere else"))
	test.Tap(findButton(t, u.guide.body, "The VPN won't connect"))

	v, _ := u.guide.run.Current()
	if u.guide.title.Text != vpn || v.GuideID != "vpn-wont-connect" {
		t.Fatalf("after the link: title %q, guide %s", u.guide.title.Text, v.GuideID)
	}
	back := findButton(t, u.guide.body, "Back to “"+drive+"”")
	test.Tap(back)
	v, _ = u.guide.run.Current()
	if u.guide.title.Text != drive || v.GuideID != "network-drive-missing" || v.StepID != "vpn" {
		t.Fatalf("way back: title %q, at %s/%s, want the VPN step of the drive guide", u.guide.title.Text, v.GuideID, v.StepID)
	}
	if slices.Contains(u.guide.body.Objects, fyne.CanvasObject(u.guide.wayBack)) {
		t.Error("a way back is offered in the guide started")
	}

	test.Tap(findButton(t, u.guide.body, "The VPN won't connect"))
	test.Tap(findButton(t, u.guide.root, "That fixed it"))
	if ev := hd.next(t, u, protocol.InsightFixed); ev.GuideID != "vpn-wont-connect" || ev.Journey == "" {
		t.Errorf("fixed event %+v, want it in vpn-wont-connect", ev)
	}
	rec := u.guide.run.Record()
	if g, _ := rec.EndedIn(); g != "vpn-wont-connect" || rec.Outcome != runner.Fixed || rec.GuideID != "network-drive-missing" {
		t.Errorf("outcome %s in %s (started in %s), want fixed in vpn-wont-connect", rec.Outcome, g, rec.GuideID)
	}
	var path []string
	for _, s := range rec.Steps {
		p := s.GuideID + "/" + s.StepID
		if s.Opened != nil {
			p += "→" + s.Opened.ID
		}
		path = append(path, p)
	}
	want := "/where /vpn→vpn-wont-connect vpn-wont-connect/internet-first /vpn→vpn-wont-connect vpn-wont-connect/internet-first"
	if got := strings.Join(path, " "); got != want {
		t.Errorf("path\n got %s\nwant %s", got, want)
	}
	if a := rec.Steps[2].Answer; a != "Went back to “"+drive+"”" {
		t.Errorf("the way back is recorded as %q", a)
	}

	// The VPN is sorted; the drive may not be: the success screen leads
	// back to where the person left the drive guide.
	test.Tap(findButton(t, u.content, "Back to “"+drive+"”"))
	v, _ = u.guide.run.Current()
	if u.content.Objects[0] != u.guide.root || v.GuideID != "network-drive-missing" || v.StepID != "vpn" {
		t.Fatalf("after fixed, back: at %s/%s", v.GuideID, v.StepID)
	}
	test.Tap(findButton(t, u.guide.body, "Yes, and the drive works now"))
	if ev := hd.next(t, u, protocol.InsightFixed); ev.GuideID != "network-drive-missing" {
		t.Errorf("second fixed event %+v, want it in network-drive-missing", ev)
	}
	rec = u.guide.run.Record()
	if g, _ := rec.EndedIn(); g != "network-drive-missing" || rec.Outcome != runner.Fixed {
		t.Errorf("second outcome %s in %s, want fixed in network-drive-missing", rec.Outcome, g)
	}
	if containsText(u.content, "Back to “") {
		t.Error("the success screen of the guide started offers a way back")
	}
}

// containsText reports whether a button under o has label in its text.
func containsText(o fyne.CanvasObject, label string) bool {
	switch c := o.(type) {
	case *widget.Button:
		return strings.Contains(c.Text, label)
	case *fyne.Container:
		for _, ch := range c.Objects {
			if containsText(ch, label) {
				return true
			}
		}
	}
	return false
}
