package ui

import (
	"context"
	"strings"
	"time"
	"unicode"

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

// ConsentTimeout is how long a consent request waits before it counts as
// declined.
const ConsentTimeout = 60 * time.Second

// showCode is "A technician gave me a code": enter it, then consent.
func (u *UI) showCode() {
	heading := widget.NewLabelWithStyle(lang.L("Enter the code from your technician"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel(lang.L("The technician reads out a code of 9 or more digits on the phone. Nothing is shared until you allow it."))
	intro.Wrapping = fyne.TextWrapWord
	entry := widget.NewEntry()
	entry.SetPlaceHolder("123 456 789")
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	var connect *widget.Button
	tries := 0 // failed tries, so a repeated answer reads as a new one
	submit := func() {
		code := digitsOnly(entry.Text)
		if len(code) < 9 {
			status.SetText(lang.L("The code has at least 9 digits. Please check it with your technician."))
			return
		}
		if u.deps.Helpdesk == nil {
			status.SetText(lang.L("This copy of Lifeline is not connected to a help desk."))
			return
		}
		connect.Disable()
		status.SetText(lang.L("Connecting…"))
		u.goBackground(func(ctx context.Context) {
			err := u.deps.Helpdesk.RedeemCode(ctx, code)
			u.do(func() {
				connect.Enable()
				if err != nil {
					tries++
					msg := lang.L(plainerr.Message(err))
					if tries > 1 {
						msg = lang.L("Try {{.N}}: {{.Message}}", map[string]any{"N": tries, "Message": msg})
					}
					status.SetText(msg)
					return
				}
				status.SetText(lang.L("Connected. Your technician will now ask to see your screen."))
			})
		})
	}
	connect = widget.NewButtonWithIcon(lang.L("Connect"), theme.LoginIcon(), submit)
	connect.Importance = widget.HighImportance
	entry.OnSubmitted = func(string) { submit() }
	u.setScreen(container.NewVBox(heading, intro, entry, container.NewHBox(connect, widget.NewButton(lang.L("Back"), u.showHome)), status))
	u.win.Canvas().Focus(entry)
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// consentDialog asks for permission with a visible countdown; no answer in
// time is a decline.
type consentDialog struct {
	d              *dialog.CustomDialog
	allow, decline *widget.Button
	title          string
	countdown      *widget.Label
	answered       bool
	answer         func(bool)
	stop           chan struct{}
}

func (u *UI) showConsent(req helpdesk.ConsentRequest) *consentDialog {
	who := req.Technician
	if who == "" {
		who = lang.L("A technician")
	}
	var title, what, allowText string
	if req.Kind == helpdesk.ConsentControl {
		title = lang.L("{{.Who}} asks to control your computer", map[string]any{"Who": who})
		what = lang.L("If you allow it, {{.Who}} can move your mouse and type on your keyboard while you watch. You can take back control at any moment.", map[string]any{"Who": who})
		allowText = lang.L("Allow control")
	} else {
		title = lang.L("{{.Who}} wants to see your screen", map[string]any{"Who": who})
		what = lang.L("If you allow it, {{.Who}} will see everything on your screen, live. They cannot click or type unless you allow that separately. You can stop sharing at any moment.", map[string]any{"Who": who})
		allowText = lang.L("Allow viewing")
		what = recordingNotice(req.Recording) + what // recording.go
	}
	c := &consentDialog{stop: make(chan struct{})}
	c.answer = func(allow bool) {
		if c.answered {
			return
		}
		c.answered = true
		close(c.stop)
		c.d.Hide()
		u.goBackground(func(ctx context.Context) {
			if err := u.deps.Helpdesk.Answer(ctx, req, allow); err != nil {
				u.do(func() { dialog.ShowInformation(lang.L("Lifeline"), lang.L(plainerr.Message(err)), u.win) })
			}
		})
	}
	body := widget.NewLabel(what)
	body.Wrapping = fyne.TextWrapWord
	c.countdown = widget.NewLabel("")
	allow := widget.NewButtonWithIcon(allowText, theme.ConfirmIcon(), func() { c.answer(true) })
	allow.Importance = widget.HighImportance
	decline := widget.NewButtonWithIcon(lang.L("Decline"), theme.CancelIcon(), func() { c.answer(false) })
	c.allow, c.decline, c.title = allow, decline, title
	u.lastConsent = c
	content := container.NewVBox(body, c.countdown, container.NewGridWithColumns(2, decline, allow))
	c.d = dialog.NewCustomWithoutButtons(title, content, u.win)
	c.d.Resize(fyne.NewSize(520, 0))
	deadline := time.Now().Add(ConsentTimeout)
	update := func() {
		left := time.Until(deadline).Round(time.Second)
		c.countdown.SetText(lang.L("If you do nothing, this is declined in {{.S}} seconds.", map[string]any{"S": int(left.Seconds())}))
	}
	update()
	c.d.Show()
	u.goBackground(func(ctx context.Context) {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				u.do(func() {
					if c.answered {
						return
					}
					if time.Now().After(deadline) {
						c.answer(false)
						return
					}
					update()
				})
			}
		}
	})
	return c
}

// bannerText says who sees or controls the computer and, when the user
// has several screens, which one is shared (screens: how many; shown:
// which, from 0, or helpdesk.AllScreens).
func bannerText(state helpdesk.SessionState, technician string, shown, screens int) string {
	args := map[string]any{"Who": technician, "N": shown + 1}
	control := state == helpdesk.SessionControlling
	switch {
	case screens > 1 && shown == helpdesk.AllScreens && control:
		return lang.L("{{.Who}} is controlling your computer and can see all your screens", args)
	case screens > 1 && shown == helpdesk.AllScreens:
		return lang.L("{{.Who}} can see all your screens", args)
	case screens > 1 && control:
		return lang.L("{{.Who}} is controlling your computer: Display {{.N}}", args)
	case screens > 1:
		return lang.L("{{.Who}} can see your screen: Display {{.N}}", args)
	case control:
		return lang.L("{{.Who}} is controlling your computer", args)
	}
	return lang.L("{{.Who}} can see your screen", args)
}

// setSharedScreen remembers which of the user's screens the technician sees,
// for the banner.
func (u *UI) setSharedScreen(shown, screens int) {
	u.screenShown, u.screens = shown, screens
}

// setSession shows or hides the always-visible banner.
func (u *UI) setSession(state helpdesk.SessionState, technician string) {
	if technician == "" {
		technician = lang.L("The technician")
	}
	u.banner.Objects = nil
	if state != helpdesk.SessionViewing && state != helpdesk.SessionControlling {
		u.presenceBanner(state, technician, "") // forget the technician's presence
	}
	switch state {
	case helpdesk.SessionViewing, helpdesk.SessionControlling:
		msg := u.presenceBanner(state, technician, bannerText(state, technician, u.screenShown, u.screens))
		label := widget.NewLabelWithStyle(msg, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		stop := widget.NewButtonWithIcon(lang.L("Stop sharing"), theme.MediaStopIcon(), func() {
			u.goBackground(func(context.Context) { u.deps.Helpdesk.StopSharing() })
		})
		stop.Importance = widget.DangerImportance
		right := container.NewHBox()
		if state == helpdesk.SessionControlling {
			share := widget.NewCheck(lang.L("Share what I copy"), nil)
			share.SetChecked(u.sharingClip)
			share.OnChanged = func(on bool) {
				u.sharingClip = on
				u.goBackground(func(context.Context) {
					if err := u.deps.Helpdesk.ShareClipboard(on); err != nil {
						u.do(func() {
							u.sharingClip = false
							share.SetChecked(false)
							u.notify(lang.L("What you copy cannot be shared from this computer."))
						})
					}
				})
			}
			u.shareCheck = share
			right.Add(share)
			take := widget.NewButtonWithIcon(lang.L("Take back control"), theme.CancelIcon(), func() {
				u.goBackground(func(context.Context) { u.deps.Helpdesk.RevokeControl() })
			})
			take.Importance = widget.WarningImportance
			right.Add(take)
		}
		right.Add(stop)
		if mark := u.recordingMark(); mark != nil { // recording.go
			right.Objects = append([]fyne.CanvasObject{mark}, right.Objects...)
		}
		u.banner.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.VisibilityIcon()), right, label))
		u.win.SetTitle(msg + " — Lifeline")
	default:
		u.win.SetTitle(lang.L("Lifeline — IT help"))
	}
	u.banner.Refresh()
}

// showSession shows what is happening in the live session in the main
// area; the banner above stays visible whatever screen is open. The chat
// is shown while the session lasts and cleared when it ends.
func (u *UI) showSession(ev helpdesk.Event) {
	state, technician := ev.Session, ev.Technician
	if technician == "" {
		technician = lang.L("The technician")
	}
	who := map[string]any{"Who": technician}
	var title, text string
	var action *widget.Button
	switch state {
	case helpdesk.SessionWaiting:
		u.chatPanel.open()
		return // the consent dialog asks
	case helpdesk.SessionDeclined:
		u.chatPanel.open()
		title = lang.L("Nothing was shared")
		if ev.Change == protocol.ConsentNoAnswer {
			text = lang.L("You did not answer in time, so {{.Who}} cannot see your screen. You can keep writing in the chat on the right; if you change your mind, they can ask again.", who)
		} else {
			text = lang.L("You declined, so {{.Who}} cannot see your screen. You can keep writing in the chat on the right; if you change your mind, they can ask again.", who)
		}
		action = widget.NewButtonWithIcon(lang.L("End the session"), theme.CancelIcon(), func() {
			u.goBackground(func(context.Context) { u.deps.Helpdesk.StopSharing() })
		})
	case helpdesk.SessionViewing:
		u.chatPanel.open()
		title = lang.L("{{.Who}} is looking at your screen", who)
		text = lang.L("They can see everything on your screen but cannot click or type. Use the chat on the right, or talk on the phone. Press “Stop sharing” at the top whenever you want.")
		if ev.Change == protocol.ConsentRevoked {
			text = lang.L("You took back control. {{.Who}} can still see your screen and has to ask again to control it.", who)
		}
	case helpdesk.SessionControlling:
		u.chatPanel.open()
		title = lang.L("{{.Who}} is controlling your computer", who)
		text = lang.L("{{.Who}} is working on your screen: please leave the mouse to them. You can still type in the chat on the right. Press “Take back control” at the top at any moment.", who)
	case helpdesk.SessionEnded:
		u.chatPanel.close()
		title = lang.L("The session has ended")
		if ev.Shared {
			text = lang.L("{{.Who}} can no longer see or control your computer.", who)
		} else {
			text = lang.L("Nothing was shared: {{.Who}} never saw your screen.", who)
		}
		action = widget.NewButtonWithIcon(lang.L("Back to start"), theme.HomeIcon(), u.showHome)
		action.Importance = widget.HighImportance
	default:
		return
	}
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	heading.Wrapping = fyne.TextWrapWord
	body := widget.NewLabelWithStyle(text, fyne.TextAlignCenter, fyne.TextStyle{})
	body.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(heading, body)
	if action != nil {
		box.Add(container.NewCenter(action))
	}
	u.setScreen(container.NewCenter(container.NewGridWrap(fyne.NewSize(460, 200), box)))
}
