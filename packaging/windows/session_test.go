package windows_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// Colours painted on the X root, which the Wine desktop shows: left half
// and right half; then the recorder's full-screen window.
var (
	leftColour  = color.RGBA{0xe0, 0x40, 0x20, 0xff}
	rightColour = color.RGBA{0x20, 0xa0, 0x50, 0xff}
	recorderBG  = color.RGBA{0x20, 0x20, 0x20, 0xff} // xtest.Recorder's window
	witnessBG   = color.RGBA{0x40, 0x80, 0xc0, 0xff} // testdata/inputrec's window
)

const sessionW, sessionH = 1024, 768

// TestLiveSessionUnderWine is a live session end to end with the Windows
// client: the technician console in Chromium makes a one-time code on a
// real relay; `lifeline.exe assist --code` under Wine on a private Xvfb
// redeems it and asks its questions on the terminal. The user first
// declines viewing — no video connection is even made — then allows it
// when asked again: the console decodes the Wine desktop's colours, and
// new frames when the screen changes. The user allows control: the
// console's mouse moves the X pointer through Wine; after the user takes
// control back ("r"), nothing the console sends reaches the X server;
// "q" ends the session and the exe exits cleanly.
//
// Go's UDP sockets fail under Wine 8, so the client gathers no UDP
// candidates at all: the session only works because the relay announces
// its TURN server over TCP as well, which the test checks.
func TestLiveSessionUnderWine(t *testing.T) {
	exe := windowsExe(t)
	witnessExe := buildWitness(t)
	p := winetest.Shared(t)
	d := xtest.Start(t, sessionW, sessionH)
	img := image.NewRGBA(image.Rect(0, 0, sessionW, sessionH))
	draw.Draw(img, image.Rect(0, 0, sessionW/2, sessionH), image.NewUniform(leftColour), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(sessionW/2, 0, sessionW, sessionH), image.NewUniform(rightColour), image.Point{}, draw.Src)
	xtest.Paint(t, d, img)

	r := relaytest.Start(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) {
		c.TURNURLs = append(c.TURNURLs, strings.Replace(c.TURNURLs[0], "transport=udp", "transport=tcp", 1))
	}))

	// The technician makes a one-time code in the console.
	tb := consoletest.OpenTab(t, 5*time.Minute)
	tb.TrackPeerConnections()
	tb.SignIn(r.URL, relaytest.Username, relaytest.Password)
	tb.Click("#code-new")
	tb.Wait("the code", `!document.querySelector('#code-active').hidden`, 10*time.Second)
	code := strings.Join(strings.Fields(tb.Text("#code-digits")), "")

	// The user runs the Windows client with it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	a := startAssist(t, p.Command(ctx, d, exe, "assist", "--relay", r.URL, "--code", code, "--name", "Ana Silva", "--verbose"), cancel)
	tb.Wait("the session", `!document.querySelector('#view-session').hidden && document.querySelector('.session:not([hidden]) .peer')?.textContent === 'Ana Silva'`, 90*time.Second)
	t.Logf("code redeemed, session open in the console %v after lifeline.exe started", time.Since(a.started).Round(time.Millisecond))

	// No: nothing is shared, not even a connection.
	a.waitOutput("wants to see your screen. Allow? [y/N]", 1, 30*time.Second)
	a.answer("n")
	a.waitOutput("Nothing was shared.", 1, 10*time.Second)
	tb.Wait("the decline", `document.querySelector('.session:not([hidden]) .session-status').textContent === 'Ana Silva declined. You can ask again.'`, 10*time.Second)
	time.Sleep(time.Second) // anything that would still come
	if n := consoletest.Eval[int](tb, `(window.__pcs || []).length`); n != 0 {
		t.Errorf("the console made %d video connections after viewing was declined", n)
	}
	if n := consoletest.Eval[int](tb, `(() => { const v = `+consoletest.SessionVideo+`; return v ? v.videoWidth : 0 })()`); n != 0 {
		t.Errorf("the console shows video %d px wide after viewing was declined", n)
	}
	if n := r.TURN.Stats.Allocations.Load(); n != 0 {
		t.Errorf("%d TURN allocations after viewing was declined", n)
	}

	// Asked again, yes: the console decodes the Wine desktop.
	tb.Click(".session:not([hidden]) .toolbar button:nth-child(1)") // Ask again to see the screen
	a.waitOutput("wants to see your screen. Allow? [y/N]", 2, 30*time.Second)
	allowed := time.Now()
	a.answer("y")
	video := consoletest.SessionVideo
	if !tb.Poll(video+` && `+video+`.videoWidth > 0 && `+video+`.getVideoPlaybackQuality().totalVideoFrames > 0`, 60*time.Second) {
		t.Fatalf("no decoded video 60 s after the user allowed viewing\nbrowser: %s\nlifeline.exe: %s\npage: %s", tb.PeerConnectionReport(), a.output(), tb.PageText())
	}
	firstFrame := time.Since(allowed)
	if w, h := consoletest.Eval[int](tb, video+`.videoWidth`), consoletest.Eval[int](tb, video+`.videoHeight`); w != sessionW || h != sessionH {
		t.Errorf("video is %d×%d, want %d×%d", w, h, sessionW, sessionH)
	}
	halves := []consoletest.Point{{X: 0.25, Y: 0.5}, {X: 0.75, Y: 0.5}}
	consoletest.WaitVideoPixels(tb, video, 10*time.Second, halves, []color.RGBA{leftColour, rightColour})
	tb.Screenshot(shotDir, "session-under-wine")
	if n := r.TURN.Stats.AllocationsTCP.Load(); n < 1 {
		t.Errorf("TURN allocations over TCP = %d: the session did not go the only way Wine allows", n)
	}
	t.Logf("first decoded frame %v after the user allowed viewing (%v after lifeline.exe started)",
		firstFrame.Round(time.Millisecond), time.Since(a.started).Round(time.Millisecond))

	// The screen changes while it is shared (a band that flips colour
	// about 30 times a second): every change is a frame, decoded.
	st0 := inbound(tb)
	painter := xtest.NewPainter(t, d)
	bands := [2]*image.RGBA{}
	for i, c := range []color.RGBA{{0x30, 0x60, 0xd0, 0xff}, {0xd0, 0xd0, 0x30, 0xff}} {
		bands[i] = image.NewRGBA(image.Rect(0, 0, sessionW, 64))
		draw.Draw(bands[i], bands[i].Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	}
	changing := time.Now()
	painted := 0
	for ; time.Since(changing) < 5*time.Second; painted++ {
		if err := painter.Draw(bands[painted%2], 0, sessionH/2-32); err != nil {
			t.Fatal(err)
		}
		time.Sleep(33 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the last frames on their way
	st1 := inbound(tb)
	secs := time.Since(changing).Seconds()
	decoded := st1.FramesDecoded - st0.FramesDecoded
	t.Logf("while the screen changed %d times in %.1f s: %d frames decoded (%.1f fps), %d dropped, %d KiB",
		painted, secs, decoded, float64(decoded)/secs, st1.FramesDropped-st0.FramesDropped, (st1.Bytes-st0.Bytes)/1024)
	// At least 2 fps: the quality ladder may step down to 10 fps on a busy
	// machine, but a viewer that decodes only keyframes gets 1 or 2 here.
	if decoded < 10 {
		t.Errorf("only %d frames decoded while the screen changed %d times\nbrowser: %s", decoded, painted, tb.PeerConnectionReport())
	}

	// Two witnesses of input: a full-screen X window that records what the
	// X server delivers, and above it a full-screen Windows window under
	// Wine that prints the buttons and keys Windows delivers to it (Wine
	// turns SendInput's pointer motion into X pointer motion, but keeps
	// buttons and keys to its own windows). The video shows each in turn.
	rec := xtest.NewRecorder(t, d)
	consoletest.WaitVideoPixels(tb, video, 10*time.Second, halves, []color.RGBA{recorderBG, recorderBG})
	w := startWitness(t, p, d, witnessExe)
	consoletest.WaitVideoPixels(tb, video, 15*time.Second, halves, []color.RGBA{witnessBG, witnessBG})

	// Control: requested in the console, allowed on the terminal.
	tb.Click(".session:not([hidden]) .toolbar button:nth-child(2)") // Request control
	a.waitOutput("wants to control your mouse and keyboard. Allow? [y/N]", 1, 30*time.Second)
	a.answer("y")
	tb.Wait("control", `document.querySelector('.session:not([hidden]) .control-indicator').textContent === 'You have control'`, 15*time.Second)
	a.waitOutput("now controls your mouse and keyboard.", 1, 10*time.Second)
	controlled := time.Now()

	// The console's mouse moves the X pointer, through Wine.
	// The page may still lay out (status lines, the quality note): map
	// the picture to the page afresh for every action.
	at := func(fx, fy float64) (float64, float64) { return consoletest.VideoToPage(tb, video)(fx, fy) }
	for _, f := range []consoletest.Point{{X: 0.25, Y: 0.5}, {X: 0.75, Y: 0.25}} {
		x, y := at(f.X, f.Y)
		tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
		xtest.WaitPointer(t, d, f.X*(sessionW-1), f.Y*(sessionH-1))
	}
	// A click there and typed keys reach the Windows program.
	x, y := at(0.75, 0.25)
	tb.Do(chromedp.MouseClickXY(x, y), chromedp.KeyEvent("hi"))
	got := w.wait(t, 6, 10*time.Second)
	t.Logf("with control: pointer moved twice on the X server; the Windows program got %q, %v after control was allowed", got, time.Since(controlled).Round(time.Millisecond))
	if len(got) != 6 {
		t.Fatalf("the Windows program got %q, want 6 events", got)
	}
	var bx, by int
	if _, err := fmt.Sscanf(got[0], "button 1 true %d %d", &bx, &by); err != nil || !xtest.Near(bx, 0.75*(sessionW-1)) || !xtest.Near(by, 0.25*(sessionH-1)) {
		t.Errorf("first event %q, want a left press near %.0f,%.0f", got[0], 0.75*(sessionW-1), 0.25*(sessionH-1))
	}
	if !strings.HasPrefix(got[1], "button 1 false ") {
		t.Errorf("second event %q, want the left release", got[1])
	}
	if want := []string{"key 0x48 true", "key 0x48 false", "key 0x49 true", "key 0x49 false"}; strings.Join(keysOnly(got[2:]), "|") != strings.Join(want, "|") {
		t.Errorf("key events %q, want %q (VK_H, VK_I down and up)", got[2:], want)
	}
	if evs := rec.Settle(200 * time.Millisecond); len(evs) != 0 {
		t.Logf("the X window under it also got %+v", evs)
	}

	// The user takes control back: nothing more arrives, neither on the X
	// server (pointer, X window) nor in the Windows program.
	a.answer("r")
	a.waitOutput("You took back control.", 1, 10*time.Second)
	tb.Wait("the revoke notice", `document.querySelector('.session:not([hidden]) .session-status').textContent === 'Ana Silva took back control.'`, 10*time.Second)
	x, y = at(0.1, 0.9)
	rec.ExpectNoInput(t, d, func() {
		tb.StrayInput(x, y)
		for _, f := range []float64{0.2, 0.4, 0.6} {
			x, y := at(f, f)
			tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
		}
		time.Sleep(time.Second)
	})
	if after := w.events(); len(after) != len(got) {
		t.Errorf("after control was taken back the Windows program got %q", after[len(got):])
	}
	st2 := inbound(tb)

	// The user ends the session; the exe says so and exits cleanly.
	sharing := time.Since(allowed)
	a.answer("q")
	a.waitOutput("Session ended", 1, 15*time.Second)
	select {
	case <-a.exited:
		if code := a.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("lifeline.exe exited with %d\n%s", code, a.output())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("lifeline.exe did not exit within 30 s of the session ending\n%s", a.output())
	}
	tb.Wait("the end in the console", `document.querySelector('.session:not([hidden]) .control-indicator')?.textContent === 'Session ended'`, 15*time.Second)
	t.Logf("session: %d frames received, %d decoded, %d KiB; lifeline.exe ran %v", st2.FramesReceived, st2.FramesDecoded, st2.Bytes/1024, time.Since(a.started).Round(time.Millisecond))
	// The exe's own counters (--verbose logs them as the session ends).
	errs, _ := os.ReadFile(a.errf.Name())
	counters := regexp.MustCompile(`msg="live session counters" (.*)`).FindSubmatch(errs)
	if counters == nil {
		t.Fatalf("lifeline.exe logged no session counters\n%s", a.output())
	}
	t.Logf("lifeline.exe: %s", counters[1])
	if c := regexp.MustCompile(`captured=(\d+)`).FindSubmatch(counters[1]); c != nil {
		n, _ := strconv.Atoi(string(c[1]))
		t.Logf("lifeline.exe captured the screen %d times in %.1f s of sharing (%.1f per second, change detection and the quality ladder included)", n, sharing.Seconds(), float64(n)/sharing.Seconds())
	}
	if injected := regexp.MustCompile(`input_injected=(\d+)`).FindSubmatch(counters[1]); injected == nil || string(injected[1]) == "0" {
		t.Errorf("lifeline.exe injected no input: %s", counters[1])
	}
}

// assistRun is lifeline.exe assist running under Wine with its terminal:
// answers written to its stdin, its stdout in a file (a file, not a pipe:
// wineserver would hold a pipe open).
type assistRun struct {
	t       *testing.T
	cmd     *exec.Cmd
	stdin   *os.File
	out     *os.File
	errf    *os.File
	started time.Time
	exited  chan struct{}
	waitErr error
}

// startAssist starts cmd (made with ctx; cancel ends it at the end of the test).
func startAssist(t *testing.T, cmd *exec.Cmd, cancel func()) *assistRun {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(t.TempDir(), "assist-*.out")
	if err != nil {
		t.Fatal(err)
	}
	errf, err := os.CreateTemp(t.TempDir(), "assist-*.err")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pr, out, errf
	a := &assistRun{t: t, stdin: pw, out: out, errf: errf, exited: make(chan struct{})}
	a.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	a.cmd = cmd
	go func() { a.waitErr = cmd.Wait(); close(a.exited) }()
	t.Cleanup(func() {
		pw.Close()
		cancel()
		<-a.exited
		if t.Failed() {
			t.Logf("lifeline.exe:\n%s", a.output())
		}
	})
	return a
}

func (a *assistRun) output() string {
	o, _ := os.ReadFile(a.out.Name())
	e, _ := os.ReadFile(a.errf.Name())
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", o, e)
}

// answer types line and Enter on the exe's terminal.
func (a *assistRun) answer(line string) {
	a.t.Helper()
	if _, err := fmt.Fprintln(a.stdin, line); err != nil {
		a.t.Fatalf("type %q: %v", line, err)
	}
}

// waitOutput waits until the exe's stdout holds s at least n times.
func (a *assistRun) waitOutput(s string, n int, timeout time.Duration) {
	a.t.Helper()
	deadline := time.After(timeout)
	for {
		o, _ := os.ReadFile(a.out.Name())
		if strings.Count(string(o), s) >= n {
			return
		}
		select {
		case <-a.exited:
			if o, _ := os.ReadFile(a.out.Name()); strings.Count(string(o), s) >= n {
				return
			}
			a.t.Fatalf("lifeline.exe exited (%v) before printing %q (×%d)\n%s", a.waitErr, s, n, a.output())
		case <-deadline:
			a.t.Fatalf("lifeline.exe did not print %q (×%d) within %v\n%s", s, n, timeout, a.output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// inboundStats are the console's counters of the received video.
type inboundStats struct {
	FramesReceived, FramesDecoded, FramesDropped, Bytes, Packets int
}

func inbound(tb *consoletest.Tab) inboundStats {
	tb.T.Helper()
	v := consoletest.Eval[[]int](tb, `(async () => { const pc = (window.__pcs || [])[0]; const r = [0, 0, 0, 0, 0]; if (!pc) return r;
		(await pc.getStats()).forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') {
			r[0] = s.framesReceived || 0; r[1] = s.framesDecoded || 0; r[2] = s.framesDropped || 0; r[3] = s.bytesReceived || 0; r[4] = s.packetsReceived || 0; } });
		return r; })()`)
	return inboundStats{v[0], v[1], v[2], v[3], v[4]}
}

// buildWitness builds testdata/inputrec (a Windows program: a full-screen
// window that prints the buttons and keys it receives) for Wine.
func buildWitness(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "inputrec", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module inputrec\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "inputrec.exe")
	build := exec.Command("go", "build", "-ldflags", "-H windowsgui", "-o", exe, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build testdata/inputrec: %v\n%s", err, out)
	}
	return exe
}

// witness is testdata/inputrec running under Wine.
type witness struct{ out *os.File }

func startWitness(t *testing.T, p *winetest.Prefix, display, exe string) *witness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := p.Command(ctx, display, exe)
	out, err := os.CreateTemp(t.TempDir(), "inputrec-*.out")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill() // the wine loader; Wine ends the program with it
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cancel() // stops the whole prefix
			<-exited
		}
		cancel()
	})
	w := &witness{out: out}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(w.read(), "ready") {
		select {
		case <-exited:
			t.Fatalf("testdata/inputrec exited: %s", w.read())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("testdata/inputrec did not open its window: %s", w.read())
		}
	}
	return w
}

func (w *witness) read() string { b, _ := os.ReadFile(w.out.Name()); return string(b) }

// events are the lines the program printed after "ready".
func (w *witness) events() []string {
	lines := strings.Split(strings.TrimSpace(w.read()), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "ready") {
			return lines[i+1:]
		}
	}
	return nil
}

// wait waits up to timeout for n events and returns those there are.
func (w *witness) wait(t *testing.T, n int, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ev := w.events()
		if len(ev) >= n || time.Now().After(deadline) {
			return ev
		}
		time.Sleep(50 * time.Millisecond)
	}
}
