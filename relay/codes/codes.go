// Package codes generates and checks the one-time codes a technician reads
// out to a user, and limits guessing with exponential backoff per address and
// globally.
//
// With the defaults (3 free failures, then 2 s doubling up to 2 h between
// attempts) 24 wrong attempts from one address take about 18 hours, in line
// with TeamViewer's published figure (24 attempts ≈ 17 h).
package codes

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// Defaults.
const (
	DefaultDigits = 9
	DefaultTTL    = 10 * time.Minute
)

// Generate returns a code of digits decimal digits (at least 9) from crypto/rand.
func Generate(digits int) (string, error) {
	if digits < DefaultDigits {
		digits = DefaultDigits
	}
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	n, err := rand.Int(rand.Reader, max)
	if err != nil {
		return "", fmt.Errorf("generate code: %w", err)
	}
	return fmt.Sprintf("%0*d", digits, n), nil
}

// Normalize strips the spaces, dashes and dots users type between groups.
func Normalize(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '\t':
			return -1
		}
		return r
	}, code)
}

// Hash returns the stored form of a code.
func Hash(code string) []byte {
	h := sha256.Sum256([]byte(Normalize(code)))
	return h[:]
}

// Equal compares two hashes in constant time.
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// Format groups a code in threes for display: "123 456 789".
func Format(code string) string {
	var b strings.Builder
	for i, r := range code {
		if i > 0 && (len(code)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// BackoffConfig configures a Backoff.
type BackoffConfig struct {
	Free   int           // failures allowed without delay
	Base   time.Duration // delay after the first counted failure
	Max    time.Duration // delay cap
	Forget time.Duration // a key with no failure for this long is forgotten
}

// LimiterConfig configures a Limiter. Zero fields get defaults.
type LimiterConfig struct {
	PerAddress BackoffConfig // default 3 free, 2 s, 2 h, forget after 24 h
	Global     BackoffConfig // default 100 free, 1 s, 10 min, forget after 1 h
	Now        func() time.Time
}

// Limiter limits code attempts per address and globally. Safe for concurrent use.
type Limiter struct {
	now    func() time.Time
	per    BackoffConfig
	global BackoffConfig

	mu    sync.Mutex
	addrs map[string]*backoff
	all   backoff
}

type backoff struct {
	failures int
	last     time.Time
}

func (b *backoff) wait(cfg BackoffConfig, now time.Time) time.Duration {
	if b.failures <= cfg.Free || (cfg.Forget > 0 && now.Sub(b.last) > cfg.Forget) {
		return 0
	}
	d := cfg.Base
	for i := cfg.Free + 1; i < b.failures && d < cfg.Max; i++ {
		d *= 2
	}
	d = min(d, cfg.Max)
	if w := b.last.Add(d).Sub(now); w > 0 {
		return w
	}
	return 0
}

func (b *backoff) fail(cfg BackoffConfig, now time.Time) {
	if cfg.Forget > 0 && now.Sub(b.last) > cfg.Forget {
		b.failures = 0
	}
	b.failures++
	b.last = now
}

func defaults(c, d BackoffConfig) BackoffConfig {
	if c.Free <= 0 {
		c.Free = d.Free
	}
	if c.Base <= 0 {
		c.Base = d.Base
	}
	if c.Max <= 0 {
		c.Max = d.Max
	}
	if c.Forget <= 0 {
		c.Forget = d.Forget
	}
	return c
}

// NewLimiter returns a Limiter.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{
		now:    cfg.Now,
		per:    defaults(cfg.PerAddress, BackoffConfig{Free: 3, Base: 2 * time.Second, Max: 2 * time.Hour, Forget: 24 * time.Hour}),
		global: defaults(cfg.Global, BackoffConfig{Free: 100, Base: time.Second, Max: 10 * time.Minute, Forget: time.Hour}),
		addrs:  make(map[string]*backoff),
	}
}

// Wait returns how long addr must wait before its next attempt (0: now).
func (l *Limiter) Wait(addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.all.wait(l.global, now)
	if b := l.addrs[addr]; b != nil {
		w = max(w, b.wait(l.per, now))
	}
	return w
}

// Fail records a failed attempt from addr.
func (l *Limiter) Fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.addrs[addr]
	if b == nil {
		if len(l.addrs) >= 100000 {
			l.gc(now)
		}
		b = &backoff{}
		l.addrs[addr] = b
	}
	b.fail(l.per, now)
	l.all.fail(l.global, now)
}

// Succeed forgets the failures of addr (not the global count).
func (l *Limiter) Succeed(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.addrs, addr)
}

func (l *Limiter) gc(now time.Time) {
	for k, b := range l.addrs {
		if now.Sub(b.last) > l.per.Forget {
			delete(l.addrs, k)
		}
	}
}
