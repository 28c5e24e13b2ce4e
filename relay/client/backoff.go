package client

import (
	"context"
	"math/rand/v2"
	"time"
)

// Default reconnect bounds of a zero Backoff.
const (
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// Backoff is the one reconnect policy of Lifeline: the relay client redials
// with it, the desktop's help desk connection retries its first dial with it,
// and the technician console's socket (relay/console/static/js/socket.js,
// backoffDelay) implements the same formula with the same defaults; the
// browser test TestBackoffMatchesGo (relay/console/e2e) holds the two to it.
//
// The n-th wait is d = Min·2^(n-1), capped at Max, with equal jitter: a
// uniformly random duration in [d/2, d]. Half of the wait is kept so retries
// never bunch up near zero, the other half is random so many clients that
// lost the same relay do not come back in step.
//
// A zero field takes its default (DefaultMinBackoff, DefaultMaxBackoff).
type Backoff struct {
	Min, Max time.Duration

	// Test hooks: jitter returns a value in [0, n] (default uniform
	// random), sleep waits d or until ctx is done (default a timer).
	jitter func(n time.Duration) time.Duration
	sleep  func(ctx context.Context, d time.Duration) error
}

// Delay returns the wait before retry n (n ≥ 1).
func (b Backoff) Delay(n int) time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	jitter := b.jitter
	if jitter == nil {
		jitter = func(n time.Duration) time.Duration { return rand.N(n + 1) }
	}
	return d/2 + jitter(d/2)
}

// Retry keeps retrying an operation that has just failed: it waits
// Delay(1), calls op with attempt 1, and after each further failure waits
// the next Delay before calling op again. It returns nil as soon as op
// succeeds and ctx.Err() once ctx is done; op's own errors only make it
// retry (op logs them if they matter). op should bound its own attempt
// with a timeout derived from the ctx it is given.
func (b Backoff) Retry(ctx context.Context, op func(ctx context.Context, attempt int) error) error {
	sleep := b.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sleep(ctx, b.Delay(attempt)); err != nil {
			return err
		}
		if op(ctx, attempt) == nil {
			return nil
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
