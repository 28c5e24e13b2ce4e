// Package codes generates and checks the one-time codes a technician reads
// out to a user, and limits guessing with exponential backoff per address and
// globally.
//
// With the defaults (3 free failures, then 2 s doubling up to 2 h between
// attempts) 24 wrong attempts from one address take about 18 hours, in line
// with TeamViewer's published figure (24 attempts ≈ 17 h).
package codes

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/relay/limit"
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

// Hasher turns codes into their stored form: HMAC-SHA256 under a key
// kept outside the database (the relay's key file), so that a copy of the
// database does not let anyone recover live codes by trying all 10⁹.
type Hasher struct{ key []byte }

// NewHasher returns a Hasher with key (at least 16 bytes).
func NewHasher(key []byte) (Hasher, error) {
	if len(key) < 16 {
		return Hasher{}, errors.New("codes: hash key too short")
	}
	return Hasher{key: append([]byte(nil), key...)}, nil
}

// Hash returns the stored form of a code.
func (h Hasher) Hash(code string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(Normalize(code)))
	return m.Sum(nil)
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

// LimiterConfig configures a Limiter. Zero fields get defaults.
type LimiterConfig struct {
	PerAddress limit.Backoff // default 3 free, 2 s, 2 h, forget after 24 h
	Global     limit.Backoff // default 100 free, 1 s, 10 min, forget after 1 h
	Now        func() time.Time
}

// Limiter limits code attempts per address and, against a distributed
// attack, over all addresses. Safe for concurrent use.
type Limiter struct {
	per *limit.Keyed
	all *limit.Keyed

	perForget, allForget time.Duration
}

// allKey is the one key of the global limiter.
const allKey = ""

func defaults(c, d limit.Backoff) limit.Backoff {
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
	per := defaults(cfg.PerAddress, limit.Backoff{Free: 3, Base: 2 * time.Second, Max: 2 * time.Hour, Forget: 24 * time.Hour})
	global := defaults(cfg.Global, limit.Backoff{Free: 100, Base: time.Second, Max: 10 * time.Minute, Forget: time.Hour})
	return &Limiter{per: limit.New(per, cfg.Now), all: limit.New(global, cfg.Now), perForget: per.Forget, allForget: global.Forget}
}

// Wait returns how long addr must wait before its next attempt (0: now).
func (l *Limiter) Wait(addr string) time.Duration {
	return max(l.all.Wait(allKey), l.per.Wait(addr))
}

// Fail records a failed attempt from addr.
func (l *Limiter) Fail(addr string) {
	l.per.Fail(addr)
	l.all.Fail(allKey)
}

// Succeed forgets the failures of addr (not the global count).
func (l *Limiter) Succeed(addr string) { l.per.Forget(addr) }

// FailAt records a failed attempt from addr made at an earlier time: a
// relay that starts replays the recent failures, so a restart gives
// nobody fresh guesses.
func (l *Limiter) FailAt(addr string, at time.Time) {
	l.per.FailAt(addr, at)
	l.all.FailAt(allKey, at)
}

// Memory is how far back failures still count: the longer of the two
// limiters' forget times.
func (l *Limiter) Memory() time.Duration { return max(l.perForget, l.allForget) }
