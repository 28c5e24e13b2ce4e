// Package auth provides what the relay needs to authenticate technicians:
// argon2id password hashes and a gate that bounds how many run at once
// (HashGate), TOTP second factors, random tokens, and the server secret
// kept in a key file outside the database with the keys derived from it
// (code hashes, TOTP secret encryption).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

const (
	argonKeyLen = 32
	saltLen     = 16
)

// Params are argon2id cost parameters. The parameters are stored in each
// hash, so changing them only affects new hashes.
type Params struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultParams follow RFC 9106's second recommended option with 64 MiB.
var DefaultParams = Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 2}

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("password does not match")

// MinPasswordLen is the shortest password accepted for an account.
const MinPasswordLen = 10

// HashPassword returns an argon2id hash with DefaultParams in PHC string format.
func HashPassword(password string) (string, error) { return DefaultParams.Hash(password) }

// Hash returns an argon2id hash of password in PHC string format. Zero
// parameters fall back to DefaultParams.
func (p Params) Hash(password string) (string, error) {
	if p.Time == 0 || p.MemoryKiB == 0 || p.Threads == 0 {
		p = DefaultParams
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword compares password with a hash from HashPassword in constant time.
func CheckPassword(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("unsupported password hash format")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("unsupported argon2 version")
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return fmt.Errorf("parse argon2 parameters: %w", err)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("parse salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("parse key: %w", err)
	}
	if t == 0 || m == 0 || p == 0 || t > 100 || m > 4<<20 || len(want) == 0 {
		return errors.New("argon2 parameters out of range")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// CheckDummy spends the time of one password check with p, so that a login
// for an unknown user costs the same as a wrong password.
func CheckDummy(p Params, password string) {
	if p.Time == 0 || p.MemoryKiB == 0 || p.Threads == 0 {
		p = DefaultParams
	}
	argon2.IDKey([]byte(password), []byte("lifeline-dummy-salt"), p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
}

// Token returns n random bytes encoded as unpadded base64url.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the SHA-256 of a token, for storage.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
