package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// followupDialog is the help desk's "is it still working?" after a
// session: Yes / No, a 1–5 rating and an optional comment.
type followupDialog struct {
	d        *dialog.CustomDialog
	intro    *widget.Label
	question *widget.Label
	rating   *widget.RadioGroup
	comment  *widget.Entry
	yes, no  *widget.Button
	later    *widget.Button
	sent     chan struct{} // closed once answered (test hook)
}

// showFollowup asks the person about a problem a technician worked on.
// "Not now" leaves it unanswered: the help desk may ask again later.
func (u *UI) showFollowup(off protocol.FollowupOffer) *followupDialog {
	f := &followupDialog{sent: make(chan struct{})}
	what := strings.TrimSpace(off.Description)
	if r := []rune(what); len(r) > 80 {
		what = string(r[:79]) + "…"
	}
	if what == "" {
		f.question = widget.NewLabel(lang.L("Is the problem you had fixed working now?"))
	} else {
		f.question = widget.NewLabel(lang.L("Is “{{.What}}” working now?", map[string]any{"What": what}))
	}
	f.question.Wrapping = fyne.TextWrapWord
	f.question.TextStyle = fyne.TextStyle{Bold: true}
	intro := lang.L("The help desk would like to know whether the fix held.")
	if off.Technician != "" {
		intro = lang.L("{{.Who}} helped you with this. The help desk would like to know whether the fix held.", map[string]any{"Who": off.Technician})
	}
	f.intro = widget.NewLabel(intro)
	f.intro.Wrapping = fyne.TextWrapWord

	f.rating = widget.NewRadioGroup([]string{"1", "2", "3", "4", "5"}, nil)
	f.rating.Horizontal = true
	ratingRow := container.NewHBox(widget.NewLabel(lang.L("How happy are you with the help? (1 = not at all, 5 = very)")), f.rating)
	f.comment = widget.NewMultiLineEntry()
	f.comment.SetPlaceHolder(lang.L("Anything you want to add (optional)"))
	f.comment.SetMinRowsVisible(2)
	f.comment.Wrapping = fyne.TextWrapWord

	answer := func(working bool) {
		rating, _ := strconv.Atoi(f.rating.Selected)
		a := helpdesk.FollowupAnswer{RequestID: off.RequestID, Working: working, Rating: rating, Comment: strings.TrimSpace(f.comment.Text)}
		f.yes.Disable()
		f.no.Disable()
		u.goBackground(func(ctx context.Context) {
			err := u.deps.Helpdesk.AnswerFollowup(ctx, a)
			u.do(func() {
				if err != nil {
					f.yes.Enable()
					f.no.Enable()
					dialog.ShowInformation(lang.L("Lifeline"), lang.L(plainerr.Message(err)), u.win)
					return
				}
				f.d.Hide()
				close(f.sent)
				if working {
					u.notify(lang.L("Thank you! Glad it is still working."))
					return
				}
				// The request is back in the queue: the waiting screen,
				// which EventQueued fills in with the place in the queue.
				u.help.showWaiting(lang.L("Thank you. Your request is back with the help desk; a technician will contact you here or by phone."))
			})
		})
	}
	f.yes = widget.NewButtonWithIcon(lang.L("Yes, it works"), theme.ConfirmIcon(), func() { answer(true) })
	f.yes.Importance = widget.SuccessImportance
	f.no = widget.NewButtonWithIcon(lang.L("No, still not working"), theme.HelpIcon(), func() { answer(false) })
	f.no.Importance = widget.WarningImportance
	f.later = widget.NewButton(lang.L("Not now"), func() { f.d.Hide() })
	f.later.Importance = widget.LowImportance

	content := container.NewVBox(f.intro, f.question, ratingRow, f.comment,
		container.NewBorder(nil, nil, f.later, container.NewHBox(f.no, f.yes)))
	f.d = dialog.NewCustomWithoutButtons(lang.L("A quick check from the help desk"), content, u.win)
	f.d.Resize(fyne.NewSize(600, 0))
	f.d.Show()
	u.lastFollowup = f
	return f
}
