// Package netns lets a test binary run itself inside a fresh network
// namespace that has nothing but loopback (unshare -n), so that tests
// using WebRTC can only reach 127.0.0.1 and nothing leaves the machine.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) {
//		if code, ok := netns.Reexec(); ok {
//			os.Exit(code)
//		}
//		os.Exit(m.Run())
//	}
package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// Env is set to "1" in the re-executed process.
const Env = "LIFELINE_TEST_NETNS"

// Inside reports whether this process is the copy re-executed by Reexec.
func Inside() bool { return os.Getenv(Env) == "1" }

// Reexec runs this binary again, with the same arguments, under
// `unshare -n` with only loopback up, and returns its exit code with ok
// true. When this process already is that copy, ok is false and the caller
// runs its tests itself. When the namespace cannot be made (not root, or
// unshare or ip missing) a note on standard error says why and what to
// install; in CI (testenv.InCI) that is a failure — code 1, ok true, no
// test runs outside the namespace — elsewhere ok is false and the tests
// run in the host's network namespace, where CheckIsolated skips.
func Reexec() (code int, ok bool) {
	if Inside() {
		return 0, false
	}
	name := filepath.Base(os.Args[0])
	if why := unavailable(); why != "" {
		if testenv.InCI() {
			fmt.Fprintf(os.Stderr, "%s: %s; CI must run these tests in a network namespace\n", name, why)
			return 1, true
		}
		fmt.Fprintf(os.Stderr, "%s: %s; running in the host network namespace\n", name, why)
		return 0, false
	}
	args := append([]string{"-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, os.Args[0]}, os.Args[1:]...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), Env+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), true
		}
		fmt.Fprintf(os.Stderr, "%s: re-exec under unshare: %v\n", name, err)
		return 1, true
	}
	return 0, true
}

// unavailable says why Reexec cannot make a namespace, or "" if it can.
func unavailable() string {
	if os.Geteuid() != 0 {
		return "not root, so no network namespace (unshare -n needs root)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "ip not installed (Debian package iproute2)"
	}
	if err := exec.Command("unshare", "-n", "true").Run(); err != nil {
		return fmt.Sprintf("unshare -n does not run (Debian package util-linux): %v", err)
	}
	return ""
}

// NonLoopback lists the interfaces of the current namespace that are not
// loopback: none inside a namespace made by Reexec.
func NonLoopback() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	var out []string
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 {
			out = append(out, i.Name)
		}
	}
	return out, nil
}

// CheckIsolated is the body of a test that checks where the tests run: as
// root, inside a namespace with nothing but loopback. Outside one (Reexec
// could not make it) the test stops through testenv.Missing: a skip that
// says why locally, a failure in CI.
func CheckIsolated(t testing.TB) {
	t.Helper()
	if !Inside() {
		why := unavailable()
		if why == "" {
			why = "not started through netns.Reexec from TestMain"
		}
		testenv.Missing(t, "running in the host network namespace: "+why)
	}
	names, err := NonLoopback()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) > 0 {
		t.Errorf("interfaces %v in the test namespace", names)
	}
}
