// Package windows_test checks the cross-built Windows client,
// dist/windows/lifeline.exe (`make windows`), under Wine on a private Xvfb:
// its headless commands answer exactly as the Linux build does, its window
// paints and answers a search, a live session with the technician console
// (Chromium) goes end to end over the relay's TURN on TCP (session_test.go),
// and its MSI installs, upgrades and uninstalls. Run it with `make
// test-windows`; as root the tests run in a network namespace with only
// loopback.
package windows_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// TestMain runs the tests in a network namespace with only loopback (as
// root) with one shared Chromium for the live session's console (see
// consoletest.Main), and removes the shared Wine prefix at the end.
func TestMain(m *testing.M) {
	code := consoletest.Main(m)
	winetest.Cleanup()
	os.Exit(code)
}

// repo is the repository root.
var repo = func() string {
	d, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return d
}()

// windowsExe returns dist/windows/lifeline.exe, failing the test when
// `make windows` has not built it.
func windowsExe(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(repo, "dist", "windows", "lifeline.exe")
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("%v: build it with `make windows` (make test-windows does)", err)
	}
	return exe
}

var linuxBuild struct {
	once sync.Once
	exe  string
	out  []byte
	err  error
}

// linuxExe builds the Linux lifeline once per test process.
func linuxExe(t *testing.T) string {
	t.Helper()
	linuxBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "lifeline-linux-")
		if err != nil {
			linuxBuild.err = err
			return
		}
		linuxBuild.exe = filepath.Join(dir, "lifeline")
		cmd := exec.Command("go", "build", "-o", linuxBuild.exe, "./app/cmd/lifeline")
		cmd.Dir = repo
		linuxBuild.out, linuxBuild.err = cmd.CombinedOutput()
	})
	if linuxBuild.err != nil {
		t.Fatalf("go build ./app/cmd/lifeline: %v\n%s", linuxBuild.err, linuxBuild.out)
	}
	return linuxBuild.exe
}

// runLinux runs the Linux build in the repository with its own empty HOME
// and cache, and returns stdout, stderr and the exit code.
func runLinux(t *testing.T, home string, args ...string) ([]byte, []byte, int) {
	t.Helper()
	cmd := exec.Command(linuxExe(t), args...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "DISPLAY=", "WAYLAND_DISPLAY=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("lifeline %v: %v", args, err)
	}
	return stdout.Bytes(), stderr.Bytes(), code
}

// devQueries returns n queries spread over selfhelp/search/testdata/queries-dev.tsv.
func devQueries(t *testing.T, n int) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repo, "selfhelp", "search", "testdata", "queries-dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		q, _, _ := strings.Cut(sc.Text(), "\t")
		if q != "" && q != "query" && !strings.HasPrefix(q, "#") {
			all = append(all, q)
		}
	}
	if len(all) < n {
		t.Fatalf("queries-dev.tsv has %d queries, want at least %d", len(all), n)
	}
	var qs []string
	for i := 0; i < n; i++ {
		qs = append(qs, all[i*len(all)/n])
	}
	return qs
}

func TestSearchSameAsLinux(t *testing.T) {
	exe := windowsExe(t)
	display := xtest.Start(t, 1024, 768)
	p := winetest.Shared(t)
	t.Logf("Wine prefix created in %v", p.Created.Round(time.Millisecond))
	home := t.TempDir()
	var took []time.Duration
	for _, q := range devQueries(t, 10) {
		want, wantErr, code := runLinux(t, home, "search", "--json", q)
		if code != 0 {
			t.Fatalf("Linux: lifeline search --json %q: exit %d: %s", q, code, wantErr)
		}
		r := p.Run(t, display, repo, 2*time.Minute, exe, "search", "--json", q)
		took = append(took, r.Took)
		if r.ExitCode != 0 {
			t.Errorf("Windows: lifeline.exe search --json %q: exit %d: %s", q, r.ExitCode, r.Stderr)
			continue
		}
		if got := r.Stdout; !bytes.Equal(got, want) {
			t.Errorf("search %q:\nWindows: %s\nLinux:   %s", q, got, want)
		}
	}
	t.Logf("lifeline.exe search under Wine: first %v (builds the index cache), then %v", took[0].Round(time.Millisecond), mean(took[1:]).Round(time.Millisecond))
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// lintLine is one problem of `lifeline guides lint`: file:line: message.
var lintLine = regexp.MustCompile(`(?m)^\S+\.yaml:\d+:`)

func TestGuidesLintSameAsLinux(t *testing.T) {
	exe := windowsExe(t)
	display := xtest.Start(t, 1024, 768)
	p := winetest.Shared(t)
	broken := "selfhelp/guide/testdata/broken"
	want, wantErr, code := runLinux(t, t.TempDir(), "guides", "lint", broken)
	if code != 1 {
		t.Fatalf("Linux: guides lint %s: exit %d, want 1: %s", broken, code, wantErr)
	}
	r := p.Run(t, display, repo, 2*time.Minute, exe, "guides", "lint", broken)
	if r.ExitCode != 1 {
		t.Errorf("Windows: guides lint %s: exit %d, want 1\nstderr: %s", broken, r.ExitCode, r.Stderr)
	}
	got := normalise(append(r.Stdout, r.Stderr...))
	wantLines := normalise(append(want, wantErr...))
	if got != wantLines {
		t.Errorf("guides lint %s:\nWindows:\n%s\nLinux:\n%s", broken, got, wantLines)
	}
	if !lintLine.MatchString(wantLines) {
		t.Errorf("Linux output has no file:line messages, the comparison proves nothing:\n%s", wantLines)
	}
}

// normalise makes Windows output comparable with Linux output: CRLF to LF,
// backslashes in paths to slashes.
func normalise(b []byte) string {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.ReplaceAll(s, `\`, "/")
}

func TestVersion(t *testing.T) {
	exe := windowsExe(t)
	display := xtest.Start(t, 1024, 768)
	p := winetest.Shared(t)
	want := productVersion(t, exe)
	r := p.Run(t, display, "", time.Minute, exe, "version")
	if r.ExitCode != 0 {
		t.Fatalf("lifeline.exe version: exit %d: %s", r.ExitCode, r.Stderr)
	}
	if got := strings.TrimSpace(string(r.Stdout)); got != "lifeline "+want {
		t.Errorf("lifeline.exe version = %q, want %q (the exe's ProductVersion resource)", got, "lifeline "+want)
	}
	if want == "dev" || want == "" {
		t.Errorf("ProductVersion %q: make windows did not stamp a version", want)
	}
}

// TestResources checks the exe's manifest and version resource without Wine.
func TestResources(t *testing.T) {
	b, err := os.ReadFile(windowsExe(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`<dpiAwareness[^>]*>permonitorv2[,<]`),
		regexp.MustCompile(`<requestedExecutionLevel level="asInvoker"`),
	} {
		if !want.Match(b) {
			t.Errorf("manifest lacks %s", want)
		}
	}
	if v := productVersion(t, windowsExe(t)); v == "" {
		t.Error("no ProductVersion in the version resource")
	}
}

// productVersion reads the ProductVersion string of the exe's version
// resource (VS_VERSIONINFO, UTF-16LE).
func productVersion(t *testing.T, exe string) string {
	t.Helper()
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	key := utf16le("ProductVersion\x00")
	i := bytes.Index(b, key)
	if i < 0 {
		return ""
	}
	i += len(key)
	for i+1 < len(b) && b[i] == 0 && b[i+1] == 0 { // padding to a 32-bit boundary
		i += 2
	}
	var u []uint16
	for ; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

func utf16le(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}
