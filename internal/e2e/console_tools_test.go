//go:build cgo

package e2e

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// X keysyms of the keys the special-key buttons send.
const (
	keysymSuperL  = 0xffeb
	keysymAltL    = 0xffe9
	keysymShiftL  = 0xffe1
	keysymEscape  = 0xff1b
	keysymPrint   = 0xff61
	keysymF4      = 0xffc1
	keysymDelete  = 0xffff
	keysymReturn  = 0xff0d
	shiftMask     = 1
	toolsSettleMS = 300
)

// TestConsoleToolsReachDesktop: with control granted, the console's
// tools act on a real desktop (assist on Xvfb, robotgo, the X clipboard)
// through a real relay: every special-key button arrives on the X server
// as its key combination (pressed in order, released in reverse); text put
// on the user's clipboard is there exactly (read back by xclip, another X
// client); the user's clipboard text (set by xclip) arrives in the console
// exactly; typed text arrives key by key; the desktop reports each with
// its length and the relay audits it; the console says so. Once the user
// takes control back, the tools are gone and nothing more arrives.
func TestConsoleToolsReachDesktop(t *testing.T) {
	xclip := testenv.LookPath(t, "xclip", "xclip")
	d := xtest.Start(t, screenW, screenH)
	t.Setenv("DISPLAY", d)
	xtest.Fill(t, d, leftColour)
	ld := startLiveDesktop(t, nil)
	tb := ld.tb
	ld.takeControl()
	tb.Wait("the tools", `!document.querySelector('.session:not([hidden]) .special-keys').hidden && !document.querySelector('.session:not([hidden]) .clipboard-tools').hidden`, 5*time.Second)
	rec := xtest.NewRecorder(t, d)
	tb.Screenshot(screenshots, "session-tools")

	// Special keys. The request came from a desktop that did not say it
	// runs Windows: Ctrl+Alt+Del is sent as it is.
	combos := []struct {
		button string
		syms   []uint32
	}{
		{"MetaLeft", []uint32{keysymSuperL}},
		{"AltLeft+Tab", []uint32{keysymAltL, keysymTab}},
		{"ControlLeft+Escape", []uint32{keysymControlL, keysymEscape}},
		{"ControlLeft+ShiftLeft+Escape", []uint32{keysymControlL, keysymShiftL, keysymEscape}},
		{"PrintScreen", []uint32{keysymPrint}},
		{"AltLeft+F4", []uint32{keysymAltL, keysymF4}},
		{"ControlLeft+AltLeft+Delete", []uint32{keysymControlL, keysymAltL, keysymDelete}},
	}
	n := 0
	for _, c := range combos {
		tb.Click(`.session:not([hidden]) .special-keys button[data-keys="` + c.button + `"]`)
		var want []xtest.Event
		for _, s := range c.syms {
			want = append(want, xtest.Event{Kind: "key", Down: true, Keysym: s})
		}
		for i := len(c.syms) - 1; i >= 0; i-- {
			want = append(want, xtest.Event{Kind: "key", Keysym: c.syms[i]})
		}
		evs := waitEvents(t, rec, n+len(want))[n:]
		n += len(want)
		for i, w := range want {
			if e := evs[i]; e.Kind != w.Kind || e.Down != w.Down || e.Keysym != w.Keysym {
				t.Errorf("%s: X event %d = %+v, want keysym %#x down=%v", c.button, i, e, w.Keysym, w.Down)
			}
		}
	}

	// The technician's text on the user's clipboard, exactly.
	const toUser = "Ticket 4711 — Grüße ✓\nsecond line"
	setValue(tb, ".session:not([hidden]) .clip-text", toUser)
	tb.Click(".session:not([hidden]) .clipboard-tools .row button:nth-child(1)") // Put on Ana Silva's clipboard
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var got string
	for ctx.Err() == nil {
		out, err := exec.CommandContext(ctx, xclip, "-o", "-selection", "clipboard").Output()
		if got = string(out); err == nil && got == toUser {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got != toUser {
		t.Errorf("the user's clipboard holds %q, want %q", got, toUser)
	}
	tb.Wait("the clipboard notice", `[...document.querySelectorAll('.session:not([hidden]) .chat-log li.notice')].some(li => li.textContent.includes("Your text is on Ana Silva's clipboard (33 characters)."))`, 10*time.Second)

	// The user's clipboard text (another X client owns it) in the console.
	const fromUser = "Printer IP 10.0.0.7 — \"HP LaserJet\"\r\nqueue: paused"
	// -quiet keeps xclip in the foreground, serving the selection until
	// it is killed (it would otherwise fork and hold the pipes open).
	cmd := exec.Command(xclip, "-quiet", "-i", "-selection", "clipboard")
	cmd.Stdin = strings.NewReader(fromUser)
	if err := cmd.Start(); err != nil {
		t.Fatalf("xclip -i: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	setValue(tb, ".session:not([hidden]) .clip-text", "")
	tb.Click(".session:not([hidden]) .clipboard-tools .row button:nth-child(3)") // Get Ana Silva's clipboard
	// The box shows it (a textarea keeps line breaks as "\n"); that it
	// came whole, "\r\n" and all, the count says (50 characters) and
	// TestInputProtoJSMatchesGo proves byte for byte.
	tb.Wait("the user's clipboard text", `document.querySelector('.session:not([hidden]) .clip-text').value === `+jsString(strings.ReplaceAll(fromUser, "\r\n", "\n")), 10*time.Second)
	tb.Wait("the clipboard-received notice", `[...document.querySelectorAll('.session:not([hidden]) .chat-log li.notice')].some(li => li.textContent.includes("Ana Silva's clipboard text reached you (50 characters)."))`, 10*time.Second)

	// Typed text: one key at a time, with Shift where the character needs it.
	const typed = "Hello, World 42!\n"
	setValue(tb, ".session:not([hidden]) .clip-text", typed)
	before := len(rec.Events())
	tb.Click(".session:not([hidden]) .clipboard-tools .row button:nth-child(2)") // Type it
	tb.Wait("the typing notice", `[...document.querySelectorAll('.session:not([hidden]) .chat-log li.notice')].some(li => li.textContent.includes("Your text was typed on Ana Silva's computer (17 characters)."))`, 20*time.Second)
	if s := typedText(rec.Settle(toolsSettleMS * time.Millisecond)[before:]); s != typed {
		t.Errorf("the X server received %q, want %q", s, typed)
	}

	// What the desktop did is what it reported and what the relay audited.
	wantKinds := []protocol.ActivityKind{protocol.ActivityClipboardToUser, protocol.ActivityClipboardFromUser, protocol.ActivityTextTyped}
	var kinds []protocol.ActivityKind
	for _, a := range ld.done() {
		kinds = append(kinds, a.Kind)
	}
	if !slices.Equal(kinds, wantKinds) {
		t.Errorf("the desktop reported %v, want %v", kinds, wantKinds)
	}
	audited := auditDetails(t, ld.relay)
	for action, detail := range map[protocol.AuditAction]string{
		protocol.AuditClipboardToUser: "chars=33", protocol.AuditClipboardFromUser: "chars=50", protocol.AuditTextTyped: "chars=17",
	} {
		if audited[action] != detail {
			t.Errorf("audit %s: detail %q, want %q", action, audited[action], detail)
		}
	}
	tb.Screenshot(screenshots, "session-tools-used")

	// The user shares what they copy: each new text reaches the console
	// by itself, while control lasts.
	if err := ld.sess.ShareClipboard(true); err != nil {
		t.Fatal(err)
	}
	copyText := func(text string) {
		t.Helper()
		c := exec.Command(xclip, "-quiet", "-i", "-selection", "clipboard")
		c.Stdin = strings.NewReader(text)
		if err := c.Start(); err != nil {
			t.Fatalf("xclip -i: %v", err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
	copyText("copied by Ana while sharing")
	tb.Wait("the shared copy", `document.querySelector('.session:not([hidden]) .clip-text').value === "copied by Ana while sharing"`, 10*time.Second)

	// The user takes control back: the tools go, and nothing arrives.
	ld.sess.RevokeControl()
	tb.Wait("the tools hidden", `document.querySelector('.session:not([hidden]) .special-keys').hidden && document.querySelector('.session:not([hidden]) .clipboard-tools').hidden`, 10*time.Second)
	rec.ExpectNoInput(t, d, func() {
		consoletest.Eval[bool](tb, `(document.querySelector('.session:not([hidden]) .special-keys button').click(), true)`)
	})
	copyText("copied after control ended")
	time.Sleep(2500 * time.Millisecond) // the clipboard is watched about once a second
	if got := consoletest.Eval[string](tb, `document.querySelector('.session:not([hidden]) .clip-text').value`); got != "copied by Ana while sharing" {
		t.Errorf("after control ended the console got %q from the user's clipboard", got)
	}
}

// typedText turns X key events back into the text typed (US layout).
func typedText(evs []xtest.Event) string {
	shifted := map[rune]rune{'1': '!', '2': '@', '3': '#', '4': '$', '5': '%', '6': '^', '7': '&', '8': '*', '9': '(', '0': ')',
		'-': '_', '=': '+', ',': '<', '.': '>', '/': '?', ';': ':', '\'': '"', '[': '{', ']': '}', '\\': '|', '`': '~'}
	var b strings.Builder
	for _, e := range evs {
		if e.Kind != "key" || !e.Down {
			continue
		}
		switch {
		case e.Keysym == keysymReturn:
			b.WriteByte('\n')
		case e.Keysym < 0x80:
			r := rune(e.Keysym)
			if e.State&shiftMask != 0 {
				if s, ok := shifted[r]; ok {
					r = s
				} else {
					r = unicode.ToUpper(r)
				}
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

// setValue sets a form field's value as if typed.
func setValue(tb *consoletest.Tab, sel, v string) {
	consoletest.Eval[bool](tb, `(() => { const e = document.querySelector(`+jsString(sel)+`); e.value = `+jsString(v)+`; return true })()`)
}
