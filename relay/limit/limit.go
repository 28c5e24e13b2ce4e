// Package limit slows down guessing. A [Keyed] limiter counts failed
// attempts per key (an address, an account name) and says how long a key
// must wait before its next attempt; a success forgets the key. One of two
// policies decides the wait:
//
//   - [Backoff]: a few free failures, then a wait that doubles with every
//     further failure up to a cap (one-time codes).
//   - [Lockout]: a burst of failures, refilled over a window as a token
//     bucket (golang.org/x/time/rate), locks the key out for a while
//     (console logins).
//
// The clock is injected, so tests drive time.
package limit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Policy turns the failures of one key into a wait: Backoff or Lockout.
type Policy interface {
	start() state
}

// state is the failure record of one key under a policy.
type state interface {
	wait(now time.Time) time.Duration
	fail(now time.Time)
	idle(now time.Time) bool // nothing left to remember
}

// sweepAt is how many keys a Keyed holds before a new key makes it drop
// the idle ones, bounding its memory under a spray of addresses.
const sweepAt = 10000

// Keyed limits failures per key under one policy. It is safe for
// concurrent use.
type Keyed struct {
	policy Policy
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]state
}

// New returns a limiter that applies p to every key, reading the time from
// now (nil: time.Now).
func New(p Policy, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	return &Keyed{policy: p, now: now, keys: make(map[string]state)}
}

// Wait returns how long key must wait before its next attempt (0: now).
func (k *Keyed) Wait(key string) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := k.keys[key]
	if st == nil {
		return 0
	}
	return st.wait(k.now())
}

// Fail records a failed attempt of key and returns how long the key must
// now wait.
func (k *Keyed) Fail(key string) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	st := k.keys[key]
	if st == nil {
		if len(k.keys) >= sweepAt {
			k.sweep(now)
		}
		st = k.policy.start()
		k.keys[key] = st
	}
	st.fail(now)
	return st.wait(now)
}

// Forget drops the failures of key, after a success.
func (k *Keyed) Forget(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.keys, key)
}

func (k *Keyed) sweep(now time.Time) {
	for key, st := range k.keys {
		if st.idle(now) {
			delete(k.keys, key)
		}
	}
}

// Backoff lets Free failures through, then makes each further attempt wait
// Base, doubling with every failure up to Max. A key with no failure for
// Forget starts over (0: never).
type Backoff struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

func (b Backoff) start() state { return &backoffState{cfg: b} }

type backoffState struct {
	cfg      Backoff
	failures int
	last     time.Time
}

func (s *backoffState) forgotten(now time.Time) bool {
	return s.cfg.Forget > 0 && now.Sub(s.last) > s.cfg.Forget
}

func (s *backoffState) wait(now time.Time) time.Duration {
	if s.failures <= s.cfg.Free || s.forgotten(now) {
		return 0
	}
	d := s.cfg.Base
	for i := s.cfg.Free + 1; i < s.failures && d < s.cfg.Max; i++ {
		d *= 2
	}
	d = min(d, s.cfg.Max)
	return max(s.last.Add(d).Sub(now), 0)
}

func (s *backoffState) fail(now time.Time) {
	if s.forgotten(now) {
		s.failures = 0
	}
	s.failures++
	s.last = now
}

func (s *backoffState) idle(now time.Time) bool { return s.forgotten(now) }

// Lockout locks a key out for Lockout once it fails MaxFailures times in a
// row faster than MaxFailures per Window: the failures draw on a token
// bucket of MaxFailures-1 that refills at MaxFailures per Window. The lock
// refills the bucket. Zero fields get the defaults: 5 failures, 15 minutes,
// 15 minutes.
type Lockout struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
}

func (l Lockout) withDefaults() Lockout {
	if l.MaxFailures <= 0 {
		l.MaxFailures = 5
	}
	if l.Window <= 0 {
		l.Window = 15 * time.Minute
	}
	if l.Lockout <= 0 {
		l.Lockout = 15 * time.Minute
	}
	return l
}

func (l Lockout) start() state {
	l = l.withDefaults()
	s := &lockoutState{cfg: l}
	s.refill()
	return s
}

type lockoutState struct {
	cfg    Lockout
	bucket *rate.Limiter
	until  time.Time // locked out before this
}

func (s *lockoutState) refill() {
	s.bucket = rate.NewLimiter(rate.Every(s.cfg.Window/time.Duration(s.cfg.MaxFailures)), s.cfg.MaxFailures-1)
}

func (s *lockoutState) wait(now time.Time) time.Duration { return max(s.until.Sub(now), 0) }

func (s *lockoutState) fail(now time.Time) {
	if !s.bucket.AllowN(now, 1) {
		s.until = now.Add(s.cfg.Lockout)
		s.refill()
	}
}

func (s *lockoutState) idle(now time.Time) bool {
	return !now.Before(s.until) && s.bucket.TokensAt(now) >= float64(s.bucket.Burst())
}
