package server

import (
	"sync"
	"time"
)

// totpReplayWindow is how long an accepted TOTP code stays spent: a code
// is valid for up to 90 s, so a second use inside this window is a replay.
const totpReplayWindow = 2 * time.Minute

// totpGuard accepts each TOTP code once per technician. It is safe for
// concurrent use.
type totpGuard struct {
	mu   sync.Mutex
	last map[int64]totpUse // the last accepted code per technician
}

type totpUse struct {
	code string
	at   time.Time
}

func newTOTPGuard() *totpGuard { return &totpGuard{last: make(map[int64]totpUse)} }

// claim spends code for techID at now; false if it was already spent.
func (g *totpGuard) claim(techID int64, code string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if last, ok := g.last[techID]; ok && last.code == code && now.Sub(last.at) < totpReplayWindow {
		return false
	}
	g.last[techID] = totpUse{code: code, at: now}
	return true
}
