package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var cheap = Params{Time: 1, MemoryKiB: 64, Threads: 1}

func TestPassword(t *testing.T) {
	h, err := cheap.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	tests := []struct {
		name, hash, pw string
		want           error
	}{
		{"right", h, "correct horse", nil},
		{"wrong", h, "correct horsE", ErrMismatch},
		{"empty", h, "", ErrMismatch},
	}
	for _, tt := range tests {
		if err := CheckPassword(tt.hash, tt.pw); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	for _, bad := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"} {
		if err := CheckPassword(bad, "x"); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("malformed hash %q: %v", bad, err)
		}
	}
}

func TestTOTP(t *testing.T) {
	secret, url, err := NewTOTP("Lifeline", "alex")
	if err != nil || !strings.HasPrefix(url, "otpauth://totp/Lifeline:alex") {
		t.Fatalf("%q %v", url, err)
	}
	now := time.Unix(1_700_000_000, 0)
	code, _ := TOTPCode(secret, now)
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{{now, true}, {now.Add(30 * time.Second), true}, {now.Add(-30 * time.Second), true}, {now.Add(2 * time.Minute), false}} {
		if got := CheckTOTP(secret, code, tt.at); got != tt.want {
			t.Errorf("at %v: %v, want %v", tt.at.Sub(now), got, tt.want)
		}
	}
	if CheckTOTP(secret, "000000", now) && code != "000000" {
		t.Error("wrong code accepted")
	}
}
