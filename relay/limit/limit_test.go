package limit

import (
	"strconv"
	"testing"
	"time"
)

// clock is a fake clock that moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// step moves the clock, then acts on key "k" and checks its wait.
type step struct {
	advance time.Duration
	act     string // "fail", "forget" or "" (only look)
	want    time.Duration
}

func TestKeyed(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		steps  []step
	}{
		{"backoff doubles after the free failures up to the cap", Backoff{Free: 2, Base: time.Second, Max: 8 * time.Second}, []step{
			{act: "fail", want: 0}, {act: "fail", want: 0},
			{act: "fail", want: time.Second},
			{advance: 500 * time.Millisecond, want: 500 * time.Millisecond},
			{advance: 500 * time.Millisecond, want: 0},
			{act: "fail", want: 2 * time.Second},
			{advance: 2 * time.Second, act: "fail", want: 4 * time.Second},
			{advance: 4 * time.Second, act: "fail", want: 8 * time.Second},
			{advance: 8 * time.Second, act: "fail", want: 8 * time.Second},
		}},
		{"backoff forgets a quiet key", Backoff{Free: 1, Base: time.Minute, Max: time.Hour, Forget: time.Hour}, []step{
			{act: "fail", want: 0}, {act: "fail", want: time.Minute}, {act: "fail", want: 2 * time.Minute},
			{advance: time.Hour + time.Second, want: 0},
			{act: "fail", want: 0}, // counting starts over
			{act: "fail", want: time.Minute},
		}},
		{"a success forgets", Backoff{Base: time.Minute, Max: time.Minute}, []step{
			{act: "fail", want: time.Minute}, {act: "forget", want: 0}, {want: 0},
		}},
		{"lockout after max failures, lifted after the lockout", Lockout{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute}, []step{
			{act: "fail", want: 0}, {act: "fail", want: 0},
			{act: "fail", want: 10 * time.Minute},
			{advance: 9 * time.Minute, want: time.Minute},
			{advance: 2 * time.Minute, want: 0},
			// The lock refilled the bucket: two more free failures.
			{act: "fail", want: 0}, {act: "fail", want: 0}, {act: "fail", want: 10 * time.Minute},
		}},
		{"lockout forgets failures spread over the window", Lockout{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute}, []step{
			{act: "fail", want: 0}, {act: "fail", want: 0},
			{advance: 2 * time.Minute, act: "fail", want: 0},
		}},
		{"lockout defaults: 5 failures lock for 15 minutes", Lockout{}, []step{
			{act: "fail"}, {act: "fail"}, {act: "fail"}, {act: "fail", want: 0},
			{act: "fail", want: 15 * time.Minute},
		}},
		{"lockout of one failure", Lockout{MaxFailures: 1, Lockout: time.Minute}, []step{
			{act: "fail", want: time.Minute}, {advance: time.Minute, want: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Unix(1_700_000_000, 0)}
			k := New(tt.policy, c.now)
			for i, s := range tt.steps {
				c.t = c.t.Add(s.advance)
				switch s.act {
				case "fail":
					if got := k.Fail("k"); got != s.want {
						t.Fatalf("step %d: Fail = %v, want %v", i, got, s.want)
					}
				case "forget":
					k.Forget("k")
				}
				if got := k.Wait("k"); got != s.want {
					t.Fatalf("step %d: Wait = %v, want %v", i, got, s.want)
				}
			}
			if got := k.Wait("other"); got != 0 {
				t.Fatalf("another key waits %v", got)
			}
		})
	}
}

// A spray of keys does not grow the limiter without bound: idle keys are
// dropped once it holds many.
func TestKeyedSweepsIdleKeys(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	k := New(Backoff{Free: 1, Base: time.Second, Max: time.Second, Forget: time.Minute}, c.now)
	for i := range sweepAt {
		k.Fail(strconv.Itoa(i))
	}
	c.t = c.t.Add(time.Minute + time.Second)
	k.Fail("locked") // one key too many: the idle ones are dropped
	k.Fail("locked")
	k.Fail("new")
	if n := len(k.keys); n != 2 {
		t.Fatalf("%d keys after the sweep, want 2", n)
	}
	if w := k.Wait("locked"); w != time.Second {
		t.Fatalf("locked key waits %v, want 1s", w)
	}
}

func TestChargeLockout(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	k := New(Lockout{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute}, func() time.Time { return now })
	// Refunded attempts (successes) never lock, however close together,
	// and later refunds apply too.
	for range 10 {
		c := k.Charge("a")
		if c.Refused != 0 || c.Locked != 0 {
			t.Fatalf("refunded attempts: %+v", c)
		}
		now = now.Add(time.Millisecond)
		c.Refund()
	}
	// Three charged attempts go ahead, the third locks; the fourth is refused.
	for i := range 3 {
		c := k.Charge("a")
		if c.Refused != 0 {
			t.Fatalf("attempt %d refused", i)
		}
		if got, want := c.Locked != 0, i == 2; got != want {
			t.Fatalf("attempt %d locked = %v", i, got)
		}
		if i == 2 {
			c.Refund() // a lock, once tripped, stays
		}
	}
	if c := k.Charge("a"); c.Refused != 10*time.Minute {
		t.Fatalf("after lock: %+v", c)
	}
	if w := k.Wait("a"); w != 10*time.Minute {
		t.Fatalf("wait = %v", w)
	}
}

func TestFailAtReplays(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := start.Add(2 * time.Second)
	k := New(Lockout{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute}, func() time.Time { return now })
	for i := range 3 {
		k.FailAt("a", start.Add(time.Duration(i)*time.Second/2))
	}
	if w := k.Wait("a"); w != 10*time.Minute-2*time.Second+time.Second {
		t.Fatalf("wait after replay = %v", w)
	}
}

func TestChargeClean(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	k := New(Lockout{MaxFailures: 3, Window: time.Minute, Lockout: 10 * time.Minute}, func() time.Time { return now })
	first := k.Charge("a")
	if !first.Clean {
		t.Fatal("first attempt not clean")
	}
	// A second attempt while the first runs (charged, not refunded) is not.
	if c := k.Charge("a"); c.Clean {
		t.Fatal("attempt after a charged one is clean")
	}
	if c := k.Charge("b"); !c.Clean {
		t.Fatal("other key not clean")
	}
}
