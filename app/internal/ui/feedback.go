package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// FeedbackSender sends what a person wrote about a guide's step; kept
// and sent later when the help desk is away. *helpdesk.Desk implements it.
type FeedbackSender interface {
	SendFeedback(ctx context.Context, f helpdesk.Feedback) error
}

// Feedback texts; the thanks is what the person sees once it is kept.
const (
	feedbackLinkText = "Something wrong with this step?"
	feedbackThanks   = "Thanks — the help desk will look at this step."
)

// feedbackLink is the small link under a step; nil without a sender.
func (s *guideScreen) feedbackLink(guideID, stepID string) fyne.CanvasObject {
	if s.u.deps.Feedback == nil {
		return nil
	}
	link := widget.NewHyperlink(lang.L(feedbackLinkText), nil)
	link.OnTapped = func() { s.u.showFeedback(guideID, stepID) }
	return container.NewHBox(link)
}

// feedbackDialog is the open "Something wrong with this step?" dialog.
type feedbackDialog struct {
	d       *dialog.ConfirmDialog
	comment *widget.Entry
	send    func()
}

// showFeedback asks what is wrong with the step and sends it.
func (u *UI) showFeedback(guideID, stepID string) *feedbackDialog {
	f := &feedbackDialog{comment: widget.NewMultiLineEntry()}
	f.comment.SetPlaceHolder(lang.L("For example: the button is called “Restart”, not “Reboot”."))
	f.comment.Wrapping = fyne.TextWrapWord
	f.comment.SetMinRowsVisible(4)
	f.comment.Validator = func(s string) error {
		if len(s) > protocol.MaxFeedbackComment {
			return errors.New(lang.L("That is a little long: please keep it under 1,000 letters."))
		}
		return nil
	}
	intro := widget.NewLabel(lang.L("Tell the help desk what is wrong or missing here. They see which guide and step you were on, not your name."))
	intro.Wrapping = fyne.TextWrapWord
	f.send = func() {
		text := f.comment.Text
		if f.comment.Validate() != nil {
			return
		}
		u.goBackground(func(ctx context.Context) {
			err := u.deps.Feedback.SendFeedback(ctx, helpdesk.Feedback{GuideID: guideID, StepID: stepID, Comment: text})
			u.do(func() {
				if err != nil {
					dialog.ShowInformation(lang.L("Not sent"), lang.L(plainerr.Message(err)), u.win)
					return
				}
				dialog.ShowInformation(lang.L("Thank you"), lang.L(feedbackThanks), u.win)
				if u.onFeedback != nil {
					u.onFeedback()
				}
			})
		})
	}
	f.d = dialog.NewCustomConfirm(lang.L(feedbackLinkText), lang.L("Send"), lang.L("Cancel"),
		container.NewVBox(intro, f.comment), func(ok bool) {
			if ok {
				f.send()
			}
		}, u.win)
	f.d.Resize(fyne.NewSize(520, 300))
	f.d.Show()
	u.win.Canvas().Focus(f.comment)
	u.lastFeedback = f
	return f
}
