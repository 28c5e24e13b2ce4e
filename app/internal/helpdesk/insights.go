package helpdesk

// Insight events: what happens in self-help (searches, guides opened,
// steps reached, checks, how guides end, escalations), anonymous — no
// name, no machine id; an escalation links its journey to the request.
// They wait in a file under Config.StateDir (bounded: the oldest go first)
// until a relay that speaks insight.events (it says so in its welcome) has
// acknowledged them, in messages of at most protocol.MaxInsightEvents.
// What the person typed is sent only when the relay's welcome says the
// organisation allows search text; otherwise it is left out at sending
// (it never leaves this computer).

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// maxKeptInsights bounds the events kept while the relay is away.
const maxKeptInsights = 1000

const insightsFile = "insights.json"

// insightQueue keeps insight events on disk until delivered.
type insightQueue struct {
	path string
	mu   sync.Mutex
	evs  []protocol.InsightEvent
	dir  *outbox // for its atomic, durable writeFile
}

func openInsightQueue(dir *outbox) *insightQueue {
	q := &insightQueue{path: filepath.Join(dir.dir, insightsFile), dir: dir}
	b, err := os.ReadFile(q.path)
	if err == nil && json.Unmarshal(b, &q.evs) != nil {
		dir.moveAside(insightsFile, "unreadable", errors.New("not a list of insight events"))
		q.evs = nil
	}
	return q
}

// add keeps evs, dropping the oldest past maxKeptInsights.
func (q *insightQueue) add(evs ...protocol.InsightEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.evs = append(q.evs, evs...)
	if n := len(q.evs) - maxKeptInsights; n > 0 {
		q.evs = append([]protocol.InsightEvent(nil), q.evs[n:]...)
	}
	q.saveLocked()
}

// batch returns up to protocol.MaxInsightEvents of the oldest events.
func (q *insightQueue) batch() []protocol.InsightEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]protocol.InsightEvent(nil), q.evs[:min(len(q.evs), protocol.MaxInsightEvents)]...)
}

// drop forgets the n oldest events (delivered).
func (q *insightQueue) drop(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.evs = append([]protocol.InsightEvent(nil), q.evs[min(n, len(q.evs)):]...)
	q.saveLocked()
}

func (q *insightQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.evs)
}

func (q *insightQueue) saveLocked() { q.dir.saveJSON(insightsFile, q.evs, "keep insight events") }

// Track keeps insight events for the help desk (never blocks on the
// network): it stamps those without a time, and the OS and app version.
func (d *Desk) Track(evs ...protocol.InsightEvent) {
	now := time.Now().UTC()
	for i := range evs {
		if evs[i].At.IsZero() {
			evs[i].At = now
		}
		evs[i].OS, evs[i].AppVersion = osInfo(), d.cfg.AppVersion
	}
	d.insights.add(evs...)
	d.kickInsights()
}

func (d *Desk) kickInsights() {
	select {
	case d.insightKick <- struct{}{}:
	default:
	}
}

// insightLoop delivers kept events whenever kicked (an event, a
// connection, a welcome) or, after a failure, once the wait is over.
func (d *Desk) insightLoop() {
	d.kickLoop(d.insightKick, func() (time.Duration, bool) {
		if d.needClaim.Swap(false) && !d.claimFollowups(d.ctx) {
			d.needClaim.Store(true) // followup.go
		}
		wait, err := d.flushInsights(d.ctx)
		if err != nil {
			d.log.Debug("insight events not delivered yet", "err", err)
		}
		return wait, err != nil || d.needClaim.Load()
	})
}

// errNoInsights: the relay has not said it takes insight events (no
// welcome yet, or a relay that predates them): they stay kept.
var errNoInsights = errors.New("relay does not take insight events (yet)")

// flushInsights sends the kept events in batches; on failure it returns
// how long the relay asked to wait (0: back off).
func (d *Desk) flushInsights(ctx context.Context) (time.Duration, error) {
	rc := d.client()
	if rc == nil {
		return 0, nil // connectLoop kicks once connected
	}
	w, ok := rc.Welcome()
	if !ok {
		return 0, nil // the welcome kicks again (OnWelcome)
	}
	searchText := w.Insights != nil && w.Insights.SearchText
	for d.insights.len() > 0 {
		batch := d.insights.batch()
		send := make([]protocol.InsightEvent, len(batch))
		for i, ev := range batch {
			if !searchText {
				ev.Query = ""
			}
			send[i] = ev
		}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := rc.ReportInsights(cctx, send)
		cancel()
		var re *client.Error
		switch {
		case err == nil:
			d.insights.drop(len(batch))
		case errors.As(err, &re) && re.Code == protocol.CodeRateLimited:
			return re.RetryAfter, err
		case errors.As(err, &re) && re.Code != protocol.CodeInternal:
			// Refused as malformed: never deliverable, so not kept for ever.
			d.log.Warn("insight events refused by the relay; dropped", "events", len(batch), "err", err)
			d.insights.drop(len(batch))
		default:
			return 0, err
		}
	}
	return 0, nil
}
