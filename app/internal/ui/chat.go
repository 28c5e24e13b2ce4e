package ui

import (
	"context"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
)

// chatPanel is the conversation with the technician, shown beside the
// current screen while a request or session is open.
type chatPanel struct {
	root     *fyne.Container
	messages *fyne.Container
	scroll   *container.Scroll
	entry    *widget.Entry
}

func newChatPanel(u *UI) *chatPanel {
	c := &chatPanel{messages: container.NewVBox()}
	c.scroll = container.NewVScroll(c.messages)
	c.entry = widget.NewEntry()
	c.entry.SetPlaceHolder(lang.L("Type a message"))
	send := func() {
		text := strings.TrimSpace(c.entry.Text)
		if text == "" || u.deps.Helpdesk == nil {
			return
		}
		c.entry.SetText("")
		c.add(lang.L("You"), text)
		u.goBackground(func(ctx context.Context) {
			if err := u.deps.Helpdesk.SendChat(ctx, text); err != nil {
				u.do(func() {
					c.add(lang.L("Lifeline"), lang.L("Your message could not be sent. {{.Why}}", map[string]any{"Why": lang.L(plainerr.Message(err))}))
				})
			}
		})
	}
	c.entry.OnSubmitted = func(string) { send() }
	sendBtn := widget.NewButtonWithIcon("", theme.MailSendIcon(), send)
	title := widget.NewLabelWithStyle(lang.L("Chat with the help desk"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(280, 0))
	c.root = container.NewStack(width, container.NewBorder(title, container.NewBorder(nil, nil, nil, sendBtn, c.entry), nil, nil, c.scroll))
	c.root.Hide()
	return c
}

func (c *chatPanel) add(from, text string) {
	l := widget.NewLabel(from + ": " + text)
	l.Wrapping = fyne.TextWrapWord
	c.messages.Add(l)
	c.root.Show()
	c.scroll.ScrollToBottom()
}

// chat shows a message from the technician.
func (u *UI) chat(from, text string) {
	if from == "" {
		from = lang.L("Technician")
	}
	u.chatPanel.add(from, text)
}
