package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// TestQueueShowsRecurring: the third request from the same computer
// within 14 days says so on its queue item ("3rd time in 14 days"), a
// first one says nothing; and the words are right for other counts.
func TestQueueShowsRecurring(t *testing.T) {
	r := startRelay(t, func(c *server.Config) { c.Sockets.MaxWaitingPerAddr = 10 }) // four requests from 127.0.0.1
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)

	install := "PC" + strings.Repeat("Q", 24)
	var last *desktop
	for i, name := range []string{"Ana Silva", "Ana S.", "Ana"} {
		req := printerRequest(name)
		req.Contact = "desk " + string(rune('1'+i))
		req.InstallID = install
		last = r.submit(req)
	}
	first := r.submit(protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Omar Haddad"}, Description: "Outlook keeps asking for my password"})
	tb.Wait("four requests", `document.querySelectorAll('#queue-list li[data-id]').length === 4`, 10*time.Second)
	item := func(id string) string { return tb.Text(`#queue-list li[data-id="` + id + `"] .qi-meta`) }
	if got := item(last.id); !strings.Contains(got, "3rd time in 14 days") {
		t.Errorf("third request's queue item says %q, want “3rd time in 14 days”", got)
	}
	if got := item(first.id); strings.Contains(got, "time in") {
		t.Errorf("a first request's queue item says %q", got)
	}
	words := consoletest.Eval[[]string](tb, `import('/js/repeat.js').then(m => [2, 3, 4, 11, 12, 13, 21, 22, 23, 101].map(n => m.recurringWords({recurring: {count: n, window_days: 14}})).concat([m.recurringWords({}), m.recurringWords({recurring: {count: 1}})]))`)
	want := []string{"2nd time in 14 days", "3rd time in 14 days", "4th time in 14 days", "11th time in 14 days", "12th time in 14 days",
		"13th time in 14 days", "21st time in 14 days", "22nd time in 14 days", "23rd time in 14 days", "101st time in 14 days", "", ""}
	if strings.Join(words, "|") != strings.Join(want, "|") {
		t.Errorf("recurringWords\n got %q\nwant %q", words, want)
	}
	tb.Click(`#queue-list li[data-id="` + last.id + `"]`)
	tb.Screenshot(screenshots, "queue-recurring")
}
