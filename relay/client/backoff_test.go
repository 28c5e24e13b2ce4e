package client

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	const ms = time.Millisecond
	b := Backoff{Min: 100 * ms, Max: 2 * time.Second}
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 50 * ms, 100 * ms},
		{2, 100 * ms, 200 * ms},
		{4, 400 * ms, 800 * ms},
		{10, time.Second, 2 * time.Second},
		{100, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		// The bounds are exact: the least and the most jitter give them.
		low, high := b, b
		low.jitter = func(time.Duration) time.Duration { return 0 }
		high.jitter = func(n time.Duration) time.Duration { return n }
		if got := low.Delay(tt.attempt); got != tt.min {
			t.Errorf("attempt %d, no jitter: %v, want %v", tt.attempt, got, tt.min)
		}
		if got := high.Delay(tt.attempt); got != tt.max {
			t.Errorf("attempt %d, full jitter: %v, want %v", tt.attempt, got, tt.max)
		}
		// And the real random jitter stays inside them.
		for range 50 {
			if d := b.Delay(tt.attempt); d < tt.min || d > tt.max {
				t.Fatalf("attempt %d: %v not in [%v, %v]", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

func TestBackoffDefaults(t *testing.T) {
	b := Backoff{jitter: func(n time.Duration) time.Duration { return n }}
	if got := b.Delay(1); got != DefaultMinBackoff {
		t.Errorf("first delay %v, want %v", got, DefaultMinBackoff)
	}
	if got := b.Delay(1000); got != DefaultMaxBackoff {
		t.Errorf("capped delay %v, want %v", got, DefaultMaxBackoff)
	}
}

// fakeClock records the waits of a Backoff instead of sleeping; cancel, if
// set, is called on the wait numbered cancelAt.
type fakeClock struct {
	waits    []time.Duration
	cancelAt int
	cancel   context.CancelFunc
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.waits = append(f.waits, d)
	if len(f.waits) == f.cancelAt {
		f.cancel()
	}
	return ctx.Err()
}

func TestRetry(t *testing.T) {
	const ms = time.Millisecond
	errDown := errors.New("relay down")
	tests := []struct {
		name      string
		failures  int // op fails this many times, then succeeds
		cancelAt  int // the context ends during this wait (0: never)
		wantErr   error
		wantWaits []time.Duration
		wantCalls []int
	}{
		{"first retry works", 0, 0, nil, []time.Duration{10 * ms}, []int{1}},
		{"waits double up to the cap", 4, 0, nil,
			[]time.Duration{10 * ms, 20 * ms, 40 * ms, 50 * ms, 50 * ms}, []int{1, 2, 3, 4, 5}},
		{"closed while waiting", 10, 3, context.Canceled,
			[]time.Duration{10 * ms, 20 * ms, 40 * ms}, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clock := &fakeClock{cancelAt: tt.cancelAt, cancel: cancel}
			b := Backoff{Min: 10 * ms, Max: 50 * ms, sleep: clock.sleep,
				jitter: func(n time.Duration) time.Duration { return n }}
			var calls []int
			err := b.Retry(ctx, func(ctx context.Context, attempt int) error {
				calls = append(calls, attempt)
				if len(calls) <= tt.failures {
					return errDown
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Retry = %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(clock.waits, tt.wantWaits) {
				t.Errorf("waits %v, want %v", clock.waits, tt.wantWaits)
			}
			if !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("attempts %v, want %v", calls, tt.wantCalls)
			}
		})
	}
}

func TestRetryRealClockStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Backoff{Min: time.Hour, Max: time.Hour}.Retry(ctx, func(context.Context, int) error { return nil })
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Retry = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Retry kept waiting after its context ended")
	}
}
