package relayd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"127.1.2.3:80", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"10.0.0.5:8080", false},
		{"relay.example.org:443", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		if got := IsLoopback(tt.addr); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRefusesPlainHTTPOffLoopback(t *testing.T) {
	err := Run(context.Background(), Options{Listen: ":0", DataDir: t.TempDir()}, quiet())
	if err == nil || !strings.Contains(err.Error(), "refusing plain HTTP") {
		t.Fatalf("err = %v", err)
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// Run end to end: TLS, the demo user, a Secure cookie, embedded TURN
// advertised in the config, and a graceful stop.
func TestRunTLSWithDemoUser(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	var demo bytes.Buffer
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), TLSCert: cert, TLSKey: key, Demo: true,
			TURNListen: "127.0.0.1:0", DemoOut: &demo, Ready: func(a string) { ready <- a }}, quiet())
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("relay did not start")
	}
	pw := regexp.MustCompile(`password "([^"]+)"`).FindStringSubmatch(demo.String())
	if pw == nil {
		t.Fatalf("demo output %q", demo.String())
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": "demo", "password": pw[1]})
	resp, err := hc.Post("https://"+addr+"/api/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure {
		t.Fatalf("login over TLS: %d %+v", resp.StatusCode, resp.Cookies())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "data", "turn-secret")); err != nil || len(b) < 20 {
		t.Fatalf("turn secret not persisted: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("graceful stop timed out")
	}
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := UserAdd(ctx, dir, "alex", "Alex from IT", "long-enough-pw", true); err != nil {
		t.Fatal(err)
	}
	if err := UserAdd(ctx, dir, "bo", "", "short", false); err == nil {
		t.Fatal("short password accepted")
	}
	if err := UserPasswd(ctx, dir, "alex", "another-long-pw"); err != nil {
		t.Fatal(err)
	}
	if err := UserSetDisabled(ctx, dir, "alex", true); err != nil {
		t.Fatal(err)
	}
	if err := UserSetAdmin(ctx, dir, "alex", false); err != nil {
		t.Fatal(err)
	}
	if err := UserSetAdmin(ctx, dir, "alex", true); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := UserList(ctx, dir, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`alex\s+Alex from IT\s+admin\s+disabled`).MatchString(out.String()) {
		t.Fatalf("list:\n%s", out.String())
	}
	if err := UserPasswd(ctx, dir, "nobody", "long-enough-pw"); err == nil {
		t.Fatal("passwd for unknown user succeeded")
	}
	if err := UserAdd(ctx, dir, "kim", "Kim", "long-enough-pw", false); err != nil {
		t.Fatal(err)
	}
	if err := UserSetKnowledgeEditor(ctx, dir, "kim", true); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := UserList(ctx, dir, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`kim\s+Kim\s+knowledge editor\s+active`).MatchString(out.String()) {
		t.Fatalf("list after editor:\n%s", out.String())
	}
	if err := UserSetKnowledgeEditor(ctx, dir, "kim", false); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := UserList(ctx, dir, &out); err != nil || !regexp.MustCompile(`kim\s+Kim\s+technician\s+active`).MatchString(out.String()) {
		t.Fatalf("list after uneditor: %v\n%s", err, out.String())
	}
	if err := UserSetKnowledgeEditor(ctx, dir, "nobody", true); err == nil {
		t.Fatal("editor for unknown user succeeded")
	}
}
