package ui

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// helpScreen is the escalation form, with a preview of exactly what will
// be sent, and then the waiting state.
type helpScreen struct {
	u    *UI
	root *fyne.Container

	name, contact, desc     *widget.Entry
	shareGuide, shareDiag   *widget.Check
	shareSystem             *widget.Check
	guideDetail, diagDetail *fyne.Container
	send                    *widget.Button
	record                  *runner.Record
	snapshot                []diag.Result
	waiting                 *widget.Label
	onSnapshot              func() // test hook
	onSent                  func() // test hook: after Submit returned
}

func newHelpScreen(u *UI) *helpScreen {
	w := widget.NewLabel("")
	w.Wrapping = fyne.TextWrapWord
	return &helpScreen{u: u, root: container.NewStack(), waiting: w}
}

// showHelp opens the escalation form, pre-filled with the guide path taken
// (rec, may be nil) and what the person searched for.
func (u *UI) showHelp(rec *runner.Record, query string) {
	if rec == nil && query != "" {
		u.journey.Searched(query, len(u.home.shown.Hits)) // a search that led straight to live help
	}
	u.help.open(rec, query)
	u.setScreen(u.help.root)
}

func (h *helpScreen) open(rec *runner.Record, query string) {
	st := h.u.deps.Settings
	h.record, h.snapshot = rec, nil
	heading := widget.NewLabelWithStyle(lang.L("Get help from the help desk"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel(lang.L("Tell us what is wrong. A technician will see your request, with what you already tried, and contact you."))
	intro.Wrapping = fyne.TextWrapWord

	h.name = widget.NewEntry()
	h.name.SetText(st.Name())
	h.name.SetPlaceHolder(lang.L("Your name"))
	h.contact = widget.NewEntry()
	h.contact.SetText(st.Contact())
	h.contact.SetPlaceHolder(lang.L("Phone number or email"))
	h.desc = widget.NewMultiLineEntry()
	h.desc.Wrapping = fyne.TextWrapWord
	h.desc.SetMinRowsVisible(4)
	h.desc.SetPlaceHolder(lang.L("What is happening? What were you trying to do?"))
	if query != "" {
		h.desc.SetText(query)
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Name"), h.name),
		widget.NewFormItem(lang.L("Contact"), h.contact),
		widget.NewFormItem(lang.L("Problem"), h.desc),
	)

	preview := container.NewVBox(sectionLabel(lang.L("What will be sent (untick anything you'd rather not share)")))
	h.guideDetail = container.NewVBox()
	if rec != nil {
		text := lang.L("The guide you followed: {{.Title}} ({{.N}} steps)", map[string]any{"Title": rec.GuideTitle, "N": len(rec.Steps)})
		if len(rec.Steps) == 1 {
			text = lang.L("The guide you followed: {{.Title}} (1 step)", map[string]any{"Title": rec.GuideTitle})
		}
		h.shareGuide = widget.NewCheck(text, nil)
		h.shareGuide.SetChecked(true)
		for _, s := range rec.Steps {
			h.guideDetail.Add(stepSummary(s))
		}
		preview.Add(h.shareGuide)
		preview.Add(indent(h.guideDetail))
	}
	h.shareDiag = widget.NewCheck(lang.L("A check of this computer"), nil)
	h.shareDiag.SetChecked(true)
	h.shareDiag.Disable()
	spinner := widget.NewProgressBarInfinite()
	h.diagDetail = container.NewVBox(widget.NewLabel(lang.L("Checking your computer…")))
	preview.Add(h.shareDiag)
	diagAcc := widget.NewAccordion(widget.NewAccordionItem(lang.L("Show the check results"), h.diagDetail))
	preview.Add(indent(container.NewVBox(spinner, diagAcc)))
	h.shareSystem = widget.NewCheck(lang.L("System: {{.OS}} · Lifeline {{.Version}}", map[string]any{"OS": osName(), "Version": h.u.deps.Version}), nil)
	h.shareSystem.SetChecked(true)
	preview.Add(h.shareSystem)

	h.send = widget.NewButtonWithIcon(lang.L("Send to the help desk"), theme.MailSendIcon(), h.submit)
	h.send.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("Back"), h.u.showHome)
	h.waiting.SetText("")

	validate := func(string) {
		if strings.TrimSpace(h.name.Text) == "" || strings.TrimSpace(h.desc.Text) == "" {
			h.send.Disable()
		} else {
			h.send.Enable()
		}
	}
	h.name.OnChanged, h.desc.OnChanged = validate, validate
	validate("")

	body := container.NewVBox(heading, intro, form, widget.NewSeparator(), preview, h.waiting)
	h.root.Objects = []fyne.CanvasObject{container.NewBorder(nil,
		container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, cancel, h.send)), nil, nil,
		container.NewVScroll(container.NewPadded(body)))}
	h.root.Refresh()

	h.u.goBackground(func(ctx context.Context) {
		snap := h.u.deps.Diag.Snapshot(ctx)
		h.u.do(func() {
			if ctx.Err() != nil {
				return
			}
			h.snapshot = snap
			spinner.Stop()
			spinner.Hide()
			h.diagDetail.Objects = nil
			for _, r := range snap {
				h.diagDetail.Add(diagLine(r))
			}
			h.diagDetail.Refresh()
			h.shareDiag.SetText(lang.L("A check of this computer ({{.N}} results)", map[string]any{"N": len(snap)}))
			h.shareDiag.Enable()
			if h.onSnapshot != nil {
				h.onSnapshot()
			}
		})
	})
}

// request builds what will be sent from the form and the ticked parts.
func (h *helpScreen) request() helpdesk.HelpRequest {
	req := helpdesk.HelpRequest{Name: strings.TrimSpace(h.name.Text), Contact: strings.TrimSpace(h.contact.Text), Description: strings.TrimSpace(h.desc.Text),
		Journey: h.u.journey.ID()}
	if h.record != nil && h.shareGuide != nil && h.shareGuide.Checked {
		rec := *h.record
		req.Guide = &rec
	}
	if h.shareDiag.Checked && h.snapshot != nil {
		req.Diagnostics = h.snapshot
	}
	if h.shareSystem.Checked {
		req.OS, req.AppVersion = osName(), h.u.deps.Version
	}
	return req
}

func (h *helpScreen) submit() {
	req := h.request()
	h.u.deps.Settings.SetName(req.Name)
	h.u.deps.Settings.SetContact(req.Contact)
	if h.u.deps.Helpdesk == nil {
		h.waiting.SetText(lang.L("This copy of Lifeline is not connected to a help desk. Call your help desk instead, and tell them what you see on this screen."))
		return
	}
	h.send.Disable()
	h.waiting.SetText(lang.L("Sending…"))
	h.u.goBackground(func(ctx context.Context) {
		err := h.u.deps.Helpdesk.Submit(ctx, req)
		h.u.do(func() {
			if h.onSent != nil {
				defer h.onSent()
			}
			switch {
			case err == nil:
				h.showWaiting(lang.L("Your request is with the help desk. Keep Lifeline open: a technician will contact you here or by phone."))
			case errors.Is(err, helpdesk.ErrOffline):
				h.showWaiting(lang.L("The help desk can't be reached right now. Your request is saved and will be sent automatically as soon as the connection is back."))
			default:
				h.send.Enable()
				h.waiting.SetText(lang.L("Your request could not be sent. {{.Why}}", map[string]any{"Why": lang.L(plainerr.Message(err))}))
			}
		})
	})
}

// showWaiting replaces the form with the waiting state.
func (h *helpScreen) showWaiting(msg string) {
	h.waiting.SetText(msg)
	cancel := widget.NewButtonWithIcon(lang.L("Cancel my request"), theme.CancelIcon(), func() {
		h.u.goBackground(func(ctx context.Context) {
			err := h.u.deps.Helpdesk.CancelRequest(ctx)
			h.u.do(func() {
				if err != nil {
					h.waiting.SetText(lang.L("The request could not be cancelled. {{.Why}}", map[string]any{"Why": lang.L(plainerr.Message(err))}))
					return
				}
				h.u.showHome()
			})
		})
	})
	spinner := widget.NewProgressBarInfinite()
	heading := widget.NewLabelWithStyle(lang.L("Waiting for a technician"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	h.root.Objects = []fyne.CanvasObject{container.NewCenter(container.NewGridWrap(fyne.NewSize(460, 220),
		container.NewVBox(heading, spinner, h.waiting, container.NewCenter(cancel))))}
	h.root.Refresh()
	h.u.setScreen(h.root)
}

// taken tells the person a technician has their request.
func (h *helpScreen) taken(technician string) {
	h.waiting.SetText(lang.L("{{.Who}} from the help desk has your request and will contact you shortly. Keep Lifeline open.", map[string]any{"Who": technician}))
}

// queued shows that the help desk has the request: right after sending,
// or once a request kept while the help desk was unreachable got there.
func (h *helpScreen) queued(position int) {
	if position > 0 {
		h.waiting.SetText(lang.L("Your request is with the help desk. You are number {{.N}} in the queue.", map[string]any{"N": position}))
		return
	}
	h.waiting.SetText(lang.L("Your request is with the help desk. Keep Lifeline open: a technician will contact you here or by phone."))
}

func stepSummary(s runner.StepRecord) fyne.CanvasObject {
	line := s.Title
	if line == "" {
		line = s.StepID
	}
	if s.GuideTitle != "" {
		line = s.GuideTitle + ": " + line
	}
	if s.Answer != "" {
		line += " → " + s.Answer
	}
	if s.Opened != nil {
		line += " → " + lang.L("opened “{{.Guide}}”", map[string]any{"Guide": s.Opened.Title})
	}
	if s.Check != nil {
		line += fmt.Sprintf(" (%s: %s)", statusMark(s.Check.Status), s.Check.Detail)
	}
	if s.Fix != nil {
		if s.Fix.Accepted {
			line += " · " + lang.L("fix run: {{.Result}}", map[string]any{"Result": s.Fix.Result})
		} else {
			line += " · " + lang.L("fix declined")
		}
	}
	l := widget.NewLabel(line)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// statusMark says a check's outcome in a word, never a bare symbol.
func statusMark(s diag.Status) string {
	switch s {
	case diag.OK:
		return "✓ " + lang.L("Fine")
	case diag.Warn:
		return "! " + lang.L("Worth a look")
	case diag.Fail:
		return "✗ " + lang.L("Problem")
	}
	return lang.L("Not checked")
}

// diagLine is one check in the preview, as the person reads it: the
// outcome, what was checked and the plain-words finding. The technical
// detail goes to the technician only.
func diagLine(r diag.Result) *widget.Label {
	l := widget.NewLabel(fmt.Sprintf("%s · %s: %s", statusMark(r.Status), r.Title, r.Detail))
	l.Wrapping = fyne.TextWrapWord
	return l
}

func indent(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewLabel("   "), nil, o)
}

func osName() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS"
	case "windows":
		return "Windows"
	case "linux":
		return "Linux"
	}
	return runtime.GOOS
}
