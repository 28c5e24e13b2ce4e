// Package testenv decides what a test does when a tool it needs is missing.
//
// Locally a missing tool skips the test with the Debian package that brings
// it. In CI (CI=true) it fails the test instead: a quiet skip there could hide
// the consent proofs, which run on Xvfb, Chromium, cupsd and unshare.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// InCI reports whether the tests run in CI (the CI variable is a true value).
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Missing stops the test because what it needs is not there: a failure in
// CI, a skip elsewhere. why says what is missing and how to get it, for
// example "Xvfb not installed (Debian package xvfb)".
func Missing(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s; CI must have it (packaging/setup-deps.sh installs it)", why)
	}
	t.Skip(why)
}

// LookPath returns the path of the named program, or stops the test through
// Missing, naming pkg as the Debian package that installs it.
func LookPath(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" not installed (Debian package "+pkg+")")
	}
	return p
}

// RequireRoot stops the test through Missing unless it runs as root.
func RequireRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root: "+why)
	}
}
