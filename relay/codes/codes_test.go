package codes

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/limit"
)

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := Generate(9)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 9 {
			t.Fatalf("len(%q) = %d, want 9", c, len(c))
		}
		for _, r := range c {
			if r < '0' || r > '9' {
				t.Fatalf("non-digit in %q", c)
			}
		}
		seen[c] = true
	}
	if len(seen) < 999 {
		t.Fatalf("only %d distinct codes of 1000", len(seen))
	}
}

func TestNormalizeFormat(t *testing.T) {
	if got := Normalize(" 123-456 789 "); got != "123456789" {
		t.Fatalf("Normalize = %q", got)
	}
	if got := Format("123456789"); got != "123 456 789" {
		t.Fatalf("Format = %q", got)
	}
}

func TestHasherKeyed(t *testing.T) {
	h, err := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewHasher([]byte("fedcba9876543210fedcba9876543210"))
	if !Equal(h.Hash("123 456 789"), h.Hash("123456789")) || Equal(h.Hash("123456789"), h.Hash("123456780")) {
		t.Fatal("Hash/Equal")
	}
	// Keyed: another key gives another hash, and none is the plain SHA-256
	// a database reader could brute-force.
	if Equal(h.Hash("123456789"), other.Hash("123456789")) {
		t.Fatal("hash does not depend on the key")
	}
	plain := sha256.Sum256([]byte("123456789"))
	if Equal(h.Hash("123456789"), plain[:]) {
		t.Fatal("hash is unkeyed SHA-256")
	}
	if _, err := NewHasher([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestLimiterBackoff(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(LimiterConfig{Now: func() time.Time { return now }})
	// Attempt as fast as allowed from one address: 24 attempts take ~18 h.
	start := now
	for i := range 24 {
		now = now.Add(l.Wait("10.0.0.1"))
		if w := l.Wait("10.0.0.1"); w != 0 {
			t.Fatalf("attempt %d: still waiting %v", i, w)
		}
		l.Fail("10.0.0.1")
	}
	took := now.Sub(start)
	if took < 15*time.Hour || took > 24*time.Hour {
		t.Fatalf("24 attempts took %v, want 15–24 h", took)
	}
	// Other addresses are not slowed by one attacker below the global threshold.
	if w := l.Wait("10.0.0.2"); w != 0 {
		t.Fatalf("other address waits %v", w)
	}
	// Forgotten after a day without failures.
	now = now.Add(25 * time.Hour)
	if w := l.Wait("10.0.0.1"); w != 0 {
		t.Fatalf("after 25 h: wait %v", w)
	}
}

func TestLimiterGlobal(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(LimiterConfig{Now: func() time.Time { return now }, Global: limit.Backoff{Free: 10}})
	for i := range 11 {
		l.Fail(string(rune('a' + i))) // distinct addresses: a distributed attack
	}
	if w := l.Wait("fresh"); w == 0 {
		t.Fatal("global limit did not apply to a fresh address")
	}
}
