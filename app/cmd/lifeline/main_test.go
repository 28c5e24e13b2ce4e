package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
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

// TestQuitWithoutSessionBus: the real window on a private Xvfb with no
// D-Bus session bus, connected to a relay, quits with status 0 and without
// a panic (fyne.io/systray used to dereference its nil D-Bus connection at
// quit), whether it is told to by SIGTERM or by the window's close button.
func TestQuitWithoutSessionBus(t *testing.T) {
	for _, tc := range []struct {
		name string
		quit func(t *testing.T, cmd *exec.Cmd, display string, window uint32)
	}{
		{"SIGTERM", func(t *testing.T, cmd *exec.Cmd, _ string, _ uint32) {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}},
		{"window closed", func(t *testing.T, _ *exec.Cmd, display string, window uint32) {
			xtest.CloseWindow(t, display, window)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { testQuit(t, tc.quit) })
	}
}

func testQuit(t *testing.T, quit func(t *testing.T, cmd *exec.Cmd, display string, window uint32)) {
	testenv.LookPath(t, "Xvfb", "xvfb")
	testenv.LookPath(t, "xdotool", "xdotool")
	if _, err := os.Stat(filepath.Join("/run/user", strconv.Itoa(os.Getuid()), "bus")); err == nil {
		t.Logf("this machine has a session bus at /run/user/%d/bus: the no-bus path is not exercised", os.Getuid())
	}
	bin := buildBinary(t)
	display := xtest.Start(t, 1024, 768)
	r := relaytest.Start(t)
	home := t.TempDir()
	probe := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command(bin, "--relay", r.URL)
	cmd.Env = []string{"DISPLAY=" + display, "HOME=" + home, "LIFELINE_CACHE_DIR=" + t.TempDir(), "LIFELINE_STARTUP_PROBE=" + probe,
		"PATH=" + os.Getenv("PATH"), "XDG_RUNTIME_DIR=" + home, "LANG=C.UTF-8"} // no DBUS_SESSION_BUS_ADDRESS
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(probe); err == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("lifeline exited before its window was ready: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the window never became ready\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Fyne stops the tray at quit only when one of its windows has the
	// focus, which nothing gives it on a bare Xvfb.
	focus := exec.Command("xdotool", "search", "--sync", "--name", "Lifeline", "windowfocus", "--sync")
	focus.Env = []string{"DISPLAY=" + display, "PATH=" + os.Getenv("PATH")}
	if out, err := focus.CombinedOutput(); err != nil {
		t.Fatalf("focus the window: %v\n%s", err, out)
	}
	find := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Lifeline")
	find.Env = focus.Env
	out, err := find.Output()
	window, perr := strconv.ParseUint(strings.Fields(string(out) + " 0")[0], 10, 32)
	if err != nil || perr != nil || window == 0 {
		t.Fatalf("find the window: %v %v %q", err, perr, out)
	}
	time.Sleep(200 * time.Millisecond) // the focus event reaches the window

	outbox := filepath.Join(home, ".config", "fyne", appID, "outbox")
	if fi, err := os.Stat(outbox); err != nil || !fi.IsDir() {
		t.Errorf("the help desk outbox %s was not created: %v", outbox, err)
	}

	quit(t, cmd, display, uint32(window))
	select {
	case err := <-exited:
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("exit status %d (%v), want 0\n%s", code, err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("lifeline did not quit within 20 s\n%s", stderr.String())
	}
	if out := stderr.String(); strings.Contains(out, "panic") || strings.Contains(out, "nil pointer") {
		t.Errorf("quitting panicked:\n%s", out)
	}
}
