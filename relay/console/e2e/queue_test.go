package e2e

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// TestQueueShowsContext: a request submitted by a real desktop client
// appears live with everything the desktop sent, and its waiting time ticks.
func TestQueueShowsContext(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	if got := tb.Text("#queue-empty"); !strings.Contains(got, "Nobody is waiting") || !tb.Visible("#queue-empty") {
		t.Errorf("empty queue shows %q", got)
	}

	d := r.submit(printerRequest("Ana Silva"))
	tb.Wait("the request in the queue", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)
	r.submit(protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Omar Haddad", OS: "linux/amd64 Ubuntu 24.04", AppVersion: "0.3.1"},
		Description: "Outlook keeps asking for my password"})
	tb.Wait("two requests", `document.querySelectorAll('#queue-list li[data-id]').length === 2`, 10*time.Second)
	if got := tb.Text("#queue-count"); got != "2" {
		t.Errorf("queue badge = %q", got)
	}
	first := tb.Text("#queue-list li:first-child .qi-name")
	if first != "Ana Silva" {
		t.Errorf("oldest first: first item is %q", first)
	}
	tb.Click(`#queue-list li[data-id="` + d.id + `"]`)
	detail := tb.Text("#queue-detail")
	for _, want := range []string{
		"Ana Silva", "printer says offline since this morning", "ext 4411", "linux/amd64 Debian 12", "0.3.1",
		"Printer is offline", "Is the printer switched on?", "yes, the light is green",
		"Clear stuck print jobs", "did not help", "Warning", "print-queue", "3 jobs stuck",
		"Failed", "printer-ping", "10.0.4.20 does not answer",
		"Diagnostics snapshot", "default route via 10.0.0.1", "41 GB free", "cupsd not running",
	} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "null") || strings.Contains(detail, "undefined") {
		t.Errorf("detail shows null/undefined:\n%s", detail)
	}
	icons := consoletest.Eval[int](tb, `document.querySelectorAll('#queue-detail .check-icon').length`)
	if icons != 5 {
		t.Errorf("%d status icons, want 5 (2 step checks + 3 diagnostics)", icons)
	}
	wait1 := tb.Text("#queue-detail .qi-wait")
	if !regexp.MustCompile(`^waiting \d+ s$`).MatchString(wait1) {
		t.Errorf("waiting time = %q", wait1)
	}
	tb.Wait("the waiting time to tick", `document.querySelector('#queue-detail .qi-wait').textContent !== `+jsString(wait1), 5*time.Second)
	tb.Screenshot(screenshots, "queue")

	// The desktop cancels: the request leaves the queue by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.c.CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the cancelled request to leave", `document.querySelectorAll('#queue-list li[data-id]').length === 1`, 10*time.Second)
}

// TestTakeRace: two technicians take the same request at the same moment;
// the browser loses (its request is held until the colleague's take went
// through) and says so plainly. Then it takes another one with the keyboard;
// the caller declines viewing, and the technician may ask again.
func TestTakeRace(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	ana := r.submit(printerRequest("Ana Silva"))
	tb.Wait("the request", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)

	// Hold the browser's take request at the network layer.
	paused := chromedp.Events(tb.Ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tb.Ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/take"}}}); err != nil {
		t.Fatal(err)
	}
	tb.Click("#queue-detail button.primary")
	var held fetch.RequestID
	for ev, err := range paused {
		if err != nil {
			t.Fatal(err)
		}
		held = ev.RequestID
		break
	}
	bea := r.SignIn(t, techUser, techPass)
	if st := bea.Call("POST", "/api/requests/"+ana.id+"/take", nil, nil); st != http.StatusOK {
		t.Fatalf("colleague's take: %d", st)
	}
	if _, err := chromedp.Call(tb.Ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.Ctx, fetch.Disable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the 409 message", `document.querySelector('#queue-msg').textContent.includes('colleague took')`, 10*time.Second)
	if got := tb.Text("#queue-msg"); got != "A colleague took Ana Silva's request first. Pick another one from the queue." {
		t.Errorf("race message = %q", got)
	}
	tb.Wait("the taken request to leave", `document.querySelectorAll('#queue-list li[data-id]').length === 0`, 10*time.Second)

	// A new request: focus it and press Enter to take it.
	omar := r.submit(protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Omar"}, Description: "screen is black"})
	tb.Wait("the next request", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)
	tb.Do(chromedp.Focus(chromedp.CSS(`#queue-list li[data-id="`+omar.id+`"]`)), chromedp.KeyEvent("\r"))
	tb.Wait("the session view", `!document.querySelector('#view-session').hidden && document.querySelector('.session .peer')?.textContent === 'Omar'`, 10*time.Second)
	omar.expect(t, protocol.TypeViewRequest)
	tb.Wait("the waiting status", `document.querySelector('.session-status').textContent === 'Waiting for Omar to allow viewing…'`, 10*time.Second)

	// Omar declines: said in plain words; the session stays open and the
	// technician may ask again.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := omar.c.DenyView(ctx, ""); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the decline", `document.querySelector('.session-status').textContent === 'Omar declined. You can ask again.'`, 10*time.Second)
	if !tb.Poll(`!document.querySelector('.session .toolbar button.primary').disabled && !document.querySelector('.session .toolbar button.primary').hidden && document.querySelector('.session .closeout').hidden`, 2*time.Second) {
		t.Error("after the decline the ask button is not offered, or the close-out is shown")
	}
	tb.Click(".session .toolbar button.primary")
	omar.expect(t, protocol.TypeViewRequest)
	tb.Wait("the second ask", `document.querySelector('.session-status').textContent === 'Waiting for Omar to allow viewing…'`, 10*time.Second)
	if err := omar.c.DenyView(ctx, protocol.ConsentNoAnswer); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the unanswered ask", `document.querySelector('.session-status').textContent === 'Omar did not answer in time. You can ask again.'`, 10*time.Second)
}

// TestUserStopsSharing: the user ends the session from their banner.
func TestUserStopsSharing(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	sam := takeFromQueue(t, tb, r, protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Sam"}, Description: "VPN drops"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Chat from the user is text, never markup.
	xss := `<img src=x onerror="window.__xss=9">hi`
	if err := sam.c.Chat(ctx, xss); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the chat line", `document.querySelector('.chat-log li.theirs .chat-text')`, 10*time.Second)
	if got := tb.Text(".chat-log li.theirs .chat-text"); got != xss {
		t.Errorf("chat shows %q", got)
	}
	if v := consoletest.Eval[string](tb, `String(window.__xss) + document.querySelectorAll('.chat-log img').length`); v != "undefined0" {
		t.Errorf("chat markup was interpreted: %s", v)
	}
	if err := sam.c.EndSession(ctx, protocol.EndUser); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the end", `document.querySelector('.session-status').textContent.startsWith('Sam stopped sharing')`, 10*time.Second)
	if got := tb.Text(".control-indicator"); got != "Session ended" {
		t.Errorf("indicator = %q", got)
	}
}

// takeFromQueue has a desktop submit req and the signed-in technician in
// tb take it from the queue; it returns once the desktop is asked to
// allow viewing.
func takeFromQueue(t *testing.T, tb *consoletest.Tab, r *relay, req protocol.RequestSubmit) *desktop {
	t.Helper()
	d := r.submit(req)
	tb.Wait("the request", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)
	tb.Click("#queue-detail button.primary")
	d.expect(t, protocol.TypeViewRequest)
	return d
}

// expect waits up to 10 s for a message of type typ on the desktop side,
// skipping others, and returns it.
func (d *desktop) expect(t *testing.T, typ protocol.Type) protocol.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-d.msg:
			if m.Type == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("the desktop did not get %s", typ)
		}
	}
}

// expectNone fails if a message of type typ reaches the desktop within d.
func (d *desktop) expectNone(t *testing.T, typ protocol.Type, within time.Duration) {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case m := <-d.msg:
			if m.Type == typ {
				t.Fatalf("the desktop got %s", typ)
			}
		case <-timeout:
			return
		}
	}
}

// TestCode: a one-time code shown large and grouped, with a live countdown;
// cancelling it makes it unusable; an expired code says so.
func TestCode(t *testing.T) {
	r := startRelay(t, func(c *server.Config) { c.CodeTTL = 4 * time.Second })
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	tb.Click("#code-new")
	tb.Wait("the code", `!document.querySelector('#code-active').hidden`, 10*time.Second)
	code := tb.Text("#code-digits")
	if !regexp.MustCompile(`^\d{3} \d{3} \d{3}$`).MatchString(code) {
		t.Fatalf("code shown as %q", code)
	}
	if px := consoletest.Eval[float64](tb, `parseFloat(getComputedStyle(document.querySelector('#code-digits')).fontSize)`); px < 30 {
		t.Errorf("code font size %.0f px; want it large", px)
	}
	if got := tb.Text("#code-countdown"); !regexp.MustCompile(`^Expires in 0:0[1-4]$`).MatchString(got) {
		t.Errorf("countdown = %q", got)
	}
	tb.Wait("the countdown to tick", `document.querySelector('#code-countdown').textContent !== `+jsString(tb.Text("#code-countdown")), 3*time.Second)
	tb.Screenshot(screenshots, "code")
	tb.Wait("expiry", `document.querySelector('#code-msg').textContent.includes('expired')`, 8*time.Second)
	if !tb.Visible("#code-new") {
		t.Error("no way to create a new code after expiry")
	}

	// A code cancelled in the console is refused to the caller.
	r2 := startRelay(t, nil)
	tb2 := consoletest.OpenTab(t, 60*time.Second)
	tb2.SignIn(r2.URL, adminUser, adminPass)
	tb2.Click("#code-new")
	tb2.Wait("the code", `!document.querySelector('#code-active').hidden`, 10*time.Second)
	code = tb2.Text("#code-digits")
	if got := tb2.Text("#code-countdown"); !regexp.MustCompile(`^Expires in (10:00|9:5\d)$`).MatchString(got) {
		t.Errorf("countdown = %q, want about 10 minutes", got)
	}
	tb2.Click("#code-cancel")
	tb2.Wait("the cancel message", `document.querySelector('#code-msg').textContent.includes('cancelled')`, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := desktopDial(t, r2)
	if _, err := d.RedeemCode(ctx, code, protocol.ClientInfo{Name: "Ana"}); err == nil || !strings.Contains(err.Error(), "bad_code") {
		t.Errorf("redeeming a cancelled code: %v, want bad_code", err)
	}

	// A code the caller types in starts a session in the console at once.
	tb2.Click("#code-new")
	tb2.Wait("a new code", `!document.querySelector('#code-active').hidden`, 10*time.Second)
	code = tb2.Text("#code-digits")
	if _, err := desktopDial(t, r2).RedeemCode(ctx, code, protocol.ClientInfo{Name: "Ana"}); err != nil {
		t.Fatalf("redeem: %v", err)
	}
	tb2.Wait("the session", `!document.querySelector('#view-session').hidden && document.querySelector('.session .peer')?.textContent === 'Ana'`, 10*time.Second)
	if got := tb2.Text("#code-msg"); got != "Ana used your code." {
		t.Errorf("after redemption the code panel says %q", got)
	}
	if !consoletest.Eval[bool](tb2, `document.querySelector('#code-active').hidden`) {
		t.Error("the used code is still shown")
	}
}

// TestXSS: user-supplied text that looks like HTML is shown literally and
// never runs.
func TestXSS(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	payload := `<img src=x onerror="window.__xss=1">`
	req := printerRequest(`<b onmouseover="window.__xss=2">Mallory</b>`)
	req.Description = payload
	req.Guide.GuideTitle = `<script>window.__xss=3</script>`
	req.Guide.Steps[0].Answer = `<svg onload="window.__xss=4">`
	req.Diagnostics[0].Detail = `<iframe src="javascript:window.__xss=5">`
	r.submit(req)
	tb.Wait("the request", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)
	tb.Click("#queue-list li[data-id]")
	// No element was made from the text, so no injected handler can ever
	// fire: the final state proves it, without waiting for one.
	n := consoletest.Eval[int](tb, `document.querySelectorAll('#app img, #app svg, #app iframe, #app b, #app script').length`)
	if n != 0 {
		t.Errorf("%d elements were created from user text", n)
	}
	if v := consoletest.Eval[string](tb, `String(window.__xss)`); v != "undefined" {
		t.Fatalf("injected script ran: window.__xss = %s", v)
	}
	for sel, want := range map[string]string{
		"#queue-detail .description": payload,
		"#queue-list .qi-desc":       payload,
		"#queue-detail .detail-name": `<b onmouseover="window.__xss=2">Mallory</b>`,
		"#queue-detail .guide-title": `<script>window.__xss=3</script>`,
	} {
		if got := tb.Text(sel); got != want {
			t.Errorf("%s shows %q, want the literal %q", sel, got, want)
		}
	}
	for _, want := range []string{`<svg onload="window.__xss=4">`, `<iframe src="javascript:window.__xss=5">`} {
		if !strings.Contains(tb.Text("#queue-detail"), want) {
			t.Errorf("detail lacks the literal %q", want)
		}
	}
}

// TestReconnect: when the relay restarts the console says so in the status
// bar, reconnects by itself and shows the (persisted) queue again.
func TestReconnect(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	r.submit(printerRequest("Ana Silva"))
	tb.Wait("the request", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)

	r.Stop()
	tb.Wait("the lost-connection notice", `document.querySelector('#status-text').textContent.includes('Reconnecting by itself')`, 10*time.Second)
	if !tb.Visible("#status-retry") {
		t.Error("no Reconnect now button while disconnected")
	}
	time.Sleep(500 * time.Millisecond)
	r.Restart()
	tb.Wait("the reconnection", `document.querySelector('#status-dot').classList.contains('connected')`, 20*time.Second)
	if got := tb.Text("#status-text"); !strings.Contains(got, "Connected") {
		t.Errorf("status after reconnect = %q", got)
	}
	tb.Wait("the persisted request", `document.querySelector('#queue-list .qi-name')?.textContent === 'Ana Silva'`, 10*time.Second)
	if tb.Visible("#login-view") {
		t.Error("the restart signed the technician out")
	}
}

func jsString(s string) string {
	b := strings.Builder{}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestReloadPicksUpSession: after a page reload the running session is
// shown again (the relay re-announces it with the consent given): the
// console does not ask to view a second time but asks the desktop for a
// new offer (signal.restart), which the desktop hears after
// session.resume. (The picture coming back with a real desktop is
// internal/e2e TestConsoleReloadResumesSession.)
func TestReloadPicksUpSession(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	ana := r.submit(printerRequest("Ana Silva"))
	tb.Wait("the request", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)
	tb.Click("#queue-detail button.primary")
	ana.expect(t, protocol.TypeViewRequest)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ana.c.GrantView(ctx); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the grant", `document.querySelector('.session-status').textContent.includes('allowed viewing')`, 10*time.Second)

	tb.Do(chromedp.Reload())
	tb.Wait("the session again", `document.querySelector('.session .peer')?.textContent === 'Ana Silva' && !document.querySelector('#view-session').hidden`, 15*time.Second)
	ana.expect(t, protocol.TypeSessionResume)
	ana.expect(t, protocol.TypeSignalRestart)
	tb.Wait("the status", `document.querySelector('.session-status').textContent === "Reconnecting to Ana Silva's screen…"`, 10*time.Second)
	if tb.Visible(".session .toolbar button.primary") {
		t.Error("the console still offers to ask for viewing")
	}
	ana.expectNone(t, protocol.TypeViewRequest, 500*time.Millisecond)
}
