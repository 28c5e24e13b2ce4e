// Package winetest runs Windows programs under Wine for tests: it creates a
// throw-away Wine prefix once per test process, installs the test-only
// bcryptprimitives.dll shim that Go programs need on Wine 8 (see
// shim/bcryptprimitives.c), and runs an exe with arguments on a given X
// display with a timeout.
//
// The prefix is isolated from the machine: its own HOME, no Mono or Gecko
// installers (WINEDLLOVERRIDES "mscoree,mshtml="), no menu entries or file
// associations written into the host desktop (winemenubuilder disabled), no
// debug chatter (WINEDEBUG=-all). Creating it takes tens of seconds, so a test
// binary shares one: call Main from TestMain so it is removed at the end.
//
// A missing wine, wineserver or mingw-w64 compiler stops the test through
// testenv.Missing: a skip locally, a failure in CI.
package winetest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
)

var (
	//go:embed shim/bcryptprimitives.c
	shimSource []byte
	//go:embed shim/bcryptprimitives.def
	shimDef []byte
)

// Prefix is a Wine prefix (WINEPREFIX) with the shim installed.
type Prefix struct {
	// Dir is the prefix directory; drive C: is Dir/drive_c.
	Dir string
	// Created is how long creating the prefix took.
	Created time.Duration

	wine, wineserver string
	home             string
}

var shared struct {
	once   sync.Once
	prefix *Prefix
	root   string
	err    error
}

// Shared returns the test process's Wine prefix, creating it on first use.
// A failure to create it fails the test; missing tools stop it through
// testenv.Missing.
func Shared(t testing.TB) *Prefix {
	t.Helper()
	wine := lookWine(t)
	wineserver := testenv.LookPath(t, "wineserver", "wine")
	gcc := testenv.LookPath(t, "x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64")
	shared.once.Do(func() {
		shared.root, shared.err = os.MkdirTemp("", "lifeline-wine-")
		if shared.err != nil {
			return
		}
		shared.prefix, shared.err = create(shared.root, wine, wineserver, gcc)
	})
	if shared.err != nil {
		t.Fatalf("create Wine prefix: %v", shared.err)
	}
	return shared.prefix
}

// Main runs the tests and then stops the shared prefix's wineserver and
// removes the prefix. Use it as `func TestMain(m *testing.M) { os.Exit(winetest.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	Cleanup()
	return code
}

// Cleanup stops the shared prefix's wineserver and removes the prefix, for
// a TestMain that runs the tests through another Main (consoletest.Main):
// call it after that returns.
func Cleanup() {
	if p := shared.prefix; p != nil {
		p.kill()
	}
	if shared.root != "" {
		os.RemoveAll(shared.root)
	}
}

// lookWine prefers wine64: Debian's wine wrapper warns about a missing
// wine32 on every call.
func lookWine(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"wine64", "/usr/lib/wine/wine64"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return testenv.LookPath(t, "wine", "wine")
}

// create makes a prefix under root: wineboot -i, then the shim into
// system32.
func create(root, wine, wineserver, gcc string) (*Prefix, error) {
	p := &Prefix{
		Dir:        filepath.Join(root, "prefix"),
		wine:       wine,
		wineserver: wineserver,
		home:       filepath.Join(root, "home"),
	}
	if err := os.MkdirAll(p.home, 0o700); err != nil {
		return nil, err
	}
	dll, err := buildShim(gcc, filepath.Join(root, "shim"))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	boot := exec.CommandContext(ctx, wine, "wineboot", "-i")
	boot.Env = p.env("")
	if err := runToFile(boot, root); err != nil {
		return nil, fmt.Errorf("wineboot -i: %w", err)
	}
	wait := exec.CommandContext(ctx, wineserver, "-w") // wineboot returns before the prefix is written
	wait.Env = p.env("")
	if err := runToFile(wait, root); err != nil {
		return nil, fmt.Errorf("wineserver -w: %w", err)
	}
	p.Created = time.Since(start)
	// Keep the server up between runs (Main stops it): each later start is
	// then about a second instead of several.
	persist := exec.CommandContext(ctx, wineserver, "-p")
	persist.Env = p.env("")
	if err := runToFile(persist, root); err != nil {
		return nil, fmt.Errorf("wineserver -p: %w", err)
	}
	if err := copyFile(dll, filepath.Join(p.Dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")); err != nil {
		return nil, fmt.Errorf("install shim: %w", err)
	}
	if err := installFonts(filepath.Join(p.Dir, "drive_c", "windows", "Fonts")); err != nil {
		return nil, fmt.Errorf("install fonts: %w", err)
	}
	return p, nil
}

// fallbackFonts are what a Windows PC always has and a fresh Wine prefix
// lacks: a font with arrows and symbols. Windows' Segoe UI has "→", which
// the guides use ("Start → Settings") and Fyne's own fonts do not; Fyne
// finds it among the system fonts. DejaVu (Debian's fonts-dejavu-core,
// always installed with X) stands in for it.
var fallbackFonts = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"}

func installFonts(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range fallbackFonts {
		if err := copyFile(f, filepath.Join(dir, filepath.Base(f))); err != nil {
			return fmt.Errorf("%w (Debian package fonts-dejavu-core)", err)
		}
	}
	return nil
}

// runToFile runs cmd with its output going to a file in dir, not a pipe:
// wineserver, which these commands may start, daemonizes holding the
// descriptors it inherited, so reading a pipe would never reach its end.
func runToFile(cmd *exec.Cmd, dir string) error {
	f, err := os.CreateTemp(dir, "wine-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(f.Name())
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// buildShim compiles the embedded shim into dir/bcryptprimitives.dll.
func buildShim(gcc, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src, def, dll := filepath.Join(dir, "bcryptprimitives.c"), filepath.Join(dir, "bcryptprimitives.def"), filepath.Join(dir, "bcryptprimitives.dll")
	if err := os.WriteFile(src, shimSource, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(def, shimDef, 0o644); err != nil {
		return "", err
	}
	out, err := exec.Command(gcc, "-shared", "-O2", "-Wall", "-o", dll, src, def, "-ladvapi32").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build shim: %v: %s", err, out)
	}
	return dll, nil
}

// env is the environment of every Wine process in p; display "" runs
// without X.
func (p *Prefix) env(display string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "DISPLAY", "WAYLAND_DISPLAY", "HOME", "WINEPREFIX", "WINEARCH", "WINEDEBUG", "WINEDLLOVERRIDES":
		default:
			env = append(env, kv)
		}
	}
	env = append(env,
		"WINEPREFIX="+p.Dir,
		"WINEARCH=win64",
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d",
		"HOME="+p.home,
	)
	if display != "" {
		env = append(env, "DISPLAY="+display)
	}
	return env
}

// Result is what a program run under Wine did.
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int
	Took           time.Duration
}

// Command returns a command that runs exe (a Linux path or a Windows one
// such as `C:\Program Files\…`, or a Wine built-in like "msiexec") with args
// under Wine on display. The caller may set Dir, add to Env, and run it.
func (p *Prefix) Command(ctx context.Context, display, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.wine, append([]string{exe}, args...)...)
	cmd.Env = p.env(display)
	// Killing wine leaves the Windows process to wineserver: stop them all.
	cmd.Cancel = func() error {
		p.kill()
		return cmd.Process.Kill()
	}
	cmd.WaitDelay = 5 * time.Second // for callers that read pipes
	return cmd
}

// Run runs exe with args under Wine on display (from xtest.Start; "" for
// none), in dir when dir is not "", and gives up after timeout. A program that
// cannot be started or runs out of time fails the test; a non-zero exit code
// is returned, not judged.
func (p *Prefix) Run(t testing.TB, display, dir string, timeout time.Duration, exe string, args ...string) Result {
	t.Helper()
	return p.RunEnv(t, display, dir, nil, timeout, exe, args...)
}

// RunEnv is Run with env ("NAME=value") added to the program's environment.
func (p *Prefix) RunEnv(t testing.TB, display, dir string, env []string, timeout time.Duration, exe string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := p.Command(ctx, display, exe, args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = dir
	// Files, not pipes: processes the program leaves to wineserver (msiexec
	// does) inherit the descriptors and would keep a pipe open.
	stdout, stderr := scratch(t), scratch(t)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err := cmd.Run()
	r := Result{Stdout: readBack(t, stdout), Stderr: readBack(t, stderr), Took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("wine %s %s: no answer within %v\nstdout: %s\nstderr: %s", exe, strings.Join(args, " "), timeout, r.Stdout, r.Stderr)
	case errors.As(err, &exit):
		r.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("wine %s: %v", exe, err)
	}
	return r
}

func scratch(t testing.TB) *os.File {
	t.Helper()
	f, err := os.CreateTemp("", "winetest-*.out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); os.Remove(f.Name()) })
	return f
}

func readBack(t testing.TB, f *os.File) []byte {
	t.Helper()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kill stops the prefix's wineserver and every process in it.
func (p *Prefix) kill() {
	cmd := exec.Command(p.wineserver, "-k")
	cmd.Env = p.env("")
	cmd.Run()
}

// x11DriverKey holds winex11's settings in the prefix's registry.
const x11DriverKey = `HKCU\Software\Wine\X11 Driver`

// UseXinerama makes Wine take its monitors from Xinerama instead of
// RandR: Wine 8 reads RandR 1.4 CRTCs where the server has them, and
// Xvfb has one, so it sees one monitor however many RandR monitors
// xtest.StartMonitors declares; through Xinerama it sees them all, the
// first head as the primary monitor at (0,0) of the virtual screen and
// the others placed around it (negative coordinates left of or above
// it). It sets winex11's UseXRandR to "n" (AppDefaults do not work for
// this: the desktop process enumerates the monitors) and stops the
// prefix's processes so that the next program starts with it;
// t.Cleanup undoes both.
func (p *Prefix) UseXinerama(t testing.TB) {
	t.Helper()
	p.reg(t, "add", x11DriverKey, "/v", "UseXRandR", "/d", "n", "/f")
	p.kill()
	t.Cleanup(func() {
		p.reg(t, "delete", x11DriverKey, "/v", "UseXRandR", "/f")
		p.kill()
	})
}

// reg runs Wine's reg.exe with args, failing the test if it fails.
func (p *Prefix) reg(t testing.TB, args ...string) {
	t.Helper()
	if r := p.Run(t, "", "", time.Minute, "reg", args...); r.ExitCode != 0 {
		t.Fatalf("wine reg %s: exit %d\n%s%s", strings.Join(args, " "), r.ExitCode, r.Stdout, r.Stderr)
	}
}

// DriveC returns the Linux path of a path on the prefix's drive C:, given
// with forward or back slashes and without "C:" (for example `Program Files\Lifeline\lifeline.exe`).
func (p *Prefix) DriveC(path string) string {
	return filepath.Join(p.Dir, "drive_c", filepath.FromSlash(strings.ReplaceAll(path, `\`, "/")))
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// BuildTests cross-builds the test binary of the package in the current
// directory (a test's working directory is its package) for 64-bit
// Windows without cgo, and returns its path. -race, if GOFLAGS carries
// it, is dropped: it needs cgo. Tests that cannot be built fail the test.
func BuildTests(t testing.TB) string {
	t.Helper()
	goTool := testenv.LookPath(t, "go", "golang-go")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), filepath.Base(wd)+".test.exe")
	build := exec.Command(goTool, "test", "-c", "-o", exe, ".")
	var goflags []string
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if f != "-race" {
			goflags = append(goflags, f)
		}
	}
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS="+strings.Join(goflags, " "))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-build the tests for Windows: %v\n%s", err, out)
	}
	return exe
}

// CheckPassed fails the test unless a test binary run under Wine exited 0
// and printed "--- PASS: name" (it ran with -test.v) for every name; it
// returns the output.
func CheckPassed(t testing.TB, r Result, names ...string) string {
	t.Helper()
	out := string(r.Stdout) + string(r.Stderr)
	for _, name := range names {
		if !strings.Contains(out, "--- PASS: "+name) {
			t.Errorf("%s did not pass under Wine", name)
		}
	}
	if r.ExitCode != 0 || t.Failed() {
		t.Fatalf("the Windows tests under Wine exited %d:\n%s", r.ExitCode, out)
	}
	t.Logf("under Wine in %v:\n%s", r.Took, out)
	return out
}
