package ui

import (
	"context"
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/fileproto"
)

// sizeText says a number of bytes for people: "2.4 MB".
func sizeText(n int64) string {
	switch {
	case n < 1000:
		return lang.L("{{.N}} bytes", map[string]any{"N": n})
	case n < 1000*1000:
		return fmt.Sprintf("%.0f kB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

// fileDialog is the question shown last, for tests.
type fileDialog struct {
	d           dialog.Dialog
	title, text string
	buttons     []*widget.Button
}

// askFile puts a file question to the person: take the technician's file
// (into Downloads, or somewhere they choose), or pick one of theirs to
// send.
func (u *UI) askFile(q helpdesk.FileQuestion) {
	who := q.Technician
	if who == "" {
		who = lang.L("The technician")
	}
	answered := false
	var d dialog.Dialog
	answer := func(path string) {
		if answered {
			return
		}
		answered = true
		d.Hide()
		u.goBackground(func(context.Context) {
			if err := u.deps.Helpdesk.AnswerFile(q, path); err != nil {
				u.do(func() { dialog.ShowInformation(lang.L("Lifeline"), lang.L(plainerr.Message(err)), u.win) })
			}
		})
	}
	var title, text string
	var buttons []*widget.Button
	if q.Pick {
		title = lang.L("{{.Who}} asks you for a file", map[string]any{"Who": who})
		text = lang.L("Choose the file to send to {{.Who}}. Only the file you choose is sent.", map[string]any{"Who": who})
		choose := widget.NewButtonWithIcon(lang.L("Choose a file…"), theme.FolderOpenIcon(), func() {
			open := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
				if err != nil || r == nil {
					return // the person closed the chooser: the question stays
				}
				r.Close()
				answer(r.URI().Path())
			}, u.win)
			open.Show()
		})
		choose.Importance = widget.HighImportance
		buttons = []*widget.Button{widget.NewButtonWithIcon(lang.L("Don't send"), theme.CancelIcon(), func() { answer("") }), choose}
	} else {
		title = lang.L("{{.Who}} wants to send you a file", map[string]any{"Who": who})
		text = lang.L("{{.Name}} ({{.Size}}). Only accept it if you expect this file from {{.Who}}.",
			map[string]any{"Name": q.Name, "Size": sizeText(q.Size), "Who": who})
		save := widget.NewButtonWithIcon(lang.L("Save in Downloads"), theme.DownloadIcon(), func() {
			dir, err := helpdesk.DownloadsDir()
			var path string
			if err == nil {
				path, err = helpdesk.FreePath(dir, q.Name)
			}
			if err != nil {
				dialog.ShowInformation(lang.L("Lifeline"), lang.L("Your Downloads folder cannot be used. Choose another place with “Save as…”."), u.win)
				return
			}
			answer(path)
		})
		save.Importance = widget.HighImportance
		saveAs := widget.NewButtonWithIcon(lang.L("Save as…"), theme.DocumentSaveIcon(), func() {
			s := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
				if err != nil || w == nil {
					return
				}
				w.Close() // the file is written beside it and renamed once whole
				answer(w.URI().Path())
			}, u.win)
			s.SetFileName(q.Name)
			if dir, err := helpdesk.DownloadsDir(); err == nil {
				if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
					s.SetLocation(l)
				}
			}
			s.Show()
		})
		buttons = []*widget.Button{widget.NewButtonWithIcon(lang.L("Don't accept"), theme.CancelIcon(), func() { answer("") }), saveAs, save}
	}
	body := widget.NewLabel(text)
	body.Wrapping = fyne.TextWrapWord
	row := container.NewGridWithColumns(len(buttons))
	for _, b := range buttons {
		row.Add(b)
	}
	d = dialog.NewCustomWithoutButtons(title, container.NewVBox(body, row), u.win)
	d.Resize(fyne.NewSize(560, 0))
	u.lastFile = &fileDialog{d: d, title: title, text: text, buttons: buttons}
	d.Show()
}

// transferRow is one file's line in the chat: what, how far, Cancel.
type transferRow struct {
	label  *widget.Label
	bar    *widget.ProgressBar
	cancel *widget.Button
	box    *fyne.Container
}

// showTransfer shows a transfer's progress in the chat panel.
func (u *UI) showTransfer(e assist.FileEvent) {
	who := u.technician
	if who == "" {
		who = lang.L("the technician")
	}
	r := u.transfers[e.ID]
	if r == nil {
		if e.State != assist.FileMoving && e.State != assist.FileAsking {
			// Refused before it started (too large): say so once.
			u.chatPanel.notice(transferText(e, who), timeNow())
			return
		}
		r = &transferRow{label: widget.NewLabel(""), bar: widget.NewProgressBar()}
		r.label.Wrapping = fyne.TextWrapWord
		id := e.ID
		r.cancel = widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), func() {
			u.goBackground(func(context.Context) { u.deps.Helpdesk.CancelFile(id) })
		})
		r.box = container.NewVBox(r.label, container.NewBorder(nil, nil, nil, r.cancel, r.bar))
		u.transfers[e.ID] = r
		u.chatPanel.messages.Add(r.box)
		u.chatPanel.open()
		u.chatPanel.scroll.ScrollToBottom()
	}
	r.label.SetText(transferText(e, who))
	if e.Size > 0 {
		r.bar.SetValue(float64(e.Done) / float64(e.Size))
	}
	switch e.State {
	case assist.FileDone:
		r.bar.SetValue(1)
		r.cancel.Hide()
		delete(u.transfers, e.ID)
	case assist.FileFailed, assist.FileCancelled:
		r.cancel.Hide()
		r.bar.Hide() // nothing was kept: no bar half full
		delete(u.transfers, e.ID)
	}
}

// transferText says where a transfer stands, in plain words.
func transferText(e assist.FileEvent, who string) string {
	v := map[string]any{"Name": e.Name, "Who": who, "Size": sizeText(e.Size), "Folder": filepath.Dir(e.Path)}
	switch e.State {
	case assist.FileAsking:
		if e.ToUser {
			return lang.L("{{.Who}} wants to send you {{.Name}} ({{.Size}}).", v)
		}
		return lang.L("Offering {{.Name}} ({{.Size}}) to {{.Who}}…", v)
	case assist.FileMoving:
		v["Done"] = sizeText(e.Done)
		if e.ToUser {
			return lang.L("Receiving {{.Name}} from {{.Who}}: {{.Done}} of {{.Size}}", v)
		}
		return lang.L("Sending {{.Name}} to {{.Who}}: {{.Done}} of {{.Size}}", v)
	case assist.FileDone:
		if e.ToUser {
			return lang.L("{{.Name}} is saved in {{.Folder}}.", v)
		}
		return lang.L("{{.Name}} reached {{.Who}}.", v)
	case assist.FileCancelled:
		if e.Reason == fileproto.ReasonDeclined {
			if e.ToUser {
				return lang.L("You did not accept {{.Name}}.", v)
			}
			return lang.L("{{.Who}} did not take {{.Name}}.", v)
		}
		return lang.L("{{.Name}}: the transfer was stopped, and nothing was kept.", v)
	}
	switch e.Reason {
	case fileproto.ReasonTooLarge:
		return lang.L("{{.Name}} is too large for the help desk to pass on ({{.Size}}).", v)
	case fileproto.ReasonDiskFull:
		if e.ToUser {
			return lang.L("Your disk is full, so {{.Name}} was not saved. Free some space, then ask {{.Who}} to send it again.", v)
		}
		return lang.L("{{.Who}}'s disk is full, so {{.Name}} did not arrive.", v)
	case fileproto.ReasonWriteFailed:
		return lang.L("{{.Name}} could not be saved in {{.Folder}}. Next time, choose another place with “Save as…”.", v)
	case fileproto.ReasonHashMismatch:
		return lang.L("{{.Name}} arrived damaged, so it was not kept. Ask {{.Who}} to send it again.", v)
	case fileproto.ReasonReadFailed:
		return lang.L("{{.Name}} could not be read on this computer.", v)
	}
	return lang.L("{{.Name}} could not be sent: the connection to {{.Who}} dropped.", v)
}

// sendFile lets the person choose a file and sends it to the technician.
func (u *UI) sendFile() {
	open := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		path := r.URI().Path()
		u.goBackground(func(context.Context) {
			if err := u.deps.Helpdesk.SendFile(path); err != nil {
				u.do(func() {
					u.chatPanel.notice(lang.L("The file could not be sent: {{.Why}}", map[string]any{"Why": lang.L(plainerr.Message(err))}), timeNow())
				})
			}
		})
	}, u.win)
	open.Show()
}
