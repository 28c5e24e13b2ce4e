package ui

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/fileproto"
)

// fileDesk records the window's answers to file questions.
type fileDesk struct {
	failingHelpdesk
	answers chan string
}

func (f *fileDesk) AnswerFile(q helpdesk.FileQuestion, path string) error {
	f.answers <- path
	return nil
}

func (f *fileDesk) answer(t *testing.T) string {
	t.Helper()
	select {
	case p := <-f.answers:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to the file question")
		return ""
	}
}

// TestFileQuestions: the technician's file is offered with its name, size
// and who sends it; "Save in Downloads" saves it there under a free name;
// "Don't accept" answers no; a request for a file can be refused. Then a
// transfer shows in the chat with its progress and how it ended, in plain
// words, also for a full disk.
func TestFileQuestions(t *testing.T) {
	downloads := t.TempDir()
	t.Setenv("XDG_DOWNLOAD_DIR", downloads)
	hd := &fileDesk{failingHelpdesk: failingHelpdesk{events: make(chan helpdesk.Event), err: errors.New("unused")}, answers: make(chan string, 4)}
	u := newTestUI(t, hd)

	u.askFile(helpdesk.FileQuestion{ID: "file-1", Technician: "Alex (IT)", Name: "report.pdf", Size: 2_400_000})
	if got := u.lastFile.title; got != "Alex (IT) wants to send you a file" {
		t.Errorf("title %q", got)
	}
	if got := u.lastFile.text; got != "report.pdf (2.4 MB). Only accept it if you expect this file from Alex (IT)." {
		t.Errorf("dialog text %q", got)
	}
	saveScreen(t, u, "file offer")
	test.Tap(u.lastFile.buttons[2]) // Save in Downloads
	if got, want := hd.answer(t), filepath.Join(downloads, "report.pdf"); got != want {
		t.Errorf("saved to %q, want %q", got, want)
	}

	u.askFile(helpdesk.FileQuestion{ID: "file-2", Technician: "Alex (IT)", Name: "setup.exe", Size: 10})
	test.Tap(u.lastFile.buttons[0]) // Don't accept
	if got := hd.answer(t); got != "" {
		t.Errorf("declined, but answered %q", got)
	}
	u.askFile(helpdesk.FileQuestion{ID: "file-3", Pick: true, Technician: "Alex (IT)"})
	if got := u.lastFile.title; got != "Alex (IT) asks you for a file" {
		t.Errorf("title %q", got)
	}
	test.Tap(u.lastFile.buttons[0]) // Don't send
	if got := hd.answer(t); got != "" {
		t.Errorf("refused, but answered %q", got)
	}

	u.technician = "Alex (IT)"
	path := filepath.Join(downloads, "report.pdf")
	u.showTransfer(assist.FileEvent{ID: 1, ToUser: true, Name: "report.pdf", Path: path, Size: 2_400_000, State: assist.FileMoving})
	u.showTransfer(assist.FileEvent{ID: 1, ToUser: true, Name: "report.pdf", Path: path, Size: 2_400_000, Done: 1_200_000, State: assist.FileMoving})
	r := u.transfers[1]
	if r == nil || r.bar.Value != 0.5 || r.label.Text != "Receiving report.pdf from Alex (IT): 1.2 MB of 2.4 MB" {
		t.Fatalf("transfer row %+v", r)
	}
	u.showTransfer(assist.FileEvent{ID: 1, ToUser: true, Name: "report.pdf", Path: path, Size: 2_400_000, Done: 2_400_000, State: assist.FileDone})
	if r.label.Text != "report.pdf is saved in "+downloads+"." || r.bar.Value != 1 || r.cancel.Visible() {
		t.Errorf("done row: %q %v cancel shown %v", r.label.Text, r.bar.Value, r.cancel.Visible())
	}
	u.showTransfer(assist.FileEvent{ID: 2, ToUser: true, Name: "big.iso", Path: path, Size: 9e9, State: assist.FileMoving})
	u.showTransfer(assist.FileEvent{ID: 2, ToUser: true, Name: "big.iso", Path: path, Size: 9e9, Done: 5e9, State: assist.FileFailed, Reason: fileproto.ReasonDiskFull})
	u.showTransfer(assist.FileEvent{ID: 3, Name: "notes.txt", Size: 64_000, Done: 16_000, State: assist.FileMoving})
	saveScreen(t, u, "file transfers")
	lines := strings.Join(u.chatPanel.lines(), "\n")
	rendered := renderedText(u.chatPanel.root)
	if !strings.Contains(rendered, "Your disk is full, so big.iso was not saved. Free some space, then ask Alex (IT) to send it again.") {
		t.Errorf("chat after a full disk:\n%s\n%s", lines, rendered)
	}
}
