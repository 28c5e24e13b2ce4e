package diag_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

func TestUnknownCheckIsNotAnError(t *testing.T) {
	res := diag.New(diag.Config{}).Check(context.Background(), "no.such.check")
	if res.Status != diag.Unknown {
		t.Errorf("got %+v", res)
	}
	if _, err := diag.New(diag.Config{}).RunFix(context.Background(), "no.such.fix"); err == nil {
		t.Error("unknown fix ran")
	}
}

func TestHTTPSCheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer ok.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer tlsSrv.Close()
	closed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name, url string
		want      diag.Status
	}{
		{"answers", ok.URL, diag.OK},
		{"untrusted certificate", tlsSrv.URL, diag.Warn},
		{"nothing listening", closedURL, diag.Fail},
		{"not configured", "", diag.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := diag.New(diag.Config{HTTPSURL: tt.url, Timeout: 2 * time.Second}).Check(context.Background(), diag.CheckHTTPS)
			if res.Status != tt.want {
				t.Errorf("got %s (%s), want %s", res.Status, res.Detail, tt.want)
			}
			// The person reads what was checked, in plain words; the
			// technician reads the address and whether it was encrypted.
			if res.Title != "Connection to the help desk" || strings.Contains(res.Detail, "127.0.0.1") || strings.Contains(res.Detail, "HTTP") {
				t.Errorf("title %q, detail %q: want plain words", res.Title, res.Detail)
			}
			if plain := strings.Contains(res.Technical, "plain HTTP, not encrypted"); tt.url != "" && plain != strings.HasPrefix(tt.url, "http:") {
				t.Errorf("technical %q for %s", res.Technical, tt.url)
			}
			if tt.url != "" && !strings.Contains(res.Technical, tt.url) {
				t.Errorf("technical %q does not name %s", res.Technical, tt.url)
			}
		})
	}
}

func TestDNSCheckResolvesLocalhost(t *testing.T) {
	res := diag.New(diag.Config{DNSName: "localhost"}).Check(context.Background(), diag.CheckDNS)
	if res.Status != diag.OK {
		t.Errorf("got %+v", res)
	}
}

func TestClockCheck(t *testing.T) {
	tests := []struct {
		name string
		skew time.Duration
		want diag.Status
	}{
		{"in time", 0, diag.OK},
		{"three minutes slow", 3 * time.Minute, diag.Warn},
		{"an hour off", -time.Hour, diag.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Date", time.Now().Add(tt.skew).UTC().Format(http.TimeFormat))
			}))
			defer srv.Close()
			res := diag.New(diag.Config{ClockURL: srv.URL}).Check(context.Background(), diag.CheckClock)
			if res.Status != tt.want {
				t.Errorf("got %s (%s), want %s", res.Status, res.Detail, tt.want)
			}
		})
	}
}

func TestCheckTimeout(t *testing.T) {
	// A server that never answers: the HTTPS check must give up at the
	// timeout and say so, not hang.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	res := diag.New(diag.Config{HTTPSURL: srv.URL, Timeout: 300 * time.Millisecond}).Check(context.Background(), diag.CheckHTTPS)
	if time.Since(start) > 2*time.Second || res.Status == diag.OK {
		t.Errorf("got %+v after %v", res, time.Since(start))
	}
}

func TestFixCleanTemp(t *testing.T) {
	home, tmp := t.TempDir(), t.TempDir()
	write := func(path string, size int, age time.Duration) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		os.Chtimes(path, when, when)
	}
	write(filepath.Join(home, ".local/share/Trash/files/old-report.docx"), 5000, time.Hour)
	write(filepath.Join(home, ".local/share/Trash/info/old-report.docx.trashinfo"), 100, time.Hour)
	write(filepath.Join(tmp, "stale.tmp"), 3000, 48*time.Hour)
	write(filepath.Join(tmp, "in-use.tmp"), 3000, time.Minute)
	keep := filepath.Join(home, "Documents/keep.txt")
	write(keep, 10, 48*time.Hour)

	msg, err := diag.New(diag.Config{Home: home, TempDir: tmp}).RunFix(context.Background(), diag.FixCleanTemp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "Deleted 3 item(s)") {
		t.Errorf("message %q", msg)
	}
	for _, gone := range []string{filepath.Join(home, ".local/share/Trash/files/old-report.docx"), filepath.Join(tmp, "stale.tmp")} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s still exists", gone)
		}
	}
	for _, kept := range []string{filepath.Join(tmp, "in-use.tmp"), keep} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("%s was deleted: %v", kept, err)
		}
	}
	msg, err = diag.New(diag.Config{Home: home, TempDir: tmp}).RunFix(context.Background(), diag.FixCleanTemp)
	if err != nil || !strings.Contains(msg, "already empty") {
		t.Errorf("second run: %q, %v", msg, err)
	}
}
