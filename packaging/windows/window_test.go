package windows_test

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// shotDir is where the window tests leave their screenshots for a person to
// look at: dist/windows/screenshots (ignored by git).
var shotDir = filepath.Join(repo, "dist", "windows", "screenshots")

// TestWindowUnderWine starts lifeline.exe with no arguments (the window, as
// the Start menu does) under Wine on a private Xvfb, waits until the app says
// its window is ready, finds that window on the X server, and checks that
// it painted something; typing a search into it changes what it shows, and
// Enter opens the first guide at its Windows step. The screenshots stay in
// dist/windows/screenshots.
func TestWindowUnderWine(t *testing.T) {
	exe := windowsExe(t)
	testenv.LookPath(t, "xdotool", "xdotool")
	testenv.LookPath(t, "import", "imagemagick")
	display := xtest.Start(t, 1366, 768)
	p := winetest.Shared(t)

	probe := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := p.Command(ctx, display, exe)
	// Wine maps the Linux root to drive Z:.
	cmd.Env = append(cmd.Env, "LIFELINE_STARTUP_PROBE=Z:"+strings.ReplaceAll(probe, "/", `\`))
	logf, err := os.CreateTemp(t.TempDir(), "window-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf // a file: wineserver would hold a pipe open
	log := func() string { b, _ := os.ReadFile(logf.Name()); return string(b) }
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed when the process has ended
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		cancel()
		<-exited
	}()
	for {
		if _, err := os.Stat(probe); err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("lifeline.exe exited before its window was ready: %v\n%s", waitErr, log())
		case <-ctx.Done():
			t.Fatalf("the window was not ready within the time limit\n%s", log())
		case <-time.After(50 * time.Millisecond):
		}
	}
	ready := time.Since(start)

	x := func(args ...string) string {
		t.Helper()
		c := exec.Command("xdotool", args...)
		c.Env = []string{"DISPLAY=" + display, "PATH=" + os.Getenv("PATH")}
		out, err := c.Output()
		if err != nil {
			t.Fatalf("xdotool %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	window := strings.Fields(x("search", "--sync", "--onlyvisible", "--name", "^Lifeline") + " ")[0]
	geom := map[string]int{}
	for _, line := range strings.Split(x("getwindowgeometry", "--shell", window), "\n") {
		k, v, _ := strings.Cut(line, "=")
		geom[k], _ = strconv.Atoi(v)
	}
	area := image.Rect(geom["X"], geom["Y"], geom["X"]+geom["WIDTH"], geom["Y"]+geom["HEIGHT"])
	t.Logf("window %s at %v ready %v after start (cold start under Wine)", window, area, ready.Round(time.Millisecond))
	if area.Dx() < 300 || area.Dy() < 300 {
		t.Fatalf("window %s is %v: too small to be the app's window", window, area)
	}

	x("mousemove", "--sync", "0", strconv.Itoa(area.Max.Y+50)) // off the window: no hover highlight
	first := screenshot(t, display, "window.png")
	if n := colours(first, area); n < 20 {
		t.Errorf("the window shows %d colours: it did not paint its content", n)
	}

	// The search box has the focus when the window opens; the answers
	// replace the topic list below it.
	x("windowfocus", "--sync", window)
	x("type", "--delay", "40", "bluetooth headphones won't pair")
	list := image.Rect(area.Min.X, area.Min.Y+150, area.Max.X, area.Max.Y-100)
	deadline := time.Now().Add(30 * time.Second)
	var typed image.Image
	for {
		typed = screenshot(t, display, "window-search.png")
		if n := changed(first, typed, list); n > list.Dx()*list.Dy()/10 {
			t.Logf("the answers changed %d pixels of the list", n)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("typing a search into the window did not change the list below it\n%s", log())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Enter opens the first guide: its first step, in the words written
	// for Windows ("Start → Settings → Bluetooth & devices").
	x("key", "Return")
	deadline = time.Now().Add(30 * time.Second)
	for {
		opened := screenshot(t, display, "window-guide.png")
		if n := changed(typed, opened, list); n > list.Dx()*list.Dy()/10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Enter in the search box did not open the first guide\n%s", log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("screenshots in %s", shotDir)

	id, _ := strconv.ParseUint(window, 10, 32)
	xtest.CloseWindow(t, display, uint32(id))
	select {
	case <-exited:
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("lifeline.exe exited with %d after its window was closed\n%s", code, log())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("lifeline.exe did not quit within 30 s of its window being closed\n%s", log())
	}
}

// screenshot saves the whole screen of display as shotDir/name and decodes it.
func screenshot(t *testing.T, display, name string) image.Image {
	t.Helper()
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(shotDir, name)
	c := exec.Command("import", "-window", "root", "png:"+path)
	c.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// colours counts the distinct colours of img inside r.
func colours(img image.Image, r image.Rectangle) int {
	seen := map[[3]uint32]bool{}
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			c0, c1, c2, _ := img.At(x, y).RGBA()
			seen[[3]uint32{c0 >> 8, c1 >> 8, c2 >> 8}] = true
		}
	}
	return len(seen)
}

// changed counts the pixels inside r that differ between a and b.
func changed(a, b image.Image, r image.Rectangle) int {
	n := 0
	r = r.Intersect(a.Bounds()).Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}
