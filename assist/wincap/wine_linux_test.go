package wincap

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

func TestMain(m *testing.M) { os.Exit(winetest.Main(m)) }

// crossBuild builds this package's tests for Windows (cgo-free).
func crossBuild(t testing.TB) string {
	t.Helper()
	goTool := testenv.LookPath(t, "go", "golang-go")
	exe := filepath.Join(t.TempDir(), "wincap.test.exe")
	build := exec.Command(goTool, "test", "-c", "-o", exe, ".")
	// -race (if GOFLAGS carries it) needs cgo, which this build must not use.
	goflags := strings.Join(slices.DeleteFunc(strings.Fields(os.Getenv("GOFLAGS")), func(f string) bool { return f == "-race" }), " ")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS="+goflags)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-build the tests: %v\n%s", err, out)
	}
	return exe
}

// TestUnderWine runs TestWindowsCapture under Wine on an Xvfb painted with
// the test pattern. Wine has no DXGI Desktop Duplication, so the test
// there checks that Open falls back to GDI, says so in the log, and that
// GDI captures the painted colours.
func TestUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the package and starts Wine")
	}
	exe := crossBuild(t)
	p := winetest.Shared(t)
	display := xtest.Start(t, patternW, patternH)
	xtest.Paint(t, display, pattern(patternW, patternH))
	res := p.Run(t, display, t.TempDir(), 3*time.Minute, exe, "-test.v", "-test.run", "^TestWindows", "-painted")
	out := string(res.Stdout) + string(res.Stderr)
	if res.ExitCode != 0 || !strings.Contains(out, "--- PASS: TestWindowsCapture") || !strings.Contains(out, "--- PASS: TestWindowsD3D11Readback") || !strings.Contains(out, "--- PASS: TestWindowsCaptureEnv") ||
		!strings.Contains(out, "--- PASS: TestWindowsPointer") {
		t.Fatalf("the Windows tests under Wine exited %d:\n%s", res.ExitCode, out)
	}
	// What Wine offers today; when a later Wine implements duplication
	// the Windows test checks the DXGI path instead, and this says so.
	if !strings.Contains(out, "DXGI Desktop Duplication unavailable") || !strings.Contains(out, "path=gdi") {
		t.Errorf("expected Wine to lack DXGI duplication and the GDI path to be taken:\n%s", out)
	}
	t.Logf("under Wine in %v:\n%s", res.Took, out)
}

var benchFPS = regexp.MustCompile(`BenchmarkWindowsCapture/(\w+)\S*\s+\d+\s+.*?([\d.]+) frames/s`)

// BenchmarkUnderWine compares the GDI paths under Wine (the DIB-section
// source and kbinani/screenshot) with ffmpeg's x11grab (XShm) on the same
// 1920×1080 Xvfb, in the same run: full-screen captures per second of
// each, and their ratios. See ../BENCHMARKS.md.
func BenchmarkUnderWine(b *testing.B) {
	ffmpeg := testenv.LookPath(b, "ffmpeg", "ffmpeg")
	exe := crossBuild(b)
	p := winetest.Shared(b)
	const w, h = 1920, 1080
	display := xtest.Start(b, w, h)
	xtest.Paint(b, display, pattern(w, h))
	for b.Loop() {
		res := p.Run(b, display, b.TempDir(), 3*time.Minute, exe, "-test.run", "^$", "-test.bench", "^BenchmarkWindowsCapture$", "-test.benchtime", "3s")
		out := string(res.Stdout) + string(res.Stderr)
		if res.ExitCode != 0 {
			b.Fatalf("the Windows benchmark under Wine exited %d:\n%s", res.ExitCode, out)
		}
		b.Logf("under Wine:\n%s", out)
		wine := map[string]float64{}
		for _, m := range benchFPS.FindAllStringSubmatch(out, -1) {
			wine[m[1]], _ = strconv.ParseFloat(m[2], 64)
		}
		gdi, ok := wine["gdi"]
		if !ok {
			b.Fatalf("no GDI rate in the output:\n%s", out)
		}
		ff := x11grabFPS(b, ffmpeg, display, w, h)
		b.ReportMetric(gdi, "gdi-frames/s")
		b.ReportMetric(wine["screenshot"], "kbinani-frames/s")
		b.ReportMetric(ff, "x11grab-frames/s")
		b.ReportMetric(gdi/ff, "gdi/x11grab")
		b.ReportMetric(wine["screenshot"]/ff, "kbinani/x11grab")
	}
}

var ffFrame = regexp.MustCompile(`frame=\s*(\d+)`)

// x11grabFPS is how many full frames per second ffmpeg's x11grab grabs
// from display when asked for far more than it can: 5 s of grabbing, no
// encoding (rawvideo into the null muxer).
func x11grabFPS(b *testing.B, ffmpeg, display string, w, h int) float64 {
	b.Helper()
	const secs = 5
	cmd := exec.Command(ffmpeg, "-hide_banner", "-nostdin", "-f", "x11grab", "-video_size", fmt.Sprintf("%dx%d", w, h),
		"-framerate", "1000", "-i", display, "-t", strconv.Itoa(secs), "-c:v", "rawvideo", "-f", "null", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("ffmpeg: %v\n%s", err, stderr.String())
	}
	el := time.Since(t0)
	frames := 0
	sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(stderr.String(), "\r", "\n")))
	for sc.Scan() {
		if m := ffFrame.FindStringSubmatch(sc.Text()); m != nil {
			frames, _ = strconv.Atoi(m[1])
		}
	}
	if frames == 0 {
		b.Fatalf("ffmpeg reported no frames:\n%s", stderr.String())
	}
	b.Logf("ffmpeg x11grab: %d frames in %d s of input (%v wall, including start-up)", frames, secs, el.Round(time.Millisecond))
	return float64(frames) / secs
}

// TestMonitorsUnderWine gives Wine three monitors on one Xvfb — the
// primary, a smaller one left of it and one above it, so at negative
// virtual-screen x and y — paints them, and runs TestWindowsMonitors: all
// enumerated with the primary as display 0, each captured at its
// rectangle by every GDI path and by Open, DXGI outputs found by desktop
// coordinates, and pointer positions on each monitor mapped as input
// maps them. The pointer's last stop is then read from the X server.
func TestMonitorsUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the package and starts Wine")
	}
	exe := crossBuild(t)
	p := winetest.Shared(t)
	p.UseXinerama(t)
	display := xtest.StartMonitors(t, xPrimary, xLeft, xAbove)
	xtest.Paint(t, display, monitorsPattern())
	res := p.Run(t, display, t.TempDir(), 3*time.Minute, exe, "-test.v", "-test.run", "^TestWindowsMonitors$", "-monitors")
	winetest.CheckPassed(t, res, "TestWindowsMonitors")
	if x, y := xtest.Pointer(t, display); image.Pt(x, y) != lastX {
		t.Errorf("X pointer at %d,%d after the last move, want %v", x, y, lastX)
	}
	// Where the X server has the pointer after a move on each monitor's
	// corners and centre (one Wine run each).
	for _, tc := range []struct {
		display int
		nx, ny  uint16
		x       image.Point
	}{
		{1, 0, 0, image.Pt(0, 600)},
		{1, 65535, 65535, image.Pt(799, 1199)},
		{2, 0, 0, image.Pt(800, 0)},
		{2, 65535, 65535, image.Pt(1439, 599)},
		{0, 32768, 32768, image.Pt(800+512, 600+384)},
	} {
		arg := fmt.Sprintf("%d,%d,%d", tc.display, tc.nx, tc.ny)
		res := p.Run(t, display, t.TempDir(), time.Minute, exe, "-test.v", "-test.run", "^TestWindowsPointerTo$", "-pointer", arg)
		winetest.CheckPassed(t, res, "TestWindowsPointerTo")
		if x, y := xtest.Pointer(t, display); image.Pt(x, y) != tc.x {
			t.Errorf("-pointer %s: X pointer at %d,%d, want %v", arg, x, y, tc.x)
		}
	}
}
