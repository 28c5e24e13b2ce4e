package ui

import (
	"context"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// chatPanel is the conversation with the technician, shown beside the
// current screen while a request or session is open.
type chatPanel struct {
	relayout func() // lays the window out again after the panel is shown or hidden
	root     *fyne.Container
	messages *fyne.Container
	scroll   *container.Scroll
	entry    *widget.Entry
	sendFile *widget.Button // "Send a file…", while the technician sees the screen
}

// fileButton shows "Send a file…" while a session shares the screen.
func (c *chatPanel) fileButton(on bool) {
	if on {
		c.sendFile.Show()
	} else {
		c.sendFile.Hide()
	}
}

// timeNow is when a notice is shown.
func timeNow() time.Time { return time.Now() }

func newChatPanel(u *UI) *chatPanel {
	c := &chatPanel{messages: container.NewVBox(), relayout: func() {
		if content := u.win.Content(); content != nil {
			content.Refresh()
		}
	}}
	c.scroll = container.NewVScroll(c.messages)
	c.entry = widget.NewEntry()
	c.entry.SetPlaceHolder(lang.L("Type a message"))
	send := func() {
		text := strings.TrimSpace(c.entry.Text)
		if text == "" || u.deps.Helpdesk == nil {
			return
		}
		c.entry.SetText("")
		c.add(lang.L("You"), text, time.Now())
		u.goBackground(func(ctx context.Context) {
			if err := u.deps.Helpdesk.SendChat(ctx, text); err != nil {
				u.do(func() {
					c.add(lang.L("Lifeline"), lang.L("Your message could not be sent. {{.Why}}", map[string]any{"Why": lang.L(plainerr.Message(err))}), time.Now())
				})
			}
		})
	}
	c.entry.OnSubmitted = func(string) { send() }
	sendBtn := widget.NewButtonWithIcon("", theme.MailSendIcon(), send)
	title := widget.NewLabelWithStyle(lang.L("Chat with the help desk"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(280, 0))
	c.sendFile = widget.NewButtonWithIcon(lang.L("Send a file…"), theme.UploadIcon(), u.sendFile)
	c.sendFile.Hide()
	bottom := container.NewVBox(c.sendFile, container.NewBorder(nil, nil, nil, sendBtn, c.entry))
	c.root = container.NewStack(width, container.NewBorder(title, bottom, nil, nil, c.scroll))
	c.root.Hide()
	return c
}

// add shows a line "14:05 Alex (IT): text", at in local time.
func (c *chatPanel) add(from, text string, at time.Time) {
	if at.IsZero() {
		at = time.Now()
	}
	l := widget.NewLabel(at.Local().Format("15:04") + " " + from + ": " + text)
	l.Wrapping = fyne.TextWrapWord
	c.messages.Add(l)
	c.open()
	c.scroll.ScrollToBottom()
}

// notice shows a line "14:05 text" about the session (not a message).
func (c *chatPanel) notice(text string, at time.Time) {
	if at.IsZero() {
		at = time.Now()
	}
	l := widget.NewLabelWithStyle(at.Local().Format("15:04")+" "+text, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	l.Wrapping = fyne.TextWrapWord
	c.messages.Add(l)
	c.open()
	c.scroll.ScrollToBottom()
}

// open shows the chat while a session (or a conversation) exists.
func (c *chatPanel) open() {
	if !c.root.Visible() {
		c.root.Show()
		c.relayout()
	}
}

// close clears and hides the chat when the session ends: a new session
// starts with an empty one.
func (c *chatPanel) close() {
	c.messages.RemoveAll()
	c.entry.SetText("")
	if c.root.Visible() {
		c.root.Hide()
		c.relayout()
	}
}

// lines is what the chat shows, one string a line.
func (c *chatPanel) lines() []string {
	var out []string
	for _, o := range c.messages.Objects {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

// activity tells the user, in the chat, what the technician did beyond
// mouse and keyboard.
func (u *UI) activity(a assist.Activity, at time.Time) {
	who := map[string]any{"Who": a.Technician}
	if a.Technician == "" {
		who["Who"] = lang.L("The technician")
	}
	var text string
	switch a.Kind {
	case protocol.ActivityClipboardToUser:
		text = lang.L("{{.Who}} put text on your clipboard.", who)
	case protocol.ActivityClipboardFromUser:
		text = lang.L("{{.Who}} copied the text on your clipboard.", who)
	case protocol.ActivityTextTyped:
		text = lang.L("{{.Who}} typed text on your computer.", who)
	default:
		return
	}
	u.chatPanel.notice(text, at)
}

// chat shows a message from the technician, sent at at.
func (u *UI) chat(from, text string, at time.Time) {
	if from == "" {
		from = lang.L("Technician")
	}
	u.chatPanel.add(from, text, at)
}
