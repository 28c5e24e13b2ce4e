package windows_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// wineSession is a live session with lifeline.exe under Wine on display
// d, taken with a one-time code in the console, the user having allowed
// viewing on the exe's terminal, the video playing.
type wineSession struct {
	r  *relaytest.Relay
	tb *consoletest.Tab
	a  *assistRun
}

func startWineSession(t *testing.T, p *winetest.Prefix, d, exe string, args ...string) *wineSession {
	t.Helper()
	r := relaytest.Start(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) {
		c.TURNURLs = append(c.TURNURLs, strings.Replace(c.TURNURLs[0], "transport=udp", "transport=tcp", 1))
	}))
	tb := consoletest.OpenTab(t, 5*time.Minute)
	tb.SignIn(r.URL, relaytest.Username, relaytest.Password)
	tb.Click("#code-new")
	tb.Wait("the code", `!document.querySelector('#code-active').hidden`, 10*time.Second)
	code := strings.Join(strings.Fields(tb.Text("#code-digits")), "")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	a := startAssist(t, p.Command(ctx, d, exe, append([]string{"assist", "--relay", r.URL, "--code", code, "--name", "Ana Silva", "--verbose"}, args...)...), cancel)
	tb.Wait("the session", `!document.querySelector('#view-session').hidden && document.querySelector('.session:not([hidden]) .peer')?.textContent === 'Ana Silva'`, 90*time.Second)
	a.waitOutput("wants to see your screen. Allow? [y/N]", 1, 30*time.Second)
	a.answer("y")
	video := consoletest.SessionVideo
	if !tb.Poll(video+` && `+video+`.videoWidth > 0 && `+video+`.getVideoPlaybackQuality().totalVideoFrames > 0`, 60*time.Second) {
		t.Fatalf("no decoded video 60 s after the user allowed viewing\nlifeline.exe: %s\npage: %s", a.output(), tb.PageText())
	}
	return &wineSession{r: r, tb: tb, a: a}
}

// TestToolkitUnderWine: the session toolkit with the Windows client. A
// 5 MiB file from the console is offered on the exe's terminal, saved in
// the user's Downloads folder on the Wine drive with the same SHA-256; a
// file the technician asks for (the user types its path) reaches the
// console's download whole. With control, the console's text lands on the
// Windows clipboard (Wine hands it to X, where xclip reads it), and the
// Windows clipboard's text (set through X by xclip) reaches the console.
// The user's terminal says each of these.
func TestToolkitUnderWine(t *testing.T) {
	exe := windowsExe(t)
	xclip := testenv.LookPath(t, "xclip", "xclip")
	p := winetest.Shared(t)
	d := xtest.Start(t, sessionW, sessionH)
	xtest.Fill(t, d, leftColour)
	s := startWineSession(t, p, d, exe)
	tb, a := s.tb, s.a
	const panel = `.session:not([hidden]) .file-tools`
	tb.Wait("the Files panel", `!document.querySelector('`+panel+`').hidden && !document.querySelector('`+panel+` button').disabled`, 20*time.Second)

	// Technician → user: asked on the terminal, saved in Downloads.
	src := t.TempDir()
	const size = 5 << 20
	toUser := filepath.Join(src, "printer-driver.zip")
	sum := writeRandom(t, toUser, size)
	tb.Do(chromedp.SetUploadFiles(chromedp.CSS(panel+` input[type=file]`), []string{toUser}))
	a.waitOutput(fmt.Sprintf("wants to send you printer-driver.zip (%d bytes). Save it in your Downloads folder? [y/N]", size), 1, 30*time.Second)
	start := time.Now()
	a.answer("y")
	row := panel + ` li.file[data-dir="to-user"]`
	tb.Wait("the file saved", `(document.querySelector('`+row+` .file-status') || {}).textContent === `+fmt.Sprintf("%q", fmt.Sprintf("Saved on Ana Silva's computer (SHA-256 %x).", sum)), 120*time.Second)
	t.Logf("5 MiB to lifeline.exe in %v", time.Since(start).Round(time.Millisecond))
	a.waitOutput(fmt.Sprintf("(SHA-256 %x).", sum), 1, 10*time.Second)
	user := strings.TrimSpace(string(p.RunEnv(t, d, "", nil, 30*time.Second, "cmd", "/c", "echo %USERNAME%").Stdout))
	saved := p.DriveC(`users\` + user + `\Downloads\printer-driver.zip`)
	if b, err := os.ReadFile(saved); err != nil || sha256.Sum256(b) != sum {
		t.Errorf("the file on the Wine drive (%s): %d bytes, err %v; want the same SHA-256", saved, len(b), err)
	}

	// User → technician: the user types the path of the file asked for.
	fromUser := filepath.Join(src, "event-log.txt")
	fromSum := writeRandom(t, fromUser, 1<<20+7)
	tb.Click(panel + ` .row button.ghost`) // Ask for a file
	a.waitOutput("asks you for a file. Type the path of the file to send", 1, 30*time.Second)
	a.answer(`Z:` + strings.ReplaceAll(fromUser, "/", `\`)) // Wine's Z: is the Linux root
	in := panel + ` li.file[data-dir="from-user"]`
	tb.Wait("the file from the user", `(document.querySelector('`+in+` .file-status') || {}).textContent === `+fmt.Sprintf("%q", fmt.Sprintf("Received whole (SHA-256 %x).", fromSum)), 120*time.Second)
	got := tb.Download(t, in+` a.file-save`, "event-log.txt", 1<<20+7, 20*time.Second)
	if sha256.Sum256(got) != fromSum {
		t.Errorf("the technician's download: %d bytes, want the user's file", len(got))
	}
	a.waitOutput("event-log.txt reached the technician.", 1, 10*time.Second)

	// Control, then the clipboard both ways through Windows' clipboard.
	tb.Click(".session:not([hidden]) .toolbar button:nth-child(2)") // Request control
	a.waitOutput("wants to control your mouse and keyboard. Allow? [y/N]", 1, 30*time.Second)
	a.answer("y")
	tb.Wait("control", `document.querySelector('.control-indicator').textContent === 'You have control'`, 30*time.Second)
	const toClip = "Ticket 4711 — printer on floor 3"
	consoletest.Eval[bool](tb, `(document.querySelector('.session:not([hidden]) .clip-text').value = `+fmt.Sprintf("%q", toClip)+`, true)`)
	tb.Click(".session:not([hidden]) .clipboard-tools .row button:nth-child(1)") // Put on their clipboard
	a.waitOutput("put text on your clipboard.", 1, 30*time.Second)
	var clip string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		cmd := exec.Command(xclip, "-o", "-selection", "clipboard")
		cmd.Env = append(os.Environ(), "DISPLAY="+d)
		if out, err := cmd.Output(); err == nil {
			if clip = string(out); clip == toClip {
				break
			}
		}
	}
	if clip != toClip {
		t.Errorf("the X clipboard (from Windows') holds %q, want %q", clip, toClip)
	}
	const fromClip = "C:\\Users\\Ana\\report.xlsx — copied"
	xc := exec.Command(xclip, "-quiet", "-i", "-selection", "clipboard")
	xc.Env = append(os.Environ(), "DISPLAY="+d)
	xc.Stdin = strings.NewReader(fromClip)
	if err := xc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xc.Process.Kill(); xc.Wait() })
	time.Sleep(500 * time.Millisecond)                                           // Wine sees the new X selection owner
	tb.Click(".session:not([hidden]) .clipboard-tools .row button:nth-child(3)") // Get their clipboard
	tb.Wait("the Windows clipboard's text", `document.querySelector('.session:not([hidden]) .clip-text').value === `+fmt.Sprintf("%q", fromClip), 30*time.Second)
	a.waitOutput("copied the text on your clipboard.", 1, 10*time.Second)
	tb.Screenshot(shotDir, "toolkit-under-wine")
	a.answer("q")
}

func writeRandom(t *testing.T, path string, n int) [32]byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
