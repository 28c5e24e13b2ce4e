package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// KeyFileSize is the size of the server secret in its key file.
const KeyFileSize = 32

// KeyFileName is the key file's name in the data directory by default.
const KeyFileName = "relay.key"

// LoadOrCreateKey reads the server secret from path, creating the file
// (mode 0600, KeyFileSize random bytes) if it does not exist. The secret
// lives outside the database, so a copy of the database alone does not
// reveal one-time codes or second-factor secrets.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, KeyFileSize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("create key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create key file: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKey(path) // created meanwhile by another process
		}
		if err != nil {
			return nil, fmt.Errorf("create key file: %w", err)
		}
		_, err = f.Write(key)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("write key file %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	if err := checkKeyMode(path); err != nil {
		return nil, err
	}
	if len(key) != KeyFileSize {
		return nil, fmt.Errorf("key file %s: %d bytes, want %d", path, len(key), KeyFileSize)
	}
	return key, nil
}

// checkKeyMode refuses a key file that others than its owner may read or
// write: whoever can read it can recover one-time codes and second-factor
// secrets from a copy of the database. (Windows has no such mode bits;
// there the file's ACL is the operator's to set.)
func checkKeyMode(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("key file %s can be read or changed by other users (mode %04o): make it private with chmod 600 %s, and keep it away from copies of the data directory", path, perm, path)
	}
	return nil
}

// Secrets are the keys derived (HKDF-SHA256) from the server secret: one
// for code hashes, one for encrypting TOTP secrets.
type Secrets struct {
	codeKey []byte
	totp    cipher.AEAD
}

// NewSecrets derives the relay's keys from the server secret.
func NewSecrets(secret []byte) (*Secrets, error) {
	if len(secret) < 16 {
		return nil, errors.New("server secret too short")
	}
	codeKey, err := hkdf.Key(sha256.New, secret, nil, "lifeline code hash v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive code key: %w", err)
	}
	totpKey, err := hkdf.Key(sha256.New, secret, nil, "lifeline totp secret v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive totp key: %w", err)
	}
	block, err := aes.NewCipher(totpKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Secrets{codeKey: codeKey, totp: aead}, nil
}

// CodeKey is the HMAC key for one-time code hashes.
func (s *Secrets) CodeKey() []byte { return s.codeKey }

// sealedPrefix marks an encrypted TOTP secret in the database.
const sealedPrefix = "v1:"

// ErrSealed is returned when a stored secret cannot be opened: it was
// sealed with another server secret, or altered.
var ErrSealed = errors.New("stored secret cannot be decrypted with this server key")

// SealTOTP encrypts a TOTP secret of technician techID for storage
// (AES-256-GCM, random nonce, the technician id as additional data so a
// secret cannot be moved to another account). "" stays "".
func (s *Secrets) SealTOTP(techID int64, secret string) string {
	if secret == "" {
		return ""
	}
	nonce := make([]byte, s.totp.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := s.totp.Seal(nonce, nonce, []byte(secret), aad(techID))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out)
}

// OpenTOTP decrypts a stored TOTP secret; "" stays "".
func (s *Secrets) OpenTOTP(techID int64, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	if !IsSealed(stored) {
		return "", ErrSealed
	}
	b, err := base64.RawStdEncoding.DecodeString(stored[len(sealedPrefix):])
	n := s.totp.NonceSize()
	if err != nil || len(b) < n {
		return "", ErrSealed
	}
	plain, err := s.totp.Open(nil, b[:n], b[n:], aad(techID))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}

// IsSealed reports whether a stored TOTP secret is in the encrypted form
// (databases from before the key file hold them in clear).
func IsSealed(stored string) bool { return strings.HasPrefix(stored, sealedPrefix) }

func aad(techID int64) []byte { return []byte("tech:" + strconv.FormatInt(techID, 10)) }

// MAC is HMAC-SHA256 of msg under key.
func MAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
