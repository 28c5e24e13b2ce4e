package auth

import (
	"sync"
	"time"
)

// ThrottleConfig configures a Throttle.
type ThrottleConfig struct {
	MaxFailures int           // failures within Window before lockout
	Window      time.Duration // failures older than this are forgotten
	Lockout     time.Duration // how long a key stays locked
	Now         func() time.Time
}

// Throttle counts failures per key (an account name or an address) and locks
// a key out temporarily after too many. It is safe for concurrent use.
type Throttle struct {
	cfg ThrottleConfig
	mu  sync.Mutex
	m   map[string]*throttleEntry
}

type throttleEntry struct {
	failures    int
	first       time.Time
	lockedUntil time.Time
}

// NewThrottle returns a Throttle; zero config fields get defaults
// (5 failures in 15 minutes, 15 minutes lockout, time.Now).
func NewThrottle(cfg ThrottleConfig) *Throttle {
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 5
	}
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	if cfg.Lockout <= 0 {
		cfg.Lockout = 15 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Throttle{cfg: cfg, m: make(map[string]*throttleEntry)}
}

// Locked reports whether key is locked out and until when.
func (t *Throttle) Locked(key string) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[key]
	now := t.cfg.Now()
	if e == nil || !now.Before(e.lockedUntil) {
		return false, time.Time{}
	}
	return true, e.lockedUntil
}

// Fail records a failure for key and reports whether it is now locked.
func (t *Throttle) Fail(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	t.gc(now)
	e := t.m[key]
	if e == nil || now.Sub(e.first) > t.cfg.Window {
		e = &throttleEntry{first: now}
		t.m[key] = e
	}
	e.failures++
	if e.failures >= t.cfg.MaxFailures {
		e.lockedUntil = now.Add(t.cfg.Lockout)
		e.failures = 0
		e.first = now
	}
	return now.Before(e.lockedUntil)
}

// Succeed forgets the failures of key.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, key)
}

// gc bounds memory: drop entries that are neither locked nor in a window.
func (t *Throttle) gc(now time.Time) {
	if len(t.m) < 10000 {
		return
	}
	for k, e := range t.m {
		if !now.Before(e.lockedUntil) && now.Sub(e.first) > t.cfg.Window {
			delete(t.m, k)
		}
	}
}
