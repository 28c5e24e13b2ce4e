package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/relayd"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// TestMain lets the test binary be the lifeline-relay command itself
// when LIFELINE_TEST_RUN_MAIN is set, so a test can run it as a process
// of its own.
func TestMain(m *testing.M) {
	if os.Getenv("LIFELINE_TEST_RUN_MAIN") == "1" {
		if err := run(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "lifeline-relay:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command runs `lifeline-relay args…` in a process of its own with stdin.
func command(t *testing.T, stdin string, args ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LIFELINE_TEST_RUN_MAIN=1")
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lifeline-relay %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// `lifeline-relay user disable` in its own process, beside a running
// relay on the same data directory: the relay closes the account's
// console within about a second and its old login no longer works.
func TestUserDisableInAnotherProcess(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	command(t, "bea-long-password\n", "user", "add", "bea", "--data", dataDir)

	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- relayd.Run(ctx, relayd.Options{Listen: "127.0.0.1:0", DataDir: dataDir, TURNListen: "off",
			Ready: func(a string) { ready <- a }}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	t.Cleanup(func() { cancel(); <-done })
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("relay did not start")
	}
	api := relaytest.SignIn(t, "http://"+addr, "bea", "bea-long-password")
	console := api.Console()

	start := time.Now()
	command(t, "", "user", "disable", "bea", "--data", dataDir)
	ran := time.Since(start)
	console.Closed()
	closed := time.Since(start)
	t.Logf("`user disable` ran %v in its own process; the console closed %v after it started", ran.Round(time.Millisecond), closed.Round(time.Millisecond))
	if closed-ran > 2*time.Second {
		t.Errorf("console closed %v after the command finished, want about a second", closed-ran)
	}
	if st := api.Call("GET", "/api/me", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("the disabled account's login: GET /api/me = %d", st)
	}
}
