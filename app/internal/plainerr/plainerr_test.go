package plainerr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// generic is the sentence for an error Lifeline cannot name.
var generic = Message(errors.New("something odd"))

func TestEveryErrorCodeHasItsOwnSentence(t *testing.T) {
	fallback := Code("no_such_code", 0)
	for _, c := range protocol.ErrorCodes() {
		got := Code(c, 0)
		if got == fallback || got == "" {
			t.Errorf("Code(%s) = %q: no sentence of its own", c, got)
		}
		if strings.Contains(got, "_") {
			t.Errorf("Code(%s) = %q shows the code", c, got)
		}
	}
}

func TestEveryEndReasonHasItsOwnClause(t *testing.T) {
	fallback := Ending("no_such_reason")
	for _, r := range protocol.EndReasons() {
		if got := Ending(r); got == fallback || got == "" || strings.Contains(got, "_") {
			t.Errorf("Ending(%s) = %q", r, got)
		}
	}
}

func TestRateLimitedSaysHowLongToWait(t *testing.T) {
	for _, tt := range []struct {
		after time.Duration
		want  string
	}{
		{0, "wait a minute"}, {300 * time.Millisecond, "wait 1 second,"}, {1400 * time.Millisecond, "wait 1 second,"},
		{20 * time.Second, "wait 20 seconds"}, {90 * time.Second, "wait 2 minutes"}, {time.Minute, "wait 1 minute,"},
	} {
		err := fmt.Errorf("redeem: %w", &client.Error{Code: protocol.CodeRateLimited, Message: "slow down", RetryAfter: tt.after})
		if got := Message(err); !strings.Contains(got, tt.want) {
			t.Errorf("retry after %v: %q, want it to say %q", tt.after, got, tt.want)
		}
	}
}

// TestLocalFailures: each failure Lifeline can name gets its sentence,
// through any wrapping, and none shows the error's own text.
func TestLocalFailures(t *testing.T) {
	refused := dialRefused(t)
	tlsErr := dialBadCertificate(t)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"relay error", fmt.Errorf("submit: %w", &client.Error{Code: protocol.CodeNotAllowed, Message: "raw relay text"}), "did not allow"},
		{"offline", ErrOffline, "can't be reached"},
		{"not connected", fmt.Errorf("chat: %w", client.ErrNotConnected), "can't be reached"},
		{"client closed", client.ErrClosed, "can't be reached"},
		{"connection refused", refused, "can't be reached"},
		{"ECONNREFUSED", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "can't be reached"},
		{"unknown host", &net.DNSError{Err: "no such host", Name: "help.example.invalid", IsNotFound: true}, "address could not be found"},
		{"certificate", tlsErr, "certificate"},
		{"unknown authority", fmt.Errorf("dial: %w", x509.UnknownAuthorityError{}), "certificate"},
		{"plain HTTP on a TLS port", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, "certificate"},
		{"timeout", fmt.Errorf("dial: %w", context.DeadlineExceeded), "too long"},
		{"expired question", ErrExpired, "has expired"},
		{"request too long", fmt.Errorf("%w: %w", ErrInvalidRequest, errors.New("description: over 4000 bytes")), "too long to send"},
		{"encoder", fmt.Errorf("%w: %w", ErrLiveHelp, errors.New("register VP8: codec not found")), "cannot start on this computer"},
		{"capture", fmt.Errorf("%w: %w", ErrCapture, errors.New("connect to X display :0: refused")), "capture this computer's screen"},
		{"input", fmt.Errorf("%w: %w", ErrInput, errors.New("select X display: no XTest")), "cannot control the mouse"},
		{"no session", client.ErrNoSession, "no live session"},
		{"cancelled", context.Canceled, "stopped"},
		{"unknown", errors.New("register VP8: raw text"), "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Message(tt.err)
			if !strings.Contains(got, tt.want) {
				t.Errorf("Message(%v) = %q, want it to say %q", tt.err, got, tt.want)
			}
			if tt.want != "Something went wrong" && got == generic {
				t.Errorf("Message(%v) is the generic sentence", tt.err)
			}
			for _, raw := range []string{"raw", "VP8", "X display", "bytes", "refused", "relay:", "dial", "tls:", "x509"} {
				if strings.Contains(got, raw) {
					t.Errorf("Message(%v) = %q shows %q", tt.err, got, raw)
				}
			}
		})
	}
}

func TestErrorKeepsTheChain(t *testing.T) {
	cause := fmt.Errorf("%w: %w", ErrLiveHelp, errors.New("register VP8: x"))
	err := Error(cause)
	if !errors.Is(err, ErrLiveHelp) || err.Error() != Message(cause) {
		t.Errorf("Error(cause) = %q, errors.Is ErrLiveHelp = %v", err, errors.Is(err, ErrLiveHelp))
	}
	if again := Message(fmt.Errorf("later: %w", err)); again != err.Error() {
		t.Errorf("a phrased error phrased again: %q", again)
	}
	if Error(nil) != nil || Message(nil) != "" {
		t.Error("nil is not nil")
	}
}

// dialRefused is a real "connection refused" from a closed loopback port.
func dialRefused(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		t.Skip("the closed port accepted a connection")
	}
	return fmt.Errorf("connect to relay: %w", err)
}

// dialBadCertificate is a real handshake error against a self-signed
// loopback server.
func dialBadCertificate(t *testing.T) error {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, err := http.Get(srv.URL)
	if err == nil {
		t.Fatal("the self-signed certificate was accepted")
	}
	return err
}
