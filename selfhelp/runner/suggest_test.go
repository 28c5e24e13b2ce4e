package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// resultDiag answers every check with one fixed result.
type resultDiag struct{ res diag.Result }

func (d resultDiag) Check(_ context.Context, name string) diag.Result {
	r := d.res
	r.Name = name
	return r
}
func (resultDiag) Fix(string) (diag.FixInfo, bool)                { return diag.FixInfo{}, false }
func (resultDiag) RunFix(context.Context, string) (string, error) { return "", nil }

func builtinGuide(t *testing.T, id string) *guide.Guide {
	t.Helper()
	lib, probs, err := guide.Load(assets.Guides(), nil, guide.Known{Checks: diag.CheckNames(), Fixes: diag.FixNames(), Vars: guide.DefaultVars()})
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	g, ok := lib.Get(id)
	if !ok {
		t.Fatalf("no guide %s", id)
	}
	return g
}

// TestCheckResultSuggestsAnswer: on the printer guide's first step the
// check result, not the person, decides which answer is highlighted; a
// result none of the answers speaks of highlights none.
func TestCheckResultSuggestsAnswer(t *testing.T) {
	g := builtinGuide(t, "printer-offline")
	tests := []struct {
		name   string
		status diag.Status
		detail string
		want   string // answer label, "" for none
	}{
		{"all ready", diag.OK, "Printers: office-mfp (idle, default).", "It says ready, but nothing prints"},
		{"one offline", diag.Warn, "Printers: office-mfp (offline, default). A printer marked offline will not print until it is back on line.", "It says offline, paused or error"},
		{"service stopped", diag.Fail, "The printing service on this computer is not running. Restarting the computer usually starts it again.", ""},
		{"no printers", diag.Warn, "No printers are set up on this computer. Add one before printing.", ""},
		{"could not run", diag.Unknown, "The printing tools (CUPS) are not installed on this computer, so Lifeline cannot look at printers.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := runner.New(g, runner.Config{Platform: guide.Linux, Diag: resultDiag{diag.Result{Status: tt.status, Detail: tt.detail}}})
			if err != nil {
				t.Fatal(err)
			}
			before, _ := r.Current()
			if before.Result != nil || before.Suggested != runner.NoSuggestion {
				t.Fatalf("before the check: result %+v, suggested %d", before.Result, before.Suggested)
			}
			if !strings.HasPrefix(before.Text, "Lifeline is listing the printers") {
				t.Fatalf("before the check the text is %q", before.Text)
			}
			if _, err := r.RunCheck(context.Background()); err != nil {
				t.Fatal(err)
			}
			v, _ := r.Current()
			if v.Result == nil || v.Result.Detail != tt.detail || v.Result.Status != tt.status {
				t.Fatalf("result on the view: %+v", v.Result)
			}
			if strings.Contains(v.Text, "Lifeline is listing") {
				t.Errorf("the text still says Lifeline is checking: %q", v.Text)
			}
			if !strings.HasPrefix(v.Text, "Find the printer you normally use") {
				t.Errorf("the rest of the text is gone: %q", v.Text)
			}
			got := ""
			if v.Suggested != runner.NoSuggestion {
				got = v.Answers[v.Suggested]
			}
			if got != tt.want {
				t.Errorf("suggested %q, want %q", got, tt.want)
			}
			if len(v.Answers) != 3 {
				t.Errorf("answers to override with: %v", v.Answers)
			}
		})
	}
}

// TestSuggestionOnYesNoStep: a yes/no question about the result picks
// "yes" for an all-clear and never for a problem; a question about
// something else ("Did it print?") is never answered by the check.
func TestSuggestionOnYesNoStep(t *testing.T) {
	about, probs := guide.Parse("about.yaml", []byte(`
id: about-result
title: Disk
summary: Test.
category: hardware
symptoms: [full]
steps:
  - id: space
    title: Free space
    text: Lifeline is checking the free space.
    check: disk.free
    question: Does the result say OK?
    answers:
      - label: Yes
        next: fixed
      - label: No
        next: escalate
`))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	for _, tt := range []struct {
		g      *guide.Guide
		status diag.Status
		want   int
	}{
		{about, diag.OK, 0}, {about, diag.Fail, runner.NoSuggestion}, {about, diag.Warn, runner.NoSuggestion},
		{testGuide(t), diag.OK, runner.NoSuggestion}, {testGuide(t), diag.Warn, runner.NoSuggestion},
	} {
		r, _ := runner.New(tt.g, runner.Config{Platform: guide.Linux, Diag: resultDiag{diag.Result{Status: tt.status, Detail: "3 print jobs are waiting."}}})
		if _, err := r.RunCheck(context.Background()); err != nil {
			t.Fatal(err)
		}
		if v, _ := r.Current(); v.Suggested != tt.want {
			t.Errorf("%s, %s: suggested %d, want %d", tt.g.ID, tt.status, v.Suggested, tt.want)
		}
	}
}

// TestProgressOneStyle: every step reports "N of at most M" with M the
// longest path left, and M never below N.
func TestProgressOneStyle(t *testing.T) {
	g := builtinGuide(t, "printer-offline")
	r, _ := runner.New(g, runner.Config{Platform: guide.Linux, Diag: resultDiag{diag.Result{Status: diag.OK}}})
	// check-printers → look-at-printer → others-print → restart-printer →
	// check-network → right-printer → resume-printer → clear-queue →
	// restart-computer is the longest way through: 9 steps.
	v, _ := r.Current()
	if v.Number != 1 || v.Total != 9 {
		t.Fatalf("first step: %d of %d, want 1 of 9", v.Number, v.Total)
	}
	for _, label := range []string{"It says ready, but nothing prints", "No, the right printer was already selected", "No, nothing came out"} {
		v, _ := r.Current()
		i := indexOf(v.Answers, label)
		if i < 0 {
			t.Fatalf("step %s has no answer %q", v.StepID, label)
		}
		if _, err := r.Answer(i); err != nil {
			t.Fatal(err)
		}
	}
	v, _ = r.Current()
	if v.StepID != "clear-queue" || v.Number != 4 || v.Total != 5 {
		t.Errorf("at %s: %d of %d, want clear-queue 4 of 5", v.StepID, v.Number, v.Total)
	}
}

// TestOnlyOwnSystemVariant: a step with OS variants shows the person's
// own system and no other.
func TestOnlyOwnSystemVariant(t *testing.T) {
	g := builtinGuide(t, "printer-offline")
	marks := map[guide.Platform]string{guide.Windows: "Use Printer Offline", guide.MacOS: "Apple menu", guide.Linux: "Activities"}
	for p, want := range marks {
		r, _ := runner.New(g, runner.Config{Platform: p, Diag: resultDiag{diag.Result{Status: diag.OK}}})
		for _, label := range []string{"It says ready, but nothing prints", "No, the right printer was already selected"} {
			v, _ := r.Current()
			if _, err := r.Answer(indexOf(v.Answers, label)); err != nil {
				t.Fatal(err)
			}
		}
		v, _ := r.Current()
		if v.StepID != "resume-printer" {
			t.Fatalf("at %s", v.StepID)
		}
		if !strings.Contains(v.Text, want) {
			t.Errorf("%s: text lacks %q: %q", p, want, v.Text)
		}
		for other, mark := range marks {
			if other != p && strings.Contains(v.Text, mark) {
				t.Errorf("%s: text shows the %s variant (%q)", p, other, mark)
			}
		}
	}
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	return -1
}
