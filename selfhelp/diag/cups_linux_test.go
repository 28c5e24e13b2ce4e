package diag_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

// startCUPS runs a private CUPS scheduler on a socket in a temporary folder
// and points the CUPS client tools at it through CUPS_SERVER. It returns a
// function that stops the scheduler.
func startCUPS(t *testing.T) (stop func()) {
	t.Helper()
	cupsd, err := exec.LookPath("cupsd")
	if err != nil {
		cupsd = "/usr/sbin/cupsd" // sbin is often not in a user's PATH
	}
	if _, err := os.Stat(cupsd); err != nil {
		testenv.Missing(t, "cupsd not installed (Debian package cups-daemon)")
	}
	for _, tool := range []string{"lpstat", "lp", "cancel", "lpadmin", "cupsdisable"} {
		testenv.LookPath(t, tool, "cups-client")
	}
	dir := t.TempDir()
	for _, d := range []string{"spool", "cache", "state", "log", "ppd", "tmp"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	os.Chmod(dir, 0o755)
	sock := filepath.Join(dir, "cups.sock")
	conf := "Listen " + sock + "\nLogLevel warn\nWebInterface No\nBrowsing No\n" +
		"<Location />\n  Order allow,deny\n  Allow all\n</Location>\n<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n" +
		"<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
	files := "ServerRoot " + dir + "\nStateDir " + dir + "/state\nCacheDir " + dir + "/cache\nRequestRoot " + dir + "/spool\n" +
		"TempDir " + dir + "/tmp\nAccessLog " + dir + "/log/access_log\nErrorLog " + dir + "/log/error_log\n" +
		"PageLog " + dir + "/log/page_log\nFileDevice Yes\nSandboxing Relaxed\n"
	os.WriteFile(filepath.Join(dir, "cupsd.conf"), []byte(conf), 0o644)
	os.WriteFile(filepath.Join(dir, "cups-files.conf"), []byte(files), 0o644)
	cmd := exec.Command(cupsd, "-f", "-c", filepath.Join(dir, "cupsd.conf"), "-s", filepath.Join(dir, "cups-files.conf"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	t.Setenv("CUPS_SERVER", sock)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := exec.Command("lpstat", "-r").CombinedOutput()
		if strings.Contains(string(out), "is running") {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log/error_log"))
			t.Fatalf("cupsd did not start: %s\n%s", out, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return stop
}

func cups(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

// TestPrintQueueRealCUPS drives the printer checks and the clear-queue fix
// against a real CUPS scheduler with a paused queue holding real jobs.
func TestPrintQueueRealCUPS(t *testing.T) {
	stop := startCUPS(t)
	r := diag.New(diag.Config{Timeout: 5 * time.Second})
	ctx := context.Background()

	if res := r.Check(ctx, diag.CheckPrinters); res.Status != diag.Warn || !strings.Contains(res.Detail, "No printers") {
		t.Errorf("no printers: %+v", res)
	}
	cups(t, "lpadmin", "-p", "office-printer", "-E", "-v", "file:///dev/null")
	cups(t, "cupsdisable", "office-printer")
	doc := filepath.Join(t.TempDir(), "report.txt")
	os.WriteFile(doc, []byte("quarterly report\n"), 0o644)
	for range 3 {
		cups(t, "lp", "-d", "office-printer", doc)
	}

	if res := r.Check(ctx, diag.CheckPrinters); res.Status != diag.Warn || !strings.Contains(res.Detail, "office-printer (offline)") {
		t.Errorf("paused printer: %+v", res)
	}
	if res := r.Check(ctx, diag.CheckPrintQueue); res.Status != diag.Warn || res.Detail != "3 print jobs are waiting." {
		t.Errorf("queue before: %+v", res)
	}
	msg, err := r.RunFix(ctx, diag.FixClearPrintQueue)
	if err != nil || msg != "Cancelled 3 print job(s). The queue is empty." {
		t.Errorf("fix: %q, %v", msg, err)
	}
	if res := r.Check(ctx, diag.CheckPrintQueue); res.Status != diag.OK {
		t.Errorf("queue after: %+v", res)
	}
	if msg, err := r.RunFix(ctx, diag.FixClearPrintQueue); err != nil || msg != "There were no print jobs waiting." {
		t.Errorf("second fix: %q, %v", msg, err)
	}

	stop()
	if res := r.Check(ctx, diag.CheckPrintQueue); res.Status != diag.Fail || !strings.Contains(res.Detail, "not running") {
		t.Errorf("scheduler stopped: %+v", res)
	}
}
