package server

// Retention: a background job that expires waiting requests nobody took
// and deletes records past their keeping period (Config.Retention).

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// Retention says how long the relay keeps each kind of record. A zero
// field takes its default; a negative one keeps that kind forever. The
// defaults keep personal details no longer than the help needs them.
type Retention struct {
	// Waiting: a request nobody took for this long (since it last
	// changed) is marked expired and leaves the queue; default 7 days.
	Waiting time.Duration
	// Transcripts: chat lines; default 90 days.
	Transcripts time.Duration
	// Sessions: ended sessions with their notes, and closed requests
	// (resolved, cancelled, expired) with the name, contact, description
	// and diagnostics in them; default 180 days.
	Sessions time.Duration
	// Audit: audit events; default 365 days.
	Audit time.Duration
	// Outcomes: anonymous self-help outcomes; default 365 days.
	Outcomes time.Duration
	// Recordings: session recordings, by their last chunk; default 30
	// days. A recording goes with its session record at the latest.
	Recordings time.Duration
	// Interval: how often the job runs (also once at start); default 1 h.
	Interval time.Duration
}

// Default retention periods.
const (
	DefaultWaitingRetention    = 7 * 24 * time.Hour
	DefaultTranscriptRetention = 90 * 24 * time.Hour
	DefaultSessionRetention    = 180 * 24 * time.Hour
	DefaultAuditRetention      = 365 * 24 * time.Hour
	DefaultOutcomeRetention    = 365 * 24 * time.Hour
)

func (r *Retention) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&r.Waiting, DefaultWaitingRetention)
	def(&r.Transcripts, DefaultTranscriptRetention)
	def(&r.Sessions, DefaultSessionRetention)
	def(&r.Audit, DefaultAuditRetention)
	def(&r.Outcomes, DefaultOutcomeRetention)
	def(&r.Recordings, DefaultRecordingRetention)
	if r.Interval <= 0 {
		r.Interval = time.Hour
	}
}

// cutoff is now-d, or zero (keep) for a negative d.
func cutoff(now time.Time, d time.Duration) time.Time {
	if d < 0 {
		return time.Time{}
	}
	return now.Add(-d)
}

// msgExpired tells a desktop whose request expired.
const msgExpired = "no technician took this request in time; please send a new one if you still need help"

// Prune runs the retention job once: waiting requests past
// Retention.Waiting become expired (audited, removed from every console's
// queue, their desktop told), then old records are deleted.
func (s *Server) Prune(ctx context.Context) error {
	now := s.now()
	rt := s.cfg.Retention
	if before := cutoff(now, rt.Waiting); !before.IsZero() {
		ids, err := s.upkeep.ExpireWaiting(ctx, before, now)
		if err != nil {
			return err
		}
		for _, id := range ids {
			s.audit(ctx, store.AuditEvent{At: now, Actor: protocol.ActorRelay, Action: protocol.AuditRequestExpired, RequestID: id,
				Detail: fmt.Sprintf("waited=%s", rt.Waiting)})
		}
		s.hub.expire(ids, s.encode)
		s.m.pruned.WithLabelValues("expired_requests").Add(float64(len(ids)))
	}
	res, err := s.upkeep.PruneRecords(ctx, store.Cutoffs{
		Transcripts: cutoff(now, rt.Transcripts), Sessions: cutoff(now, rt.Sessions),
		Audit: cutoff(now, rt.Audit), Outcomes: cutoff(now, rt.Outcomes), Now: now,
	})
	for kind, n := range map[string]int64{"chat": res.Chat, "sessions": res.Sessions, "requests": res.Requests,
		"audit": res.Audit, "outcomes": res.Outcomes, "codes": res.Codes, "logins": res.Logins} {
		if n > 0 {
			s.m.pruned.WithLabelValues(kind).Add(float64(n))
		}
	}
	if err != nil {
		return err
	}
	if n, err := s.pruneRecordings(ctx, cutoff(now, rt.Recordings)); err != nil { // recordings.go
		return err
	} else if n > 0 {
		s.m.pruned.WithLabelValues("recordings").Add(float64(n))
		s.log.Info("pruned old recordings", "recordings", n)
	}
	if res != (store.PruneResult{}) {
		s.log.Info("pruned old records", "chat", res.Chat, "sessions", res.Sessions, "requests", res.Requests, "audit", res.Audit, "outcomes", res.Outcomes)
	}
	return nil
}

// pruneLoop runs Prune at start and every Retention.Interval until
// Shutdown (which waits for a run in progress).
func (s *Server) pruneLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.Retention.Interval)
	defer t.Stop()
	for {
		if err := s.Prune(s.ctx); err != nil && s.ctx.Err() == nil {
			s.log.Error("retention job", "err", err)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// expire takes expired requests out of the queue: every console gets
// queue.updated (state expired) and a desktop still holding one gets
// request.cancelled.
func (h *hub) expire(ids []string, encode func(protocol.Type, string, string, any) []byte) {
	if len(ids) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		var it protocol.QueueItem
		found := false
		for _, q := range h.queue {
			if q.ID == id {
				it, found = q, true
				break
			}
		}
		h.removeWaitingLocked(id)
		if c := h.byReq[id]; c != nil {
			delete(h.byReq, id)
			c.requestID = ""
			c.enqueue(encode(protocol.TypeRequestCancelled, "", "", &protocol.RequestCancelled{RequestID: id, Reason: msgExpired}))
		}
		if found {
			it.State, it.Online = store.StateExpired, false
			h.broadcastLocked(encode(protocol.TypeQueueUpdated, "", "", &it))
		}
	}
}
