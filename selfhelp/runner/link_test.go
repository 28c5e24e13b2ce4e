package runner_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// linkLibrary is two guides: the VPN one opens the internet one, which can
// send the person back into the VPN guide at its sign-in step.
func linkLibrary(t *testing.T) *guide.Library {
	t.Helper()
	var gs []*guide.Guide
	for _, src := range []string{`
id: vpn
title: VPN won't connect
summary: Test.
category: remote
symptoms: [vpn]
steps:
  - id: internet
    title: Is there internet?
    text: Open a website.
    question: Does a website open?
    answers:
      - label: Yes
        next: sign-in
      - label: No website opens
        guide: net
  - id: sign-in
    title: Sign in again
    text: Sign in.
    question: Connected now?
    answers:
      - label: Yes
        next: fixed
      - label: No
        next: escalate
`, `
id: net
title: No internet
summary: Test.
category: network
symptoms: [offline]
steps:
  - id: router
    title: Restart the router
    text: Restart it.
    question: Do websites open now?
    answers:
      - label: Yes
        next: fixed
      - label: Yes, and the VPN still fails
        guide: vpn
        step: sign-in
      - label: No
        next: cable
  - id: cable
    title: Plug in the cable
    text: Plug it in.
    question: Online now?
    answers:
      - label: Yes
        next: fixed
      - label: No
        next: escalate
`} {
		g, probs := guide.Parse("test.yaml", []byte(src))
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		gs = append(gs, g)
	}
	lib := guide.NewLibrary(gs)
	if probs := guide.Lint(gs, guide.Known{}); len(probs) > 0 {
		t.Fatal(probs)
	}
	return lib
}

// TestRunnerLinks follows answers into another guide and back: the record
// names each step's guide and the hop, the view offers the way back, and
// the guide the person ended in is the one the outcome names.
func TestRunnerLinks(t *testing.T) {
	const (
		ret  = -1 // Return
		back = -2 // Back
		fix  = -3 // EndFixed
	)
	tests := []struct {
		name    string
		moves   []int
		path    string // guide/step[answer] … as recorded
		backTo  string // View.BackTo at the end ("" when ended or none)
		out     runner.Outcome
		endedIn string
	}{
		{"open the other guide", []int{1},
			"vpn/internet[No website opens →net] net/router", "VPN won't connect", "", "net"},
		{"fixed in the other guide", []int{1, 0},
			"vpn/internet[No website opens →net] net/router[Yes]", "", runner.Fixed, "net"},
		{"escalated deeper in the other guide", []int{1, 2, 1},
			"vpn/internet[No website opens →net] net/router[No] net/cable[No]", "", runner.Escalated, "net"},
		{"way back to the step left", []int{1, ret},
			"vpn/internet[No website opens →net] net/router[Went back to “VPN won't connect”] vpn/internet", "", "", "vpn"},
		{"way back then on to fixed", []int{1, ret, 0, 0},
			"vpn/internet[No website opens →net] net/router[Went back to “VPN won't connect”] vpn/internet[Yes] vpn/sign-in[Yes]", "", runner.Fixed, "vpn"},
		{"way back from a later step", []int{1, 2, ret},
			"vpn/internet[No website opens →net] net/router[No] net/cable[Went back to “VPN won't connect”] vpn/internet", "", "", "vpn"},
		{"link back into an open guide returns into it", []int{1, 1},
			"vpn/internet[No website opens →net] net/router[Yes, and the VPN still fails →vpn] vpn/sign-in", "", "", "vpn"},
		{"fixed from the footer in the other guide", []int{1, fix},
			"vpn/internet[No website opens →net] net/router", "", runner.Fixed, "net"},
		{"back undoes the hop", []int{1, back},
			"vpn/internet", "", "", "vpn"},
		{"fixed in the other guide, then back to the first", []int{1, 0, ret},
			"vpn/internet[No website opens →net] net/router[Yes; went back to “VPN won't connect”] vpn/internet", "", "", "vpn"},
		{"fixed from the footer, then back and fixed there", []int{1, fix, ret, 0, 0},
			"vpn/internet[No website opens →net] net/router[That fixed it; went back to “VPN won't connect”] vpn/internet[Yes] vpn/sign-in[Yes]", "", runner.Fixed, "vpn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib := linkLibrary(t)
			g, _ := lib.Get("vpn")
			r, err := runner.New(g, runner.Config{Platform: guide.Linux, Guides: lib})
			if err != nil {
				t.Fatal(err)
			}
			var out runner.Outcome
			for _, m := range tt.moves {
				switch m {
				case ret:
					err, out = r.Return(), ""
				case back:
					err = r.Back()
				case fix:
					r.EndFixed()
					out = runner.Fixed
				default:
					out, err = r.Answer(m)
				}
				if err != nil {
					t.Fatalf("move %d: %v", m, err)
				}
			}
			rec := r.Record()
			var path []string
			for _, s := range rec.Steps {
				gid := s.GuideID
				if gid == "" {
					gid = rec.GuideID
				}
				p := gid + "/" + s.StepID
				if s.Answer != "" || s.Opened != nil {
					p += "[" + s.Answer
					if s.Opened != nil {
						p += " →" + s.Opened.ID
					}
					p += "]"
				}
				path = append(path, p)
			}
			if got := strings.Join(path, " "); got != tt.path {
				t.Errorf("path\n got %s\nwant %s", got, tt.path)
			}
			if out != tt.out || rec.Outcome != tt.out {
				t.Errorf("outcome %q (record %q), want %q", out, rec.Outcome, tt.out)
			}
			if gid, _ := rec.EndedIn(); gid != tt.endedIn {
				t.Errorf("ended in %q, want %q", gid, tt.endedIn)
			}
			if v, ok := r.Current(); ok {
				if v.BackTo != tt.backTo {
					t.Errorf("back to %q, want %q", v.BackTo, tt.backTo)
				}
				if wantTitle, _ := lib.Get(tt.endedIn); v.GuideTitle != wantTitle.Title {
					t.Errorf("view guide title %q, want %q", v.GuideTitle, wantTitle.Title)
				}
			}
		})
	}
}

// TestRunnerReturnAfterEnd: after a fixed end in an opened guide the way
// back is still there; after an escalation it is not.
func TestRunnerReturnAfterEnd(t *testing.T) {
	lib := linkLibrary(t)
	g, _ := lib.Get("vpn")
	tests := []struct {
		name    string
		answers []int
		backTo  string
		err     error
	}{
		{"fixed in the other guide", []int{1, 0}, "VPN won't connect", nil},
		{"escalated in the other guide", []int{1, 2, 1}, "", runner.ErrEnded},
		{"fixed in the first guide", []int{0, 0}, "", runner.ErrNoWayBack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := runner.New(g, runner.Config{Platform: guide.Linux, Guides: lib})
			for _, a := range tt.answers {
				if _, err := r.Answer(a); err != nil {
					t.Fatal(err)
				}
			}
			if got := r.BackTo(); got != tt.backTo {
				t.Errorf("back to %q, want %q", got, tt.backTo)
			}
			if err := r.Return(); !errors.Is(err, tt.err) {
				t.Errorf("return: %v, want %v", err, tt.err)
			}
			if tt.err == nil {
				if v, ok := r.Current(); !ok || v.StepID != "internet" || r.Record().Outcome != "" {
					t.Errorf("after return: %+v %v, outcome %q", v, ok, r.Record().Outcome)
				}
			}
		})
	}
}

func TestRunnerLinkErrors(t *testing.T) {
	lib := linkLibrary(t)
	g, _ := lib.Get("vpn")
	tests := []struct {
		name   string
		guides runner.Guides
		want   error
	}{
		{"no library", nil, runner.ErrNoGuide},
		{"guide missing", guide.NewLibrary([]*guide.Guide{g}), runner.ErrNoGuide},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := runner.New(g, runner.Config{Platform: guide.Linux, Guides: tt.guides})
			if _, err := r.Answer(1); !errors.Is(err, tt.want) {
				t.Errorf("answer: %v, want %v", err, tt.want)
			}
			if n := len(r.Record().Steps); n != 1 {
				t.Errorf("a failed link left %d steps on the path", n)
			}
			if err := r.Return(); !errors.Is(err, runner.ErrNoWayBack) || r.BackTo() != "" {
				t.Errorf("return without a guide to go back to: %v, back to %q", err, r.BackTo())
			}
		})
	}
}
