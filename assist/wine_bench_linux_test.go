package assist

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

func TestMain(m *testing.M) { os.Exit(winetest.Main(m)) }

var wineExe = flag.String("wine.exe", "", "BenchmarkPipelineUnderWine: a Windows build of this package's tests to run instead of cross-building one")

// win64Prefix is where `make windows-deps` puts the cross-built libvpx
// and libyuv (the Makefile's WIN_PREFIX).
func win64Prefix() string {
	if p := os.Getenv("LIFELINE_WIN64_PREFIX"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = filepath.Join(os.Getenv("HOME"), ".cache")
	}
	return filepath.Join(cache, "lifeline", "win64")
}

// crossBuildCgo builds this package's tests for Windows with cgo (the
// real VP8 encoder), as the Makefile's WIN_ENV builds lifeline.exe:
// mingw-w64, libvpx/libyuv from the win64 prefix, statically linked.
func crossBuildCgo(b *testing.B) string {
	b.Helper()
	goTool := testenv.LookPath(b, "go", "golang-go")
	cc := testenv.LookPath(b, "x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64")
	cxx := testenv.LookPath(b, "x86_64-w64-mingw32-g++", "g++-mingw-w64-x86-64")
	prefix := win64Prefix()
	if _, err := os.Stat(filepath.Join(prefix, "lib", "libvpx.a")); err != nil {
		b.Fatalf("no cross-built libvpx in %s (run `make windows-deps`): %v", prefix, err)
	}
	exe := filepath.Join(b.TempDir(), "assist.test.exe")
	build := exec.Command(goTool, "test", "-c", "-o", exe, "-ldflags", "-extldflags '-static -lstdc++ -lpthread'", ".")
	goflags := strings.Join(slices.DeleteFunc(strings.Fields(os.Getenv("GOFLAGS")), func(f string) bool { return f == "-race" }), " ")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1", "GOFLAGS="+goflags,
		"CC="+cc, "CXX="+cxx, "PKG_CONFIG_LIBDIR="+filepath.Join(prefix, "lib", "pkgconfig"), "PKG_CONFIG_PATH=",
		"CGO_CFLAGS=-O2 -I"+filepath.Join(prefix, "include"), "CGO_LDFLAGS=-L"+filepath.Join(prefix, "lib"))
	t0 := time.Now()
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("cross-build the tests with cgo: %v\n%s", err, out)
	}
	b.Logf("cross-built %s in %v", exe, time.Since(t0).Round(time.Second))
	return exe
}

// winMetric finds "<value> <unit>" of sub-benchmark name in go test output.
func winMetric(b *testing.B, out, name, unit string) float64 {
	b.Helper()
	line := regexp.MustCompile(`(?m)^BenchmarkWindowsPipeline30fps/` + regexp.QuoteMeta(name) + `\S*\s+\d+\s.*$`).FindString(out)
	m := regexp.MustCompile(`([\d.]+) ` + regexp.QuoteMeta(unit) + `(\s|$)`).FindStringSubmatch(line)
	if m == nil {
		b.Fatalf("no %s of %s in the output under Wine:\n%s", unit, name, out)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// BenchmarkPipelineUnderWine runs the Windows client's media pipeline —
// wincap (GDI under Wine) + change detection + the real VP8 encoder, paced
// at 30 fps — as a Windows test binary (BenchmarkWindowsPipeline30fps)
// under Wine on a 1920×1080 Xvfb whose editor window scrolls a line per
// frame (the scroll content of BenchmarkPipeline30fps, painted by this
// process as an X client), and then ffmpeg x11grab + libvpx realtime on the
// same display and content, and the Linux client's own pipeline (XShm,
// runPaced), at 1 and 3 Mbit/s. Wine's CPU is the Windows
// process's own GetProcessTimes over the measured 5 s; ffmpeg's its
// rusage over its run. The ratios are Wine ÷ ffmpeg of frames a viewer gets
// (encoded, written) and of CPU. Run with -benchtime=1x; see BENCHMARKS.md.
func BenchmarkPipelineUnderWine(b *testing.B) {
	testenv.LookPath(b, "ffmpeg", "ffmpeg")
	exe := *wineExe
	if exe == "" {
		exe = crossBuildCgo(b)
	}
	p := winetest.Shared(b)
	const w, h = 1920, 1080
	d := xtest.Start(b, w, h)
	a := xtest.NewAnimator(b, d, "scroll", w, h)
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		anim := xtest.Animate(ctx, a)
		dir := b.TempDir()
		stdout, err := os.Create(filepath.Join(dir, "stdout"))
		if err != nil {
			b.Fatal(err)
		}
		runCtx, runCancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := p.Command(runCtx, d, exe, "-test.run", "^$", "-test.bench", "^BenchmarkWindowsPipeline30fps$", "-test.benchtime", "1x")
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stdout, stdout // files: wineserver's children inherit them
		t0 := time.Now()
		runErr := cmd.Run()
		el := time.Since(t0)
		runCancel()
		stdout.Close()
		cancel()
		if err := <-anim; err != nil {
			b.Fatal(err)
		}
		raw, _ := os.ReadFile(stdout.Name())
		out := string(raw)
		if runErr != nil {
			b.Fatalf("the Windows benchmark under Wine: %v\n%s", runErr, out)
		}
		if !strings.Contains(out, "path=gdi") {
			b.Errorf("expected wincap to take the GDI path under Wine:\n%s", out)
		}
		b.Logf("under Wine (%v):\n%s", el.Round(time.Millisecond), out)
		// The wine process's own CPU over its whole life (start-up and the
		// 3 s warm-ups included), as a cross-check of GetProcessTimes.
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		wholeCPU := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		b.ReportMetric(100*wholeCPU.Seconds()/el.Seconds(), "wine-whole-run-cpu-%core")
		for _, rate := range []string{"1M", "3M"} {
			fps, capt, cpu, kbps := winMetric(b, out, rate, "fps"), winMetric(b, out, rate, "captured-fps"), winMetric(b, out, rate, "cpu-%core"), winMetric(b, out, rate, "kbit/s")
			ff := xtest.FFmpegPaced(b, d, a, w, h, rate)
			kbit := map[string]int{"1M": 1000, "3M": 3000}[rate]
			lin := runPaced(b, d, a, kbit, 5*time.Second)
			// ffmpeg held to the cap as our encoder is (libvpx CBR: minrate =
			// maxrate = b:v, a 1 s buffer, frames dropped under 30 % buffer
			// fullness), for frames a viewer gets at the same bitrate.
			cbr := xtest.FFmpegPaced(b, d, a, w, h, rate, "-minrate", rate, "-maxrate", rate, "-bufsize", rate, "-drop-threshold", "30")
			b.Logf("%s: ffmpeg CBR captured %.1f fps, wrote %.1f fps, %.0f %%core, %.0f kbit/s", rate, cbr.FPS, cbr.OutFPS, cbr.CPUPct, cbr.Kbps)
			b.ReportMetric(cbr.OutFPS, "ffmpeg-cbr-"+rate+"-fps")
			b.ReportMetric(cbr.CPUPct, "ffmpeg-cbr-"+rate+"-cpu-%core")
			b.ReportMetric(cbr.Kbps, "ffmpeg-cbr-"+rate+"-kbit/s")
			b.ReportMetric(fps/cbr.OutFPS, "fps-ratio-cbr-"+rate)
			b.Logf("%s: Wine GDI+vpx captured %.1f fps, encoded %.1f fps, %.0f %%core, %.0f kbit/s; ffmpeg x11grab+libvpx captured %.1f fps, wrote %.1f fps, %.0f %%core, %.0f kbit/s",
				rate, capt, fps, cpu, kbps, ff.FPS, ff.OutFPS, ff.CPUPct, ff.Kbps)
			b.ReportMetric(capt, "wine-"+rate+"-captured-fps")
			b.ReportMetric(fps, "wine-"+rate+"-fps")
			b.ReportMetric(cpu, "wine-"+rate+"-cpu-%core")
			b.ReportMetric(kbps, "wine-"+rate+"-kbit/s")
			b.ReportMetric(winMetric(b, out, rate, "level"), "wine-"+rate+"-level")
			b.ReportMetric(ff.FPS, "ffmpeg-"+rate+"-captured-fps")
			b.ReportMetric(ff.OutFPS, "ffmpeg-"+rate+"-fps")
			b.ReportMetric(ff.CPUPct, "ffmpeg-"+rate+"-cpu-%core")
			b.ReportMetric(ff.Kbps, "ffmpeg-"+rate+"-kbit/s")
			b.ReportMetric(lin.fps, "linux-"+rate+"-fps")
			b.ReportMetric(lin.cpuPct, "linux-"+rate+"-cpu-%core")
			b.ReportMetric(lin.kbps, "linux-"+rate+"-kbit/s")
			b.Logf("%s: the Linux pipeline (XShm) on the same display: encoded %.1f fps, %.0f %%core, %.0f kbit/s, level %d",
				rate, lin.fps, lin.cpuPct, lin.kbps, lin.level)
			// Frames a viewer gets (encoded / written) and CPU, Wine ÷ ffmpeg.
			b.ReportMetric(fps/ff.OutFPS, "fps-ratio-"+rate)
			b.ReportMetric(cpu/ff.CPUPct, "cpu-ratio-"+rate)
		}
	}
}
