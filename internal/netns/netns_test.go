package netns

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	if code, ok := Reexec(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func TestNetworkIsolated(t *testing.T) {
	CheckIsolated(t)
}

// TestWithoutUnshare runs this test binary again with neither unshare nor
// ip on its PATH. In CI it must fail before any test runs; elsewhere its
// tests run in the host's namespace and CheckIsolated skips, saying why.
func TestWithoutUnshare(t *testing.T) {
	tests := []struct {
		ci       string
		wantCode int
		want     []string
		dontWant string
	}{
		{"true", 1, []string{"CI must run these tests in a network namespace"}, "=== RUN"},
		{"false", 0, []string{"; running in the host network namespace", "--- SKIP: TestNetworkIsolated"}, "--- FAIL"},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestNetworkIsolated$", "-test.v")
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				if k != Env && k != "CI" && k != "PATH" {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, "PATH="+t.TempDir(), "CI="+tt.ci)
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), tt.dontWant) {
				t.Errorf("output has %q:\n%s", tt.dontWant, out)
			}
		})
	}
}
