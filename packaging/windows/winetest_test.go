package windows_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// probe is a GUI-subsystem Go program like lifeline.exe: it needs the
// ProcessPrng shim to start at all, and shows that Wine hands its standard
// handles and exit code back.
const probe = `package main

import (
	"crypto/rand"
	"fmt"
	"os"
)

func main() {
	b := make([]byte, 16)
	rand.Read(b)
	fmt.Printf("args %q random %d bytes\n", os.Args[1:], len(b))
	fmt.Fprintln(os.Stderr, "to stderr")
	os.Exit(3)
}
`

func TestWineRunsGoProgram(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module probe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "probe.exe")
	build := exec.Command("go", "build", "-ldflags", "-H windowsgui", "-o", exe, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build probe: %v\n%s", err, out)
	}
	display := xtest.Start(t, 1024, 768)
	p := winetest.Shared(t)
	t.Logf("Wine prefix created in %v", p.Created.Round(time.Millisecond))

	r := p.Run(t, display, "", time.Minute, exe, "a b", "c")
	if got, want := string(r.Stdout), "args [\"a b\" \"c\"] random 16 bytes\n"; got != want {
		t.Errorf("stdout = %q, want %q (stderr %q)", got, want, r.Stderr)
	}
	if got, want := string(r.Stderr), "to stderr\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	if r.ExitCode != 3 {
		t.Errorf("exit code = %d, want 3", r.ExitCode)
	}
	t.Logf("a Go program under Wine took %v", r.Took.Round(time.Millisecond))
}
