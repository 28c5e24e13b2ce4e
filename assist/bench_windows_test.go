package assist

import (
	"context"
	"flag"
	"log/slog"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// The Windows half of BenchmarkPipelineUnderWine (wine_bench_linux_test.go):
// run under Wine with -test.bench, it measures the real pipeline on
// whatever the X server behind Wine shows (the Linux side animates it).

var winBenchDur = flag.Duration("pipeline.dur", 5*time.Second, "measured time of BenchmarkWindowsPipeline30fps, after a 3 s warm-up")

// processCPU is this process's user+kernel time from GetProcessTimes.
func processCPU(b *testing.B) time.Duration {
	var creation, exit, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user); err != nil {
		b.Fatalf("GetProcessTimes: %v", err)
	}
	ft := func(f windows.Filetime) time.Duration {
		return time.Duration(int64(f.HighDateTime)<<32|int64(f.LowDateTime)) * 100
	}
	return ft(kernel) + ft(user)
}

// BenchmarkWindowsPipeline30fps runs the real pipeline (the default
// source — DXGI, or GDI under Wine — ticker at 30 fps, change detection,
// adaptation, VP8) for -pipeline.dur per iteration; run with -benchtime=1x.
// It reports frames encoded per second (fps), captures per second and
// changed captures per second, CPU in percent of one core (GetProcessTimes)
// and bitrate, at a 1 and a 3 Mbit/s cap.
func BenchmarkWindowsPipeline30fps(b *testing.B) {
	for _, sc := range []struct {
		name string
		kbps int
	}{{"1M", 1000}, {"3M", 3000}} {
		b.Run(sc.name, func(b *testing.B) {
			for b.Loop() {
				res := runPacedWindows(b, sc.kbps, *winBenchDur)
				b.ReportMetric(res.fps, "fps")
				b.ReportMetric(res.captured, "captured-fps")
				b.ReportMetric(res.changed, "changed-fps")
				b.ReportMetric(res.cpuPct, "cpu-%core")
				b.ReportMetric(res.kbps, "kbit/s")
				b.ReportMetric(float64(res.level), "level")
			}
		})
	}
}

type winPacedResult struct {
	fps, captured, changed, cpuPct, kbps float64
	level                                int
}

func runPacedWindows(b *testing.B, kbps int, dur time.Duration) winPacedResult {
	src, err := defaultSource(0, slog.Default())
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	if r := src.Bounds(); r.Dx() == 0 {
		b.Fatalf("empty screen %v", r)
	}
	var mu sync.Mutex
	var bytes int
	v := newVideo(videoConfig{FPS: 30, BitrateKbps: kbps, StartKbps: kbps, Adapt: true}, src, func(f encodedFrame) error {
		mu.Lock()
		bytes += len(f.Data)
		mu.Unlock()
		return nil
	}, nil)
	const warmup = 3 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), warmup+dur)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- v.Run(ctx) }()
	time.Sleep(warmup)
	mu.Lock()
	bytes0 := bytes
	mu.Unlock()
	st0 := v.Stats()
	cpu0, t0 := processCPU(b), time.Now()
	if err := <-runErr; err != nil && ctx.Err() == nil {
		b.Fatal(err)
	}
	cpu, el := processCPU(b)-cpu0, time.Since(t0)
	st := v.Stats()
	b.Logf("screen %v: %d frames encoded in %v", src.Bounds(), st.Encoded-st0.Encoded, el.Round(time.Millisecond))
	return winPacedResult{
		fps:      float64(st.Encoded-st0.Encoded) / el.Seconds(),
		captured: float64(st.Captured-st0.Captured) / el.Seconds(),
		changed:  float64(st.Captured-st.Unchanged-st0.Captured+st0.Unchanged) / el.Seconds(),
		cpuPct:   100 * cpu.Seconds() / el.Seconds(),
		kbps:     float64(bytes-bytes0) * 8 / 1000 / el.Seconds(),
		level:    st.Level,
	}
}
