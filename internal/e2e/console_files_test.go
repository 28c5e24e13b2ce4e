//go:build cgo

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// desktopFiles is the user's side of file questions: the first offer is
// saved in dir, later ones declined; a request for a file picks pick.
type desktopFiles struct {
	dir, pick string

	mu     sync.Mutex
	offers []assist.FileOffer
	events []assist.FileEvent
}

func (f *desktopFiles) AcceptFile(ctx context.Context, o assist.FileOffer) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offers = append(f.offers, o)
	if len(f.offers) > 1 {
		return "", nil // the user says no
	}
	return filepath.Join(f.dir, o.Name), nil
}

func (f *desktopFiles) PickFile(ctx context.Context, technician string) (string, error) {
	return f.pick, nil
}

func (f *desktopFiles) onFile(e assist.FileEvent) {
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
}

// progressSeen says whether a transfer was reported part-way.
func (f *desktopFiles) progressSeen(toUser bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.events {
		if e.ToUser == toUser && e.State == assist.FileMoving && e.Done > 0 && e.Done < e.Size {
			return true
		}
	}
	return false
}

func randomFile(t *testing.T, path string, n int) [32]byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestConsoleFilesBothWays: 20 MB each way between the console in
// Chromium and a real desktop session through a real relay. The
// technician's file is offered to the user (name, size, from whom), saved
// where the user chose with the same SHA-256, with progress shown on both
// sides as it goes; a file the technician asks for (the user picks it)
// arrives in the console whole, its bytes hashing the same in the browser;
// a file the user declines writes nothing. Each file that arrived is
// audited with its name, size and hash.
func TestConsoleFilesBothWays(t *testing.T) {
	const size = 20 << 20
	d := xtest.Start(t, screenW, screenH)
	t.Setenv("DISPLAY", d)
	xtest.Fill(t, d, leftColour)
	src := t.TempDir()
	toUser := filepath.Join(src, "Quarterly report — final.pdf")
	toUserSum := randomFile(t, toUser, size)
	fromUser := filepath.Join(src, "lifeline-logs.zip")
	fromUserSum := randomFile(t, fromUser, size+12345)
	files := &desktopFiles{dir: t.TempDir(), pick: fromUser}
	ld := startLiveDesktop(t, func(c *assist.Config) { c.Files, c.OnFile = files, files.onFile })
	tb := ld.tb
	const panel = `.session:not([hidden]) .file-tools`
	tb.Wait("the Files panel", `!document.querySelector('`+panel+`').hidden && !document.querySelector('`+panel+` button').disabled`, 10*time.Second)

	// Technician → user, watching the progress bar move.
	start := time.Now()
	tb.Do(chromedp.SetUploadFiles(chromedp.CSS(panel+` input[type=file]`), []string{toUser}))
	row := panel + ` li.file[data-dir="to-user"]`
	tb.Wait("the transfer row", `document.querySelector('`+row+`')`, 5*time.Second)
	var seen []float64
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		v := consoletest.Eval[float64](tb, `document.querySelector('`+row+` progress').value`)
		if len(seen) == 0 || v != seen[len(seen)-1] {
			seen = append(seen, v)
		}
		if strings.HasPrefix(tb.Text(row+` .file-status`), "Saved on") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(start)
	status := tb.Text(row + ` .file-status`)
	if want := fmt.Sprintf("Saved on Ana Silva's computer (SHA-256 %x).", toUserSum); status != want {
		t.Fatalf("status %q, want %q (progress %v)", status, want, seen)
	}
	part := 0
	for _, v := range seen {
		if v > 0 && v < size {
			part++
		}
	}
	if part < 2 {
		t.Errorf("the console's progress bar went %v: want it seen part-way", seen)
	}
	if !files.progressSeen(true) {
		t.Error("the desktop reported no progress part-way")
	}
	got, err := os.ReadFile(filepath.Join(files.dir, "Quarterly report — final.pdf"))
	if err != nil || sha256.Sum256(got) != toUserSum {
		t.Fatalf("the user's copy: %d bytes, err %v; want the same SHA-256", len(got), err)
	}
	if o := files.offers[0]; o.Name != "Quarterly report — final.pdf" || o.Size != size || o.Technician != "Alex (IT)" {
		t.Errorf("the user was asked about %+v", o)
	}
	t.Logf("20 MiB technician → user in %v (%.1f Mbit/s)", took.Round(time.Millisecond), float64(size)*8/took.Seconds()/1e6)
	tb.Screenshot(screenshots, "session-files")

	// User → technician, on the technician's request.
	start = time.Now()
	tb.Click(panel + ` .row button.ghost`) // Ask for a file
	in := panel + ` li.file[data-dir="from-user"]`
	tb.Wait("the file from the user", `(document.querySelector('`+in+` .file-status') || {}).textContent === `+jsString(fmt.Sprintf("Received whole (SHA-256 %x).", fromUserSum)), 90*time.Second)
	took = time.Since(start)
	// Saved from the console as the technician would: the browser's
	// download is the user's file.
	b := tb.Download(t, in+` a.file-save`, "lifeline-logs.zip", size+12345, 20*time.Second)
	if sha256.Sum256(b) != fromUserSum {
		t.Errorf("the technician's download: %d bytes, want the user's file", len(b))
	}
	if !files.progressSeen(false) {
		t.Error("the desktop saw no progress part-way of its file")
	}
	t.Logf("20 MiB user → technician in %v", took.Round(time.Millisecond))

	// A file the user declines: nothing is written.
	other := filepath.Join(src, "setup.exe")
	randomFile(t, other, 100<<10)
	tb.Do(chromedp.SetUploadFiles(chromedp.CSS(panel+` input[type=file]`), []string{other}))
	tb.Wait("the refusal", `[...document.querySelectorAll('`+row+` .file-status')].some(s => s.textContent === "Ana Silva did not accept the file.")`, 15*time.Second)
	if entries, _ := os.ReadDir(files.dir); len(entries) != 1 {
		t.Errorf("%d files in the user's folder after a declined one, want 1", len(entries))
	}
	tb.Screenshot(screenshots, "session-files-done")

	// The relay audited both files, with name, size and hash.
	tb.Wait("the notices", `[...document.querySelectorAll('.session:not([hidden]) .chat-log li.notice')].length >= 2`, 10*time.Second)
	audited := auditDetails(t, ld.relay)
	for action, want := range map[protocol.AuditAction]string{
		protocol.AuditFileToUser:   fmt.Sprintf(`file="Quarterly report — final.pdf" size=%d sha256=%x`, size, toUserSum),
		protocol.AuditFileFromUser: fmt.Sprintf(`file="lifeline-logs.zip" size=%d sha256=%x`, size+12345, fromUserSum),
	} {
		if audited[action] != want {
			t.Errorf("audit %s = %q, want %q", action, audited[action], want)
		}
	}
}
