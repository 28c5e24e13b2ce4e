package main

import (
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary compiles the lifeline binary once per test binary.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "lifeline")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestHeadlessWithoutDisplay: with no DISPLAY the window command explains
// what to do instead of failing obscurely, and the headless commands work.
func TestHeadlessWithoutDisplay(t *testing.T) {
	bin := buildBinary(t)
	env := []string{"HOME=" + t.TempDir(), "LIFELINE_CACHE_DIR=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd := exec.Command(bin)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "lifeline search") {
		t.Errorf("no display: exit %d, %v\n%s", code, err, out)
	}
	cmd = exec.Command(bin, "search", "--json", "printer", "offline")
	cmd.Env = env
	stdout, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(stdout), `{"query":"printer offline","hits":[{"id":"printer-offline"`) {
		t.Errorf("search: %v\n%s", err, stdout)
	}
	cmd = exec.Command(bin, "search", "printer")
	cmd.Env = env
	combined, _ := cmd.CombinedOutput()
	if strings.Contains(string(combined), "Fyne error") {
		t.Errorf("start-up noise under C.UTF-8:\n%s", combined)
	}
	cmd = exec.Command(bin, "frobnicate")
	cmd.Env = env
	out, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "unknown command") {
		t.Errorf("unknown command: %s", out)
	}
}

// BenchmarkColdStartSearch measures process start to printed result of
// `lifeline search` on the built-in library, with the index cache warm.
func BenchmarkColdStartSearch(b *testing.B) {
	bin := buildBinary(b)
	env := []string{"HOME=" + b.TempDir(), "LIFELINE_CACHE_DIR=" + b.TempDir(), "PATH=" + os.Getenv("PATH")}
	run := func() {
		cmd := exec.Command(bin, "search", "printer", "says", "offline")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	run() // build the cache
	var total time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		run()
		total += time.Since(start)
		n++
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms/start")
}

// BenchmarkStartToSearchReady measures process start until the window is
// up with the search box focused, on a private Xvfb display.
func BenchmarkStartToSearchReady(b *testing.B) {
	bin := buildBinary(b)
	display := xtest.Start(b, 1280, 800)
	home, cache := b.TempDir(), b.TempDir()
	var total time.Duration
	n := 0
	for b.Loop() {
		probe := filepath.Join(b.TempDir(), "ready")
		cmd := exec.Command(bin, "--relay", "http://127.0.0.1:1")
		cmd.Env = []string{"DISPLAY=" + display, "HOME=" + home, "LIFELINE_CACHE_DIR=" + cache, "LIFELINE_STARTUP_PROBE=" + probe,
			"PATH=" + os.Getenv("PATH"), "XDG_RUNTIME_DIR=" + home}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := os.Stat(probe); err == nil {
				break
			}
			if time.Since(start) > 20*time.Second {
				cmd.Process.Kill()
				b.Fatal("window never became ready")
			}
			time.Sleep(2 * time.Millisecond)
		}
		total += time.Since(start)
		n++
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms/ready")
}
