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
)

// Env is set to "1" in the re-executed process.
const Env = "LIFELINE_TEST_NETNS"

// Inside reports whether this process is the copy re-executed by Reexec.
func Inside() bool { return os.Getenv(Env) == "1" }

// Reexec runs this binary again, with the same arguments, under
// `unshare -n` with only loopback up, and returns its exit code. ok is
// false — and the caller should run its tests itself — when this process
// already is that copy, when it is not root, or when unshare or ip is
// missing (a note says so on standard error).
func Reexec() (code int, ok bool) {
	if Inside() || os.Geteuid() != 0 {
		return 0, false
	}
	name := filepath.Base(os.Args[0])
	if _, err := exec.LookPath("ip"); err != nil || exec.Command("unshare", "-n", "true").Run() != nil {
		fmt.Fprintf(os.Stderr, "%s: unshare -n or ip not available; running in the host network namespace\n", name)
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
// root, inside a namespace with nothing but loopback. It skips when Reexec
// could not run (not root, or no unshare).
func CheckIsolated(t testing.TB) {
	t.Helper()
	if !Inside() {
		t.Skip("not root or no unshare: running in the host network namespace")
	}
	names, err := NonLoopback()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) > 0 {
		t.Errorf("interfaces %v in the test namespace", names)
	}
}
