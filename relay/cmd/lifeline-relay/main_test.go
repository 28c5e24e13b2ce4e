package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/lifeline-desk/lifeline/relay/server"
)

func TestParseFlagsAndEnv(t *testing.T) {
	t.Setenv("LIFELINE_DATA", "/from/env")
	t.Setenv("LIFELINE_LISTEN", "127.0.0.1:1")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	data := fs.String("data", "default", "")
	listen := fs.String("listen", "default", "")
	admin := fs.Bool("admin", false, "")
	pos, err := parse(fs, []string{"alex", "--admin", "--listen", "127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pos) != 1 || pos[0] != "alex" || !*admin {
		t.Fatalf("pos %v admin %v", pos, *admin)
	}
	if *listen != "127.0.0.1:2" {
		t.Fatalf("flag must win over env: %q", *listen)
	}
	if *data != "/from/env" {
		t.Fatalf("env not applied: %q", *data)
	}
}

func TestReadPasswordFromPipe(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(f, []byte("s3cret-password\n"), 0o600)
	in, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	pw, err := readPassword(in, os.Stderr)
	if err != nil || pw != "s3cret-password" {
		t.Fatalf("got %q %v", pw, err)
	}
}

func TestServeOptions(t *testing.T) {
	t.Setenv("LIFELINE_METRICS_TOKEN", "tok-from-env")
	t.Setenv("LIFELINE_PUBLIC_URL", "https://help.example.org")
	o, _, err := serveOptions([]string{"--retention-transcripts", "0", "--retention-waiting", "48h", "--trusted-proxy", "10.0.0.5,192.168.0.0/16", "--trust-proxy"})
	if err != nil {
		t.Fatal(err)
	}
	if o.MetricsToken != "tok-from-env" || o.PublicURL != "https://help.example.org" || o.MetricsListen != "127.0.0.1:9464" {
		t.Errorf("metrics/public URL options %+v", o)
	}
	if o.Retention.Transcripts >= 0 || o.Retention.Waiting != 48*time.Hour || o.Retention.Sessions != server.DefaultSessionRetention {
		t.Errorf("retention %+v: want transcripts forever (negative), waiting 48h, sessions the default", o.Retention)
	}
	if o.Recording.Enabled || o.Recording.MaxChunk != server.DefaultRecordingMaxChunk || o.Retention.Recordings != server.DefaultRecordingRetention {
		t.Errorf("recording %+v, kept %s: want off, the default caps and retention", o.Recording, o.Retention.Recordings)
	}
	t.Setenv("LIFELINE_RECORD_SESSIONS", "true")
	if o, _, err := serveOptions([]string{"--retention-recordings", "2160h", "--recording-max-session-mib", "512"}); err != nil ||
		!o.Recording.Enabled || o.Retention.Recordings != 90*24*time.Hour || o.Recording.MaxSession != 512<<20 {
		t.Errorf("recording options %+v, kept %s, %v", o.Recording, o.Retention.Recordings, err)
	}
	os.Unsetenv("LIFELINE_RECORD_SESSIONS")
	if !o.TrustProxy || len(o.TrustedProxies) != 2 {
		t.Errorf("proxies %v %v", o.TrustProxy, o.TrustedProxies)
	}
	t.Setenv("LIFELINE_MAX_WAITING_PER_ADDRESS", "12")
	o, _, err = serveOptions([]string{"--key-file", "/etc/lifeline/relay.key", "--max-waiting", "-1", "--submit-interval", "-1s",
		"--outcome-interval", "2s", "--client-conns-per-address", "64", "--message-rate", "5"})
	if err != nil {
		t.Fatal(err)
	}
	want := server.SocketLimits{ClientConnsPerAddr: 64, TechConnsPerAddr: 16, MessageRate: 5, MessageBurst: 100,
		SubmitRate: rate.Inf, SubmitBurst: 20, OutcomeRate: rate.Every(2 * time.Second), OutcomeBurst: 30, MaxWaiting: -1, MaxWaitingPerAddr: 12}
	if o.Sockets != want || o.KeyFile != "/etc/lifeline/relay.key" {
		t.Errorf("socket limits %+v, key file %q\nwant %+v", o.Sockets, o.KeyFile, want)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o600)
	if _, _, err := serveOptions([]string{"--metrics-token-file", empty}); err == nil {
		t.Error("an empty metrics token file was accepted")
	}
}
