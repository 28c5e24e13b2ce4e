package helpdesk

// Follow-ups: the requests a session resolved are kept (id and resume
// token, under Config.StateDir) so that on every connection the relay can
// be told they are this desktop's (followup.claim) and ask about them
// (followup.offer, delivered as EventFollowup). An answer, or 14 days,
// forgets one.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

const (
	followupsFile = "followups.json"
	// keepFollowup is how long a resolved request is kept for a follow-up.
	keepFollowup = 14 * 24 * time.Hour
)

// FollowupAnswer is the person's answer to EventFollowup.
type FollowupAnswer struct {
	RequestID string
	Working   bool
	Rating    int // 1 … 5, 0 for none
	Comment   string
}

type keptFollowup struct {
	RequestID   string    `json:"request_id"`
	ResumeToken string    `json:"resume_token"`
	EndedAt     time.Time `json:"ended_at"`
}

// followupKeeper is the list of kept requests, newest last.
type followupKeeper struct {
	dir  *outbox
	mu   sync.Mutex
	kept []keptFollowup
}

func openFollowups(dir *outbox) *followupKeeper {
	k := &followupKeeper{dir: dir}
	if b, err := os.ReadFile(filepath.Join(dir.dir, followupsFile)); err == nil && json.Unmarshal(b, &k.kept) != nil {
		k.kept = nil
	}
	return k
}

// keep remembers a resolved request (at most protocol.MaxFollowupClaims,
// the newest).
func (k *followupKeeper) keep(id, token string, at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.kept = slices.DeleteFunc(k.kept, func(f keptFollowup) bool { return f.RequestID == id })
	k.kept = append(k.kept, keptFollowup{RequestID: id, ResumeToken: token, EndedAt: at.UTC()})
	if n := len(k.kept) - protocol.MaxFollowupClaims; n > 0 {
		k.kept = k.kept[n:]
	}
	k.saveLocked()
}

// claims returns the kept requests younger than keepFollowup, forgetting
// the older ones.
func (k *followupKeeper) claims(now time.Time) []protocol.FollowupRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := len(k.kept)
	k.kept = slices.DeleteFunc(k.kept, func(f keptFollowup) bool { return now.Sub(f.EndedAt) > keepFollowup })
	if len(k.kept) != n {
		k.saveLocked()
	}
	out := make([]protocol.FollowupRequest, 0, len(k.kept))
	for _, f := range k.kept {
		out = append(out, protocol.FollowupRequest{RequestID: f.RequestID, ResumeToken: f.ResumeToken})
	}
	return out
}

func (k *followupKeeper) forget(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.kept = slices.DeleteFunc(k.kept, func(f keptFollowup) bool { return f.RequestID == id })
	k.saveLocked()
}

func (k *followupKeeper) saveLocked() {
	k.dir.saveJSON(followupsFile, k.kept, "keep requests for follow-up")
}

// claimFollowups names the kept requests to the relay; false when it
// could not (tried again on the next kick).
func (d *Desk) claimFollowups(ctx context.Context) bool {
	rc := d.client()
	if rc == nil {
		return false
	}
	reqs := d.followups.claims(time.Now())
	if len(reqs) == 0 {
		return true
	}
	if _, ok := rc.Welcome(); !ok {
		return false // a relay without follow-ups would close the socket on the claim
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rc.ClaimFollowups(ctx, reqs); err != nil {
		d.log.Debug("claim follow-ups", "err", err)
		return false
	}
	return true
}

// AnswerFollowup answers the help desk's follow-up. "Not working" puts the
// request back in the queue: EventQueued follows, as for a new request.
func (d *Desk) AnswerFollowup(ctx context.Context, a FollowupAnswer) error {
	rc := d.client()
	if rc == nil {
		return ErrOffline
	}
	err := rc.AnswerFollowup(ctx, protocol.FollowupAnswer{RequestID: a.RequestID, Working: a.Working, Rating: a.Rating, Comment: truncate(a.Comment, protocol.MaxFollowupComment)})
	if err != nil {
		return fmt.Errorf("answer follow-up: %w", err)
	}
	d.followups.forget(a.RequestID)
	return nil
}
