package limit

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Charge is one attempt recorded by [Keyed.Charge] before its outcome is
// known: counting it up front means a burst of parallel attempts cannot
// all pass the check before the first of them is recorded.
type Charge struct {
	// Refused is how long the key must wait: the attempt was refused and
	// nothing was recorded. Zero when the attempt may go ahead.
	Refused time.Duration
	// Locked, for an attempt that may go ahead, is how long the key is
	// locked out after it: this attempt used the key's last allowance.
	Locked time.Duration
	// Clean reports that the key had no failure on record before this
	// attempt (attempts charged and still running count as failures).
	Clean bool

	k      *Keyed
	key    string
	st     state
	refund func(now time.Time)
}

// charger is a state that can record an attempt before its outcome and
// take it back.
type charger interface {
	// charge records an attempt as failed and returns how to take it
	// back; it is called only when wait(now) is 0.
	charge(now time.Time) (refund func(now time.Time))
}

// Charge records an attempt of key as a failure unless the key must wait
// (then Refused says how long, and nothing is recorded). The caller
// calls Refund if the attempt turns out not to be a failure.
func (k *Keyed) Charge(key string) Charge {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	st := k.keys[key]
	clean := st == nil
	if st != nil {
		if w := st.wait(now); w > 0 {
			return Charge{Refused: w}
		}
		clean = st.idle(now)
	} else {
		if len(k.keys) >= sweepAt {
			k.sweep(now)
		}
		st = k.policy.start()
		k.keys[key] = st
	}
	c := Charge{k: k, key: key, st: st, Clean: clean}
	if ch, ok := st.(charger); ok {
		c.refund = ch.charge(now)
	} else {
		st.fail(now)
	}
	c.Locked = st.wait(now)
	return c
}

// Refund takes back the failure Charge recorded, after a success or an
// attempt that was not tried. An attempt that locked the key out leaves
// the lock in place. Refund on a refused charge does nothing.
func (c Charge) Refund() {
	if c.k == nil || c.refund == nil {
		return
	}
	c.k.mu.Lock()
	defer c.k.mu.Unlock()
	if c.k.keys[c.key] != c.st {
		return // forgotten or swept meanwhile
	}
	c.refund(c.k.now())
}

// FailAt records a failure of key that happened at, which is not after
// any failure recorded before (replaying stored failures in order, after
// a restart).
func (k *Keyed) FailAt(key string, at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := k.keys[key]
	if st == nil {
		if len(k.keys) >= sweepAt {
			k.sweep(at)
		}
		st = k.policy.start()
		k.keys[key] = st
	}
	st.fail(at)
}

func (s *backoffState) charge(now time.Time) func(time.Time) {
	s.fail(now)
	n := s.failures
	return func(time.Time) {
		if s.failures == n && s.failures > 0 {
			s.failures--
		}
	}
}

func (s *lockoutState) charge(now time.Time) func(time.Time) {
	s.fail(now)
	return func(t time.Time) {
		if t.Before(s.until) {
			return // the key is locked out (its bucket refilled): the lock stands
		}
		// Give the token back: a bucket with one token more, rounded
		// down (rate.Limiter cannot be given tokens, only built full and
		// drawn on).
		b := s.bucket
		tokens := math.Floor(min(b.TokensAt(t)+1, float64(b.Burst())))
		nb := rate.NewLimiter(b.Limit(), b.Burst())
		nb.AllowN(t, b.Burst()-int(tokens))
		s.bucket = nb
	}
}
