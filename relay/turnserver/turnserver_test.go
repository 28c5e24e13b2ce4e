package turnserver

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v2"
)

func TestCheckCredentials(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_700_000_000, 0)
	user, pass := Credentials(secret, "sess1", time.Hour, now)
	if want := "1700003600:sess1"; user != want {
		t.Fatalf("username = %q, want %q", user, want)
	}
	tests := []struct {
		name       string
		user, pass string
		at         time.Time
		wantErr    bool
	}{
		{"valid", user, pass, now, false},
		{"valid at expiry", user, pass, now.Add(time.Hour), false},
		{"expired", user, pass, now.Add(time.Hour + time.Second), true},
		{"wrong password", user, pass + "x", now, true},
		{"other secret", user, sign([]byte("other"), user), now, true},
		{"tampered session", "1700003600:sess2", pass, now, true},
		{"no expiry", "sess1", pass, now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess, err := CheckCredentials(secret, tt.user, tt.pass, tt.at)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && sess != "sess1" {
				t.Fatalf("session = %q", sess)
			}
		})
	}
}

// coturn documents: password = base64(hmac-sha1(secret, username)).
func TestCoturnCompatible(t *testing.T) {
	// Fixed vector computed with: printf '1700003600:sess1' | openssl dgst -sha1 -hmac s3cret -binary | base64
	if got, want := sign([]byte("s3cret"), "1700003600:sess1"), "/ldqvhPvKG463hjbl59wiPZPJhI="; got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

func newTestServer(t testing.TB) *Server {
	t.Helper()
	s, err := New(Config{Listen: "127.0.0.1:0", Secret: []byte("s3cret"), AllowLoopbackPeers: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newClient(t testing.TB, s *Server, user, pass string) *turn.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: s.Addr().String(), STUNServerAddr: s.Addr().String(),
		Username: user, Password: pass, Realm: "lifeline", Conn: conn,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAllocation(t *testing.T) {
	s := newTestServer(t)
	t.Run("bad credentials refused", func(t *testing.T) {
		user, _ := Credentials([]byte("s3cret"), "sess", time.Hour, time.Now())
		c := newClient(t, s, user, "wrong")
		if _, err := c.Allocate(); err == nil {
			t.Fatal("Allocate with a wrong password succeeded")
		}
		expUser, expPass := Credentials([]byte("s3cret"), "sess", -time.Minute, time.Now())
		c2 := newClient(t, s, expUser, expPass)
		if _, err := c2.Allocate(); err == nil {
			t.Fatal("Allocate with expired credentials succeeded")
		}
	})
	t.Run("relays data", func(t *testing.T) {
		user, pass := Credentials([]byte("s3cret"), "sess", time.Hour, time.Now())
		c := newClient(t, s, user, pass)
		relay, err := c.Allocate()
		if err != nil {
			t.Fatalf("Allocate: %v", err)
		}
		defer relay.Close()
		peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer peer.Close()
		// Peer → relay address → client.
		msg := []byte("hello through TURN")
		// A permission is needed before the peer can send: write from the client first.
		if _, err := relay.WriteTo([]byte("ping"), peer.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1500)
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := peer.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "ping" {
			t.Fatalf("peer read %q %v", buf[:n], err)
		}
		if _, err := peer.WriteTo(msg, from); err != nil {
			t.Fatal(err)
		}
		relay.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err = relay.ReadFrom(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("client read %q %v", buf[:n], err)
		}
		// The counters are updated by the relay's goroutines after the
		// datagram is handed on, so give them a moment.
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if s.Stats.Allocations.Load() >= 1 && s.Stats.BytesIn.Load() > 0 && s.Stats.BytesOut.Load() > 0 {
				break
			}
		}
		if s.Stats.Allocations.Load() < 1 || s.Stats.BytesIn.Load() == 0 || s.Stats.BytesOut.Load() == 0 {
			t.Fatalf("stats not counted: allocations %d in %d out %d", s.Stats.Allocations.Load(), s.Stats.BytesIn.Load(), s.Stats.BytesOut.Load())
		}
	})
}
