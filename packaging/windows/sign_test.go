package windows_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// TestSigning signs copies of the built exe and MSI the way `make windows`
// does when SIGN_CERT/SIGN_KEY are set (packaging/windows/sign.sh), with a
// throw-away code-signing certificate made here, and checks each signature
// with osslsigncode against that certificate: the signed files verify, the
// unsigned and a tampered one do not, the signed exe still runs under Wine,
// and without a certificate sign.sh leaves the file as it was.
func TestSigning(t *testing.T) {
	exe := windowsExe(t)
	openssl := testenv.LookPath(t, "openssl", "openssl")
	ossl := testenv.LookPath(t, "osslsigncode", "osslsigncode")
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	mk := exec.Command(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
		"-keyout", key, "-out", cert, "-subj", "/CN=Lifeline test signing",
		"-addext", "extendedKeyUsage=codeSigning", "-addext", "keyUsage=digitalSignature")
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make a test certificate: %v\n%s", err, out)
	}
	sign := func(file string, env ...string) {
		t.Helper()
		c := exec.Command(filepath.Join(repo, "packaging", "windows", "sign.sh"), file)
		c.Env = append(os.Environ(), env...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("sign.sh %s: %v\n%s", filepath.Base(file), err, out)
		}
	}
	verify := func(file string) (bool, string) {
		out, err := exec.Command(ossl, "verify", "-CAfile", cert, "-in", file).CombinedOutput()
		return err == nil && strings.Contains(string(out), "Signature verification: ok"), string(out)
	}
	copyTo := func(src, name string) string {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	withCert := []string{"SIGN_CERT=" + cert, "SIGN_KEY=" + key}

	// Without a certificate: untouched.
	plain := copyTo(exe, "plain.exe")
	before, _ := os.ReadFile(plain)
	sign(plain, "SIGN_CERT=", "SIGN_KEY=")
	if after, _ := os.ReadFile(plain); !bytes.Equal(before, after) {
		t.Error("sign.sh changed the file without a certificate")
	}
	if ok, _ := verify(plain); ok {
		t.Error("an unsigned exe verified")
	}

	signed := copyTo(exe, "lifeline.exe")
	sign(signed, withCert...)
	if ok, out := verify(signed); !ok {
		t.Fatalf("the signed exe does not verify:\n%s", out)
	}
	msis, _ := filepath.Glob(filepath.Join(repo, "dist", "lifeline-*-windows-amd64.msi"))
	if len(msis) == 0 {
		t.Fatal("no MSI in dist/: build it with `make windows`")
	}
	msi := copyTo(msis[0], "lifeline.msi")
	sign(msi, withCert...)
	if ok, out := verify(msi); !ok {
		t.Fatalf("the signed MSI does not verify:\n%s", out)
	}

	// One byte changed in the middle of the code: the signature no longer holds.
	b, _ := os.ReadFile(signed)
	b[len(b)/2] ^= 0xff
	tampered := filepath.Join(dir, "tampered.exe")
	if err := os.WriteFile(tampered, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if ok, _ := verify(tampered); ok {
		t.Error("a tampered exe still verified")
	}

	// The signature does not stop the exe from starting.
	display := xtest.Start(t, 1024, 768)
	r := winetest.Shared(t).Run(t, display, "", time.Minute, signed, "version")
	if r.ExitCode != 0 || !strings.HasPrefix(string(r.Stdout), "lifeline ") {
		t.Fatalf("the signed lifeline.exe version: exit %d: %s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}
