package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

type guideScreen struct {
	u     *UI
	root  *fyne.Container
	run   *runner.Runner
	query string // what the person searched for, carried into an escalation

	title    *widget.Label
	progress *widget.Label
	body     *fyne.Container
	back     *widget.Button
	wayBack  *widget.Button // "Back to <guide>" after an answer opened another guide
	still    *widget.Button // "Still not working"

	onCheckDone func(diag.Result)  // test hook
	checks      runner.Diagnostics // test hook: nil runs the real checks
}

func newGuideScreen(u *UI) *guideScreen {
	s := &guideScreen{u: u}
	s.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.title.SizeName = theme.SizeNameSubHeadingText
	s.title.Wrapping = fyne.TextWrapWord
	s.progress = widget.NewLabel("")
	s.body = container.NewVBox()
	s.back = widget.NewButtonWithIcon(lang.L("Back"), theme.NavigateBackIcon(), s.goBack)
	s.wayBack = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), s.returnBack)
	s.wayBack.Alignment = widget.ButtonAlignLeading
	fixed := widget.NewButtonWithIcon(lang.L("That fixed it"), theme.ConfirmIcon(), func() { s.finish(runner.Fixed) })
	fixed.Importance = widget.SuccessImportance
	s.still = widget.NewButtonWithIcon(lang.L("Still not working"), theme.HelpIcon(), func() { s.finish(runner.Escalated) })
	s.still.Importance = widget.WarningImportance
	footer := container.NewBorder(nil, nil, s.back, container.NewHBox(fixed, s.still))
	s.root = container.NewBorder(
		container.NewVBox(s.title, s.progress, widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), footer),
		nil, nil,
		container.NewVScroll(container.NewPadded(s.body)),
	)
	return s
}

func (s *guideScreen) start(g *guide.Guide, query string) {
	var checks runner.Diagnostics = s.u.deps.Diag
	if s.checks != nil {
		checks = s.checks
	}
	r, err := runner.New(g, runner.Config{
		Platform: s.u.deps.Platform,
		Vars:     s.u.deps.Vars,
		Diag:     checks,
		Confirm:  s.confirmFix,
		Guides:   s.u.deps.Index.Library(),
	})
	if err != nil {
		dialog.ShowError(err, s.u.win)
		return
	}
	s.run, s.query = r, query
	s.title.SetText(g.Title)
	s.render()
}

// render shows the runner's current step.
func (s *guideScreen) render() {
	v, ok := s.run.Current()
	if !ok {
		return
	}
	s.title.SetText(v.GuideTitle)
	s.progress.SetText(progressText(v))
	s.u.journey.Reached(v.GuideID, v.StepID)
	s.back.Enable()
	if v.Number == 1 {
		s.back.SetText(lang.L("All guides"))
	} else {
		s.back.SetText(lang.L("Back"))
	}

	s.body.Objects = nil
	if v.Title != "" {
		t := widget.NewLabelWithStyle(v.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		t.Wrapping = fyne.TextWrapWord
		s.body.Add(t)
	}
	if v.Result != nil {
		// The result stands where "Lifeline is checking…" stood.
		s.body.Add(resultRow(diag.Result{Status: v.Result.Status, Detail: v.Result.Detail}))
	}
	text := widget.NewRichTextFromMarkdown(unwrapMarkdown(v.Text))
	text.Wrapping = fyne.TextWrapWord
	s.body.Add(text)
	if v.Check != "" && v.Result == nil {
		s.body.Add(s.checkCard(v.Check))
	}
	if v.Fix != nil {
		s.body.Add(s.fixCard(*v.Fix))
	}
	if v.Question != "" {
		q := widget.NewLabelWithStyle(v.Question, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		q.Wrapping = fyne.TextWrapWord
		s.body.Add(q)
	}
	if hint := answerHint(v); hint != "" {
		l := widget.NewLabel(hint)
		l.Wrapping = fyne.TextWrapWord
		s.body.Add(l)
	}
	for i, a := range v.Answers {
		b := widget.NewButton(a, func() { s.answer(i) })
		b.Alignment = widget.ButtonAlignLeading
		if i == v.Suggested {
			b.Importance = widget.HighImportance
			b.Icon = theme.NavigateNextIcon()
		}
		s.body.Add(b)
	}
	if v.BackTo != "" {
		// An answer opened this guide: the way back to the step left.
		s.wayBack.SetText(lang.L("Back to “{{.Guide}}”", map[string]any{"Guide": v.BackTo}))
		s.body.Add(widget.NewSeparator())
		s.body.Add(s.wayBack)
	}
	s.still.Importance = widget.WarningImportance
	if unmatchedProblem(v) {
		s.still.Importance = widget.HighImportance
	}
	s.still.Refresh()
	s.body.Refresh()
}

// progressText is the one progress style of every guide.
func progressText(v runner.View) string {
	return lang.L("Step {{.N}} of at most {{.M}}", map[string]any{"N": v.Number, "M": v.Total})
}

// unmatchedProblem: the check found a problem that none of the answers
// speaks of.
func unmatchedProblem(v runner.View) bool {
	return v.Result != nil && v.Suggested == runner.NoSuggestion && (v.Result.Status == diag.Warn || v.Result.Status == diag.Fail)
}

// answerHint tells the person how the check result relates to the answers.
func answerHint(v runner.View) string {
	switch {
	case v.Result != nil && v.Suggested != runner.NoSuggestion:
		return lang.L("Lifeline's result points to the highlighted answer. Choose another one if it doesn't fit.")
	case unmatchedProblem(v):
		return lang.L("If no answer fits, do what the result says, or choose “Still not working” to send it to the help desk.")
	}
	return ""
}

// checkCard runs the step's check in the background with a spinner; the
// step is then shown again with the result in plain words.
func (s *guideScreen) checkCard(name string) fyne.CanvasObject {
	spinner := widget.NewProgressBarInfinite()
	label := widget.NewLabel(lang.L("Checking: {{.Check}}…", map[string]any{"Check": s.u.deps.Diag.CheckTitle(name)}))
	card := container.NewVBox(label, spinner)
	run := s.run
	step, _ := run.Current()
	s.u.goBackground(func(ctx context.Context) {
		res, err := run.RunCheck(ctx)
		s.u.do(func() {
			if s.run != run || errors.Is(err, context.Canceled) {
				return
			}
			s.u.journey.Checked(step.GuideID, step.StepID, name, res.Status)
			spinner.Stop()
			if cur, ok := run.Current(); ok && cur.StepID == step.StepID && cur.Result != nil {
				s.render()
			} else {
				card.Objects = []fyne.CanvasObject{resultRow(res)}
				card.Refresh()
			}
			if s.onCheckDone != nil {
				s.onCheckDone(res)
			}
		})
	})
	return card
}

func resultRow(res diag.Result) fyne.CanvasObject {
	icon := map[diag.Status]fyne.Resource{
		diag.OK: theme.ConfirmIcon(), diag.Warn: theme.WarningIcon(), diag.Fail: theme.ErrorIcon(), diag.Unknown: theme.QuestionIcon(),
	}[res.Status]
	if icon == nil {
		icon = theme.InfoIcon()
	}
	detail := widget.NewLabel(res.Detail)
	detail.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, widget.NewIcon(icon), nil, detail)
}

// fixCard offers the step's repair; it runs only after the confirm dialog.
func (s *guideScreen) fixCard(fix runner.FixRequest) fyne.CanvasObject {
	card := container.NewVBox()
	var btn *widget.Button
	btn = widget.NewButtonWithIcon(lang.L("Let Lifeline do it: {{.Fix}}", map[string]any{"Fix": fix.Title}), theme.MediaPlayIcon(), func() {
		btn.Disable()
		run := s.run
		s.u.goBackground(func(ctx context.Context) {
			rec, err := run.OfferFix(ctx)
			s.u.do(func() {
				if s.run != run {
					return
				}
				switch {
				case err != nil:
					card.Objects = []fyne.CanvasObject{resultRow(diag.Result{Status: diag.Fail, Detail: lang.L("That did not work: {{.Err}}", map[string]any{"Err": rec.Error})})}
				case !rec.Accepted:
					btn.Enable()
					return
				default:
					card.Objects = []fyne.CanvasObject{resultRow(diag.Result{Status: diag.OK, Detail: rec.Result})}
				}
				card.Refresh()
			})
		})
	})
	btn.Importance = widget.HighImportance
	card.Add(btn)
	return card
}

// confirmFix asks the person through a dialog; it blocks the fix goroutine
// until they answer or the app closes.
func (s *guideScreen) confirmFix(ctx context.Context, req runner.FixRequest) (bool, error) {
	answer := make(chan bool, 1)
	s.u.do(func() {
		d := dialog.NewConfirm(req.Title, req.Prompt, func(ok bool) { answer <- ok }, s.u.win)
		d.SetConfirmText(lang.L("Yes, do it"))
		d.SetDismissText(lang.L("No"))
		d.Show()
	})
	select {
	case ok := <-answer:
		return ok, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (s *guideScreen) answer(i int) {
	out, err := s.run.Answer(i)
	if errors.Is(err, runner.ErrNoGuide) {
		dialog.ShowInformation(lang.L("This guide is not available"),
			lang.L("The guide this answer leads to could not be opened. Choose another answer, or “Still not working” to ask the help desk."), s.u.win)
		return
	}
	if err != nil {
		return
	}
	if out != "" {
		s.ended(out)
		return
	}
	s.render()
}

// returnBack leaves a guide an answer opened for the step the person left.
func (s *guideScreen) returnBack() {
	if err := s.run.Return(); err != nil {
		return
	}
	s.render()
}

func (s *guideScreen) goBack() {
	if err := s.run.Back(); errors.Is(err, runner.ErrAtStart) {
		s.u.showHome()
		return
	}
	s.render()
}

// finish ends the guide from the footer buttons.
func (s *guideScreen) finish(o runner.Outcome) {
	if o == runner.Escalated {
		s.run.Escalate("")
	} else {
		s.run.EndFixed()
	}
	s.ended(o)
}

func (s *guideScreen) ended(o runner.Outcome) {
	rec := s.run.Record()
	s.u.journey.Ended(rec)
	if o == runner.Escalated {
		s.u.showHelp(&rec, s.query)
		return
	}
	msg := widget.NewLabelWithStyle(lang.L("Great — glad that's sorted!"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	msg.SizeName = theme.SizeNameSubHeadingText
	sub := widget.NewLabelWithStyle(lang.L("If it happens again, search for it here any time."), fyne.TextAlignCenter, fyne.TextStyle{})
	home := widget.NewButtonWithIcon(lang.L("Back to start"), theme.HomeIcon(), s.u.startOver)
	home.Importance = widget.HighImportance
	buttons := container.NewHBox(home)
	if title := s.run.BackTo(); title != "" {
		// Fixed in a guide an answer opened: the first problem may remain.
		sub.SetText(lang.L("If “{{.Guide}}” is still a problem, carry on where you left it.", map[string]any{"Guide": title}))
		home.Importance = widget.MediumImportance
		back := widget.NewButtonWithIcon(lang.L("Back to “{{.Guide}}”", map[string]any{"Guide": title}), theme.NavigateBackIcon(), func() {
			if s.run.Return() == nil {
				s.u.setScreen(s.root)
				s.render()
			}
		})
		back.Importance = widget.HighImportance
		buttons = container.NewHBox(back, home)
	}
	s.u.setScreen(container.NewCenter(container.NewVBox(widget.NewIcon(theme.ConfirmIcon()), msg, sub, container.NewCenter(buttons))))
}
