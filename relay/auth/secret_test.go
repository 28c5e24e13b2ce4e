package auth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", KeyFileName)
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || len(k1) != KeyFileSize {
		t.Fatalf("key file %v %v, %d bytes", fi.Mode(), err, len(k1))
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: %v, same key %v", err, bytes.Equal(k1, k2))
	}
	for _, mode := range []os.FileMode{0o644, 0o604, 0o660} {
		os.Chmod(path, mode)
		if _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("key file mode %04o: %v, want a refusal", mode, err)
		}
	}
	os.Chmod(path, 0o400) // read-only for its owner is fine
	if _, err := LoadOrCreateKey(path); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := LoadOrCreateKey(path); err == nil {
		t.Fatal("a truncated key file was accepted")
	}
}

func TestSealTOTP(t *testing.T) {
	s1, _ := NewSecrets(bytes.Repeat([]byte{1}, 32))
	s2, _ := NewSecrets(bytes.Repeat([]byte{2}, 32))
	sealed := s1.SealTOTP(7, "JBSWY3DPEHPK3PXP")
	altered := []byte(sealed)
	altered[len(altered)/2] ^= 1 // another base64 letter: a flipped bit
	if !IsSealed(sealed) || bytes.Contains([]byte(sealed), []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatalf("sealed = %q", sealed)
	}
	if got, err := s1.OpenTOTP(7, sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open = %q, %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"another account": func() (string, error) { return s1.OpenTOTP(8, sealed) },
		"another key":     func() (string, error) { return s2.OpenTOTP(7, sealed) },
		"in clear":        func() (string, error) { return s1.OpenTOTP(7, "JBSWY3DPEHPK3PXP") },
		"altered":         func() (string, error) { return s1.OpenTOTP(7, string(altered)) },
	} {
		if _, err := open(); !errors.Is(err, ErrSealed) {
			t.Errorf("%s: %v, want ErrSealed", name, err)
		}
	}
	if s1.SealTOTP(7, "") != "" {
		t.Error("empty secret sealed")
	}
	if bytes.Equal(s1.CodeKey(), s2.CodeKey()) {
		t.Error("code key does not depend on the secret")
	}
}
