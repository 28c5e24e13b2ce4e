package windows_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// winKey is what a Windows program receives for a key: the virtual key in
// WM_KEYDOWN/WM_KEYUP's wParam and, where it tells left from right, the
// scan code (0xe0.. for an extended key; 0: not checked).
type winKey struct {
	vk, scan int
}

// windowsKeys is the virtual key each KeyboardEvent.code the desktop maps
// (assist/keymap.go, keymap_windows.go) should reach a Windows program as, through robotgo's
// SendInput, on a US keyboard layout: what a real keyboard's key gives.
// Windows reports both Shift keys as VK_SHIFT, both Ctrl keys as
// VK_CONTROL and both Alt keys as VK_MENU in key messages; the scan code
// (and the extended bit) tells them apart. Two differences from a real
// keyboard, robotgo's and not Wine's: NumpadEnter is sent as Enter (a real
// one is the extended 0xe01c), and the numpad digits carry scan code 0
// under Wine (MapVirtualKey gives none for VK_NUMPAD0–9), so only their
// virtual keys are checked.
var windowsKeys = func() map[string]winKey {
	m := map[string]winKey{
		"Enter": {0x0d, 0}, "NumpadEnter": {0x0d, 0},
		"Escape": {0x1b, 0}, "Backspace": {0x08, 0}, "Tab": {0x09, 0}, "Space": {0x20, 0},
		"ArrowUp": {0x26, 0}, "ArrowDown": {0x28, 0}, "ArrowLeft": {0x25, 0}, "ArrowRight": {0x27, 0},
		"Home": {0x24, 0}, "End": {0x23, 0}, "PageUp": {0x21, 0}, "PageDown": {0x22, 0},
		"Delete": {0x2e, 0}, "Insert": {0x2d, 0}, "CapsLock": {0x14, 0}, "PrintScreen": {0x2c, 0},
		"ShiftLeft": {0x10, 0x2a}, "ShiftRight": {0x10, 0x36},
		"ControlLeft": {0x11, 0x1d}, "ControlRight": {0x11, 0xe01d},
		"AltLeft": {0x12, 0x38}, "AltRight": {0x12, 0xe038},
		"MetaLeft": {0x5b, 0}, "MetaRight": {0x5c, 0},
		// The OEM keys of the US layout.
		"Minus": {0xbd, 0}, "Equal": {0xbb, 0}, "BracketLeft": {0xdb, 0}, "BracketRight": {0xdd, 0},
		"Backslash": {0xdc, 0}, "Semicolon": {0xba, 0}, "Quote": {0xde, 0}, "Backquote": {0xc0, 0},
		"Comma": {0xbc, 0}, "Period": {0xbe, 0}, "Slash": {0xbf, 0},
		"NumpadAdd": {0x6b, 0}, "NumpadSubtract": {0x6d, 0}, "NumpadMultiply": {0x6a, 0},
		"NumpadDivide": {0x6f, 0}, "NumpadDecimal": {0x6e, 0},
		"NumLock": {0x90, 0}, "ScrollLock": {0x91, 0}, "Pause": {0x13, 0}, "ContextMenu": {0x5d, 0},
	}
	for i := range 26 {
		m["Key"+string(rune('A'+i))] = winKey{0x41 + i, 0}
	}
	for i := range 10 {
		m["Digit"+strconv.Itoa(i)] = winKey{0x30 + i, 0}
		m["Numpad"+strconv.Itoa(i)] = winKey{0x60 + i, 0}
	}
	for i := 1; i <= 12; i++ {
		m["F"+strconv.Itoa(i)] = winKey{0x70 + i - 1, 0}
	}
	return m
}()

// wineKeyDifferences are the codes for which Wine delivers something other
// than Windows would (windowsKeys), with what Wine delivers and why. The
// test expects Wine's value: when Wine changes, the entry must go. None so
// far: Wine 8 delivers every mapped code as Windows does, left and right
// modifiers included.
var wineKeyDifferences = map[string]struct {
	got winKey
	why string
}{}

// unmappedKeys are KeyboardEvent.codes a technician's keyboard has and the
// console sends (any code of letters and digits), but the desktop has no
// mapping for: it drops them (counted as failed input). Checked: nothing
// reaches the Windows program.
var unmappedKeys = []string{"F13", "F24", "IntlBackslash", "IntlRo", "NumpadEqual", "AudioVolumeUp"}

// mappedCodes are the codes the Windows desktop maps: the keys of
// keyNames (assist/keymap.go) and platformKeyNames (assist/keymap_windows.go),
// read from the source so that a new entry needs an expected Windows key
// here, and KeyA–KeyZ, Digit0–Digit9.
func mappedCodes(t *testing.T) []string {
	t.Helper()
	var codes []string
	for file, table := range map[string]string{"keymap.go": "keyNames", "keymap_windows.go": "platformKeyNames"} {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(repo, "assist", file), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || vs.Names[0].Name != table || len(vs.Values) != 1 {
				return true
			}
			lit, ok := vs.Values[0].(*ast.CompositeLit)
			if !ok {
				t.Fatalf("assist/%s: %s is not a map literal", file, table)
			}
			found = true
			for _, e := range lit.Elts {
				k, err := strconv.Unquote(e.(*ast.KeyValueExpr).Key.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				codes = append(codes, k)
			}
			return false
		})
		if !found {
			t.Fatalf("assist/%s: no %s table found", file, table)
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		codes = append(codes, "Key"+string(c))
	}
	for c := '0'; c <= '9'; c++ {
		codes = append(codes, "Digit"+string(c))
	}
	slices.Sort(codes)
	return codes
}

// keyLine is one key line of testdata/inputrec: "key <vk> <down> <scan>".
type keyLine struct {
	vk, scan int
	down     bool
}

func parseKeyLine(s string) (keyLine, bool) {
	var k keyLine
	_, err := fmt.Sscanf(s, "key %v %t %v", &k.vk, &k.down, &k.scan)
	return k, err == nil
}

// keysOnly is the key lines without their scan codes: "key 0x48 true".
func keysOnly(lines []string) []string {
	var out []string
	for _, l := range lines {
		if k, ok := parseKeyLine(l); ok {
			l = fmt.Sprintf("key %#x %v", k.vk, k.down)
		}
		out = append(out, l)
	}
	return out
}

// controlled is a live session with lifeline.exe under Wine in which the
// user allowed viewing and control, with testdata/inputrec's window on top.
type controlled struct {
	tb      *consoletest.Tab
	a       *assistRun
	w       *witness
	d       string
	video   string
	granted time.Time
}

// at maps a point of the picture to the page, afresh (the page may still lay out).
func (c *controlled) at(fx, fy float64) (float64, float64) {
	return consoletest.VideoToPage(c.tb, c.video)(fx, fy)
}

func startControlled(t *testing.T) *controlled {
	t.Helper()
	exe := windowsExe(t)
	witnessExe := buildWitness(t)
	p := winetest.Shared(t)
	d := xtest.Start(t, sessionW, sessionH)
	img := image.NewRGBA(image.Rect(0, 0, sessionW, sessionH))
	draw.Draw(img, img.Bounds(), image.NewUniform(leftColour), image.Point{}, draw.Src)
	xtest.Paint(t, d, img)
	ws := startWineSession(t, p, d, exe)
	tb, a := ws.tb, ws.a
	c := &controlled{tb: tb, a: a, d: d, video: consoletest.SessionVideo}
	all := []consoletest.Point{{X: 0.25, Y: 0.5}, {X: 0.75, Y: 0.5}}
	consoletest.WaitVideoPixels(tb, c.video, 60*time.Second, all, []color.RGBA{leftColour, leftColour})
	c.w = startWitness(t, p, d, witnessExe)
	consoletest.WaitVideoPixels(tb, c.video, 15*time.Second, all, []color.RGBA{witnessBG, witnessBG})
	tb.Click(".session:not([hidden]) .toolbar button:nth-child(2)") // Request control
	a.waitOutput("wants to control your mouse and keyboard. Allow? [y/N]", 1, 30*time.Second)
	a.answer("y")
	tb.Wait("control", `document.querySelector('.session:not([hidden]) .control-indicator').textContent === 'You have control'`, 15*time.Second)
	a.waitOutput("now controls your mouse and keyboard.", 1, 10*time.Second)
	c.granted = time.Now()
	t.Logf("control allowed %v after lifeline.exe started", time.Since(a.started).Round(time.Millisecond))
	return c
}

// key sends one key event for code from the console's screen, as a
// browser on Windows would (the code, and the virtual key it knows).
func (c *controlled) key(t *testing.T, code string, vk int, down bool) {
	t.Helper()
	typ := input.DispatchKeyEventTypeKeyUp
	if down {
		typ = input.DispatchKeyEventTypeRawKeyDown
	}
	p := input.DispatchKeyEventParams{Type: typ, Code: code, Key: code, WindowsVirtualKeyCode: int64(vk)}
	if _, err := chromedp.Call(c.tb.Ctx, input.DispatchKeyEvent, p); err != nil {
		t.Fatalf("%s: %v", code, err)
	}
}

// end ends the session from the terminal and checks the exe exits cleanly.
func (c *controlled) end(t *testing.T) {
	t.Helper()
	c.a.answer("q")
	c.a.waitOutput("Session ended", 1, 15*time.Second)
	select {
	case <-c.a.exited:
		if code := c.a.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("lifeline.exe exited with %d\n%s", code, c.a.output())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("lifeline.exe did not exit within 30 s of the session ending\n%s", c.a.output())
	}
}

// TestKeyMapUnderWine proves the desktop's key map on Windows: in a live
// session with lifeline.exe under Wine, the technician's console sends
// every KeyboardEvent.code the desktop maps (down, then up) and a Windows
// program receives each as the virtual key Windows gives that key —
// through the console's key handling, the data channel, the input gate
// and robotgo's SendInput. Codes with no mapping reach nothing. Then the
// technician holds Shift and the left button down and the user takes
// control back: the Windows program receives both releases (the gate
// releases what is held), and nothing after.
//
// A browser sends some keys only to itself on a real machine (the Windows
// key opens the Start menu, Alt+Tab switches windows, Ctrl+Alt+Delete
// never leaves the operating system); here each key is sent alone, through
// the DevTools protocol, as the page would receive it. Shift+Escape is the
// console's own way out and is never sent.
func TestKeyMapUnderWine(t *testing.T) {
	codes := mappedCodes(t)
	for _, code := range codes {
		if _, ok := windowsKeys[code]; !ok {
			t.Errorf("assist/keymap.go maps %s, which has no expected Windows key here", code)
		}
	}
	for code := range windowsKeys {
		if !slices.Contains(codes, code) {
			t.Errorf("expected Windows key for %s, which assist/keymap.go does not map", code)
		}
	}
	for _, code := range unmappedKeys {
		if slices.Contains(codes, code) {
			t.Errorf("%s is listed as unmapped but assist/keymap.go maps it", code)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	c := startControlled(t)
	c.tb.Do(chromedp.Focus(chromedp.CSS(".session:not([hidden]) .screen")))

	// Every mapped code, alone: down and up.
	swept := time.Now()
	var verified, differing, seen []string
	for _, code := range codes {
		want := windowsKeys[code]
		if d, ok := wineKeyDifferences[code]; ok {
			want = d.got
		}
		before := len(c.w.events())
		c.key(t, code, want.vk, true)
		c.key(t, code, want.vk, false)
		got := c.w.wait(t, before+2, 3*time.Second)[before:]
		var ks []keyLine
		for _, l := range got {
			if k, ok := parseKeyLine(l); ok {
				ks = append(ks, k)
			}
		}
		ok := len(got) == 2 && len(ks) == 2 && ks[0].down && !ks[1].down
		for _, k := range ks {
			ok = ok && k.vk == want.vk && (want.scan == 0 || k.scan == want.scan)
		}
		if !ok {
			t.Errorf("%s: the Windows program got %q, want virtual key %#x down and up (scan code %#x)", code, got, want.vk, want.scan)
			continue
		}
		verified = append(verified, code)
		seen = append(seen, fmt.Sprintf("%s=%#x/%#x", code, ks[0].vk, ks[0].scan))
		if _, ok := wineKeyDifferences[code]; ok {
			differing = append(differing, code)
		}
	}
	t.Logf("%d codes reached the Windows program as their virtual key in %v (%d as Wine differs: %v)",
		len(verified), time.Since(swept).Round(time.Millisecond), len(differing), differing)
	t.Logf("code=virtual key/scan code received: %s", strings.Join(seen, " "))

	// Codes without mapping: nothing arrives.
	before := len(c.w.events())
	for _, code := range unmappedKeys {
		c.key(t, code, 0, true)
		c.key(t, code, 0, false)
	}
	c.key(t, "KeyX", 0x58, true) // a marker: everything before it has been handled
	c.key(t, "KeyX", 0x58, false)
	if got := keysOnly(c.w.wait(t, before+2, 5*time.Second)[before:]); strings.Join(got, "|") != "key 0x58 true|key 0x58 false" {
		t.Errorf("after the unmapped codes %v and KeyX the Windows program got %q, want only KeyX", unmappedKeys, got)
	}

	// Held down when the user takes control back: Shift and the left button.
	x, y := c.at(0.5, 0.5)
	c.tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
	xtest.WaitPointer(t, c.d, 0.5*(sessionW-1), 0.5*(sessionH-1))
	before = len(c.w.events())
	c.key(t, "ShiftLeft", 0x10, true)
	c.tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	held := c.w.wait(t, before+2, 10*time.Second)[before:]
	if len(held) != 2 || keysOnly(held)[0] != "key 0x10 true" || !strings.HasPrefix(held[1], "button 1 true ") {
		t.Fatalf("holding Shift and the left button: the Windows program got %q, want Shift down and the left button down", held)
	}
	c.a.answer("r")
	revoked := time.Now()
	c.a.waitOutput("You took back control.", 1, 10*time.Second)
	released := c.w.wait(t, before+4, 10*time.Second)[before+2:]
	releasedIn := time.Since(revoked)
	rel := keysOnly(released)
	slices.Sort(rel) // the gate releases in no particular order
	if len(rel) != 2 || !strings.HasPrefix(rel[0], "button 1 false ") || rel[1] != "key 0x10 false" {
		t.Errorf("after the user took control back the Windows program got %q, want Shift up and the left button up", released)
	} else {
		var bx, by int
		fmt.Sscanf(rel[0], "button 1 false %d %d", &bx, &by)
		if !xtest.Near(bx, 0.5*(sessionW-1)) || !xtest.Near(by, 0.5*(sessionH-1)) {
			t.Errorf("left button released at %d,%d, want where it was pressed (about %.0f,%.0f)", bx, by, 0.5*(sessionW-1), 0.5*(sessionH-1))
		}
		t.Logf("Shift and the left button released in the Windows program %v after the user typed r", releasedIn.Round(time.Millisecond))
	}
	c.tb.Wait("the revoke notice", `document.querySelector('.session:not([hidden]) .session-status').textContent === 'Ana Silva took back control.'`, 10*time.Second)
	// The technician lets go now: too late, nothing more arrives.
	c.tb.Do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	c.key(t, "ShiftLeft", 0x10, false)
	c.key(t, "KeyZ", 0x5a, true)
	c.key(t, "KeyZ", 0x5a, false)
	time.Sleep(time.Second)
	if after := c.w.events()[before+2+len(released):]; len(after) != 0 {
		t.Errorf("after control was taken back the Windows program got %q", after)
	}
	c.end(t)
	// The desktop counted each unmapped code's down and up as failed input.
	errs, _ := os.ReadFile(c.a.errf.Name())
	counters := regexp.MustCompile(`msg="live session counters" .*input_failed=(\d+)`).FindSubmatch(errs)
	if counters == nil {
		t.Fatalf("lifeline.exe logged no session counters\n%s", c.a.output())
	}
	if n, _ := strconv.Atoi(string(counters[1])); n != 2*len(unmappedKeys) {
		t.Errorf("lifeline.exe counted %d failed inputs, want %d (the unmapped codes down and up)", n, 2*len(unmappedKeys))
	}
}
