package runner_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// fakeDiag counts calls; it stands in for diag.Runner in the unit tests
// beside TestRealDiagnostics, which uses the real one.
type fakeDiag struct {
	checks, fixes int
}

func (f *fakeDiag) Check(_ context.Context, name string) diag.Result {
	f.checks++
	return diag.Result{Name: name, Status: diag.Warn, Detail: "3 print jobs are waiting."}
}

func (f *fakeDiag) Fix(name string) (diag.FixInfo, bool) {
	return diag.FixInfo{Name: name, Title: "Clear the print queue", Prompt: "Default prompt?"}, name == diag.FixClearPrintQueue
}

func (f *fakeDiag) RunFix(_ context.Context, name string) (string, error) {
	f.fixes++
	return "Cancelled 3 print job(s).", nil
}

func testGuide(t *testing.T) *guide.Guide {
	t.Helper()
	g, probs := guide.Parse("test.yaml", []byte(`
id: print-test
title: Print jobs stuck
summary: Test.
category: printing
symptoms: [stuck]
steps:
  - id: queue
    title: Look at the queue
    text: Generic text.
    variants:
      windows: Open **Settings > Bluetooth & devices > Printers & scanners**.
      macos: Open **System Settings > Printers & Scanners**.
    check: print.queue
    fix: print.clear-queue
    fix_prompt: Cancel your waiting jobs? Call {{helpdesk_phone}} if unsure.
    question: Did it print?
    answers:
      - label: Yes
        next: fixed
      - label: No
        next: restart
  - id: restart
    title: Restart the printer
    text: Switch the printer off and on.
    question: Did it print now?
    answers:
      - label: Yes
        next: fixed
      - label: No
        next: escalate
        note: Queue cleared and printer restarted; still stuck.
`))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return g
}

func TestRunnerPaths(t *testing.T) {
	tests := []struct {
		name    string
		answers []int
		want    runner.Outcome
		steps   []string
		note    string
	}{
		{"fixed at once", []int{0}, runner.Fixed, []string{"queue"}, ""},
		{"fixed after restart", []int{1, 0}, runner.Fixed, []string{"queue", "restart"}, ""},
		{"escalated", []int{1, 1}, runner.Escalated, []string{"queue", "restart"}, "Queue cleared and printer restarted; still stuck."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := runner.New(testGuide(t), runner.Config{Platform: guide.Linux, Diag: &fakeDiag{}})
			if err != nil {
				t.Fatal(err)
			}
			var got runner.Outcome
			for _, a := range tt.answers {
				if got, err = r.Answer(a); err != nil {
					t.Fatal(err)
				}
			}
			rec := r.Record()
			var steps []string
			for _, s := range rec.Steps {
				steps = append(steps, s.StepID)
			}
			if got != tt.want || rec.Outcome != tt.want || strings.Join(steps, ",") != strings.Join(tt.steps, ",") || rec.Note != tt.note {
				t.Errorf("got %s %v %q, want %s %v %q", got, steps, rec.Note, tt.want, tt.steps, tt.note)
			}
			if _, ok := r.Current(); ok {
				t.Error("guide still has a current step after ending")
			}
			if _, err := r.Answer(0); !errors.Is(err, runner.ErrEnded) {
				t.Errorf("answer after end: %v", err)
			}
		})
	}
}

func TestRunnerVariantsAndVars(t *testing.T) {
	tests := []struct {
		platform guide.Platform
		want     string
	}{
		{guide.Windows, "Open **Settings > Bluetooth & devices > Printers & scanners**."},
		{guide.MacOS, "Open **System Settings > Printers & Scanners**."},
		{guide.Linux, "Generic text."},
	}
	for _, tt := range tests {
		r, _ := runner.New(testGuide(t), runner.Config{Platform: tt.platform, Diag: &fakeDiag{}, Vars: guide.Vars{"helpdesk_phone": "555-0100"}})
		v, _ := r.Current()
		if v.Text != tt.want {
			t.Errorf("%s: text %q, want %q", tt.platform, v.Text, tt.want)
		}
		if v.Fix == nil || v.Fix.Prompt != "Cancel your waiting jobs? Call 555-0100 if unsure." {
			t.Errorf("fix prompt: %+v", v.Fix)
		}
		if v.Number != 1 || v.Total != 2 {
			t.Errorf("progress %d of %d, want 1 of 2", v.Number, v.Total)
		}
	}
}

// TestRunnerFixOnlyAfterConsent: the fix runs only when the person says
// yes; a no, an error or a missing callback leaves the computer untouched,
// and the record says which.
func TestRunnerFixOnlyAfterConsent(t *testing.T) {
	tests := []struct {
		name    string
		confirm runner.ConfirmFunc
		ran     int
	}{
		{"yes", func(context.Context, runner.FixRequest) (bool, error) { return true, nil }, 1},
		{"no", func(context.Context, runner.FixRequest) (bool, error) { return false, nil }, 0},
		{"dialog closed", func(context.Context, runner.FixRequest) (bool, error) { return true, context.Canceled }, 0},
		{"no callback", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &fakeDiag{}
			r, _ := runner.New(testGuide(t), runner.Config{Platform: guide.Linux, Diag: d, Confirm: tt.confirm})
			rec, err := r.OfferFix(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if d.fixes != tt.ran || rec.Accepted != (tt.ran == 1) {
				t.Errorf("fix ran %d times, accepted %v", d.fixes, rec.Accepted)
			}
			got := r.Record().Steps[0].Fix
			if got == nil || got.Accepted != (tt.ran == 1) {
				t.Errorf("record: %+v", got)
			}
		})
	}
}

func TestRunnerRecordsChecksAndBack(t *testing.T) {
	d := &fakeDiag{}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	r, _ := runner.New(testGuide(t), runner.Config{Platform: guide.Linux, Diag: d, Now: func() time.Time { return now }})
	if _, err := r.RunCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Answer(1)
	if _, err := r.RunCheck(context.Background()); !errors.Is(err, runner.ErrNoCheck) {
		t.Errorf("step without check: %v", err)
	}
	if err := r.Back(); err != nil {
		t.Fatal(err)
	}
	rec := r.Record()
	if len(rec.Steps) != 1 || rec.Steps[0].Answer != "" || rec.Steps[0].Check == nil || rec.Steps[0].Check.Status != diag.Warn {
		t.Errorf("after back: %+v", rec.Steps)
	}
	if err := r.Back(); !errors.Is(err, runner.ErrAtStart) {
		t.Errorf("back at start: %v", err)
	}
	r.Escalate("it still doesn't print")
	rec = r.Record()
	if rec.Outcome != runner.Escalated || rec.Note != "it still doesn't print" || !rec.EndedAt.Equal(now) {
		t.Errorf("escalate: %+v", rec)
	}
}

// TestRealDiagnostics runs a guide step against the real diag runner.
func TestRealDiagnostics(t *testing.T) {
	g, probs := guide.Parse("disk.yaml", []byte(`
id: disk
title: Disk full
summary: Test.
category: performance
symptoms: [disk full]
steps:
  - id: space
    text: Lifeline checks your free space.
    check: disk.free
    question: Is there enough space?
    answers:
      - label: Yes
        next: fixed
`))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	r, _ := runner.New(g, runner.Config{Platform: guide.Current, Diag: diag.New(diag.Config{})})
	res, err := r.RunCheck(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status == diag.Unknown || !strings.Contains(res.Detail, "free of") {
		t.Errorf("disk check: %+v", res)
	}
	if c := r.Record().Steps[0].Check; c == nil || c.Name != diag.CheckDisk {
		t.Errorf("record: %+v", c)
	}
}
