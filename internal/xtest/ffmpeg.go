//go:build linux

package xtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// FFmpegResult is what ffmpeg's x11grab + libvpx did on an animated
// screen: FPS is the frames/s it captured and kept up with (30 at speed
// ≥ 1), OutFPS the frames/s libvpx wrote (fewer when the screen did not
// change), CPUPct its CPU in percent of one core, Kbps its bitrate.
type FFmpegResult struct{ FPS, OutFPS, CPUPct, Kbps float64 }

// FFmpegSeconds is how many seconds of input FFmpegPaced encodes.
const FFmpegSeconds = 5

// FFmpegPaced runs ffmpeg's x11grab + libvpx realtime (cpu-used 8) at
// 30 fps and rate (such as "3M") for FFmpegSeconds of input of display's
// w×h screen while Animate runs a, with extra output options (such as
// "-vf", "scale=1920:-2"). CPU is the child's rusage over its wall time.
// Without ffmpeg the benchmark stops through testenv.Missing; ffmpeg is
// killed if it runs for over a minute.
func FFmpegPaced(t testing.TB, display string, a *Animator, w, h int, rate string, extra ...string) FFmpegResult {
	t.Helper()
	bin := testenv.LookPath(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithCancel(context.Background())
	anim := Animate(ctx, a)
	defer func() {
		cancel()
		if err := <-anim; err != nil {
			t.Error(err)
		}
	}()
	rctx, rcancel := context.WithTimeout(context.Background(), time.Minute)
	defer rcancel()
	cmd := exec.CommandContext(rctx, bin, append(append([]string{"-hide_banner", "-nostdin", "-f", "x11grab",
		"-video_size", fmt.Sprintf("%dx%d", w, h), "-framerate", "30", "-i", display,
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", rate}, extra...),
		"-t", strconv.Itoa(FFmpegSeconds), "-f", "null", "-")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	frames, videoKB, speed := ParseFFmpeg(stderr)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ffmpeg: %v", err)
	}
	el := time.Since(t0)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	// ffmpeg encodes FFmpegSeconds of input; its startup is in el but not
	// in the frame count, so rate over the input. libvpx skips frames of
	// an unchanged screen, so the frames it wrote undercount what ffmpeg
	// captured; speed ≥ 1 means it kept up with 30 fps.
	return FFmpegResult{
		FPS:    30 * min(speed, 1),
		OutFPS: float64(frames) / FFmpegSeconds,
		CPUPct: 100 * cpu.Seconds() / el.Seconds(),
		Kbps:   videoKB * 8 * 1.024 / FFmpegSeconds,
	}
}

var (
	ffFrame = regexp.MustCompile(`frame=\s*(\d+)`)
	ffSpeed = regexp.MustCompile(`speed=\s*([\d.]+)x`)
	ffVideo = regexp.MustCompile(`video:\s*([\d.]+)\s*[kK]i?B`)
)

// ParseFFmpeg reads ffmpeg's progress output (stderr) to the end: the
// last frame count, the video size in KiB and the speed it reported.
func ParseFFmpeg(r io.Reader) (frames int, videoKB, speed float64) {
	sc := bufio.NewScanner(r)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		for i, c := range data {
			if c == '\n' || c == '\r' {
				return i + 1, data[:i], nil
			}
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	for sc.Scan() {
		line := sc.Text()
		if m := ffFrame.FindStringSubmatch(line); m != nil {
			frames, _ = strconv.Atoi(m[1])
		}
		if m := ffVideo.FindStringSubmatch(line); m != nil {
			videoKB, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := ffSpeed.FindStringSubmatch(line); m != nil {
			speed, _ = strconv.ParseFloat(m[1], 64)
		}
	}
	return frames, videoKB, speed
}
