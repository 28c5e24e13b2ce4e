package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// TestBusyQueueShowsEveryRequest: 200 waiting requests of ~1.5 KB (a busy
// morning) all show, from the snapshot's parts. Then the relay restarts
// with one more request stored before requests were size-capped, too
// large for any message: the console reconnects, is told the queue is
// incomplete and loads it over HTTP, so it shows all 201.
func TestBusyQueueShowsEveryRequest(t *testing.T) {
	r := startRelay(t, nil)
	r.Server.SetSocketLimits(server.SocketLimits{ClientConnsPerAddr: 300, SubmitRate: rate.Inf, MaxWaitingPerAddr: -1})
	const n = 200
	for i := range n {
		req := printerRequest(fmt.Sprintf("Caller %03d", i))
		req.Description += strings.Repeat(" The printer on the second floor still shows offline.", 18)
		r.submit(req)
	}

	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	queued := func(k int) string {
		return fmt.Sprintf(`document.querySelectorAll('#queue-list li[data-id]').length === %d`, k)
	}
	tb.Wait("every request in the queue", queued(n), 20*time.Second)
	if got := tb.Text("#queue-list li:first-child .qi-name"); got != "Caller 000" {
		t.Errorf("oldest first: first item is %q", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	old := store.Request{ID: "r-old", State: store.StateWaiting, Source: "request", Name: "Old request",
		Description: strings.Repeat("<", 20000), CreatedAt: time.Now().Add(-time.Hour)}
	if err := r.Store.CreateRequest(ctx, &old); err != nil {
		t.Fatal(err)
	}
	r.Restart() // the queue is loaded at start
	tb.Wait("the large request too, over HTTP", queued(n+1), 30*time.Second)
	if got := tb.Text("#queue-count"); got != fmt.Sprint(n+1) {
		t.Errorf("queue badge = %q", got)
	}
	if got := tb.Text("#queue-list li:first-child .qi-name"); got != "Old request" {
		t.Errorf("oldest first: first item is %q", got)
	}
}
