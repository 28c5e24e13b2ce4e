package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/orgconfig"
	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

func TestAssistUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no flags", nil},
		{"no relay", []string{"--code", "123456789"}},
		{"both", []string{"--relay", "http://x", "--code", "1", "--request", "help"}},
		{"neither", []string{"--relay", "http://x"}},
		{"bad scheme", []string{"--relay", "ftp://x", "--code", "1"}},
		{"extra arg", []string{"--relay", "http://x", "--code", "1", "more"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LIFELINE_RELAY", "")
			err := cmdAssist(context.Background(), tt.args, orgconfig.Config{}, strings.NewReader(""), io.Discard, io.Discard)
			if !errors.Is(err, ErrUsage) {
				t.Errorf("cmdAssist(%q) = %v, want ErrUsage", tt.args, err)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", text, s.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAssistCommandWithRelay runs `lifeline assist --code` against an
// in-process relay and a real Xvfb display (for the injector), answering
// on "stdin": the terminal's questions, the `r` command and Ctrl+C (a
// cancelled context), each reaching the technician. Video and input over
// WebRTC are the journey's (app/internal/ui) and assist's to prove; here
// the candidates the technician receives show that --ice-interfaces lo
// reached the peer connection.
func TestAssistCommandWithRelay(t *testing.T) {
	testenv.LookPath(t, "Xvfb", "xvfb")
	t.Setenv("DISPLAY", xtest.Start(t, 320, 240))
	r := relaytest.Start(t)
	tech := r.Login(t)
	code := tech.CreateCode()

	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	var stdout syncBuffer
	runCtx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	done := make(chan error, 1)
	go func() {
		done <- cmdAssist(runCtx, []string{"--relay", r.URL, "--code", code, "--name", "Ana", "--ice-interfaces", "lo"}, orgconfig.Config{}, stdinR, &stdout, io.Discard)
	}()
	tech.Expect(protocol.TypeSessionStart)
	stdout.waitFor(t, "Connected to the help desk.")

	var candidates []string
	collect := func(m protocol.Message) {
		if c, ok := m.Payload.(*protocol.Candidate); ok {
			candidates = append(candidates, c.Candidate)
		}
	}
	tech.Send(protocol.TypeViewRequest, &protocol.Consent{})
	stdout.waitFor(t, relaytest.DisplayName+" wants to see your screen. Allow? [y/N]")
	io.WriteString(stdinW, "y\n")
	tech.ExpectWith(protocol.TypeViewGrant, collect)
	stdout.waitFor(t, relaytest.DisplayName+" can now see your screen.")
	tech.ExpectWith(protocol.TypeOffer, collect)

	tech.Send(protocol.TypeControlRequest, &protocol.Consent{})
	stdout.waitFor(t, relaytest.DisplayName+" wants to control your mouse and keyboard. Allow? [y/N]")
	io.WriteString(stdinW, "y\n")
	tech.ExpectWith(protocol.TypeControlGrant, collect)
	stdout.waitFor(t, relaytest.DisplayName+" now controls your mouse and keyboard.")
	io.WriteString(stdinW, "r\n")
	tech.ExpectWith(protocol.TypeControlRevoke, collect)
	stdout.waitFor(t, "You took back control.")

	interrupt() // Ctrl+C
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cmdAssist = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cmdAssist did not return after Ctrl+C")
	}
	stdout.waitFor(t, "Session ended (you ended it).")
	tech.ExpectWith(protocol.TypeSessionEnd, collect)
	if len(candidates) == 0 {
		t.Fatal("the technician got no ICE candidate")
	}
	for _, c := range candidates {
		if f := strings.Fields(c); len(f) < 5 || (f[4] != "127.0.0.1" && f[4] != "::1") {
			t.Errorf("candidate %q is not on loopback, despite --ice-interfaces lo", c)
		}
	}
}

// TestAssistCommandRequestDeclined puts a request in the queue with
// --request, lets the technician take it, and declines viewing on the
// terminal: nothing is captured, the session stays open until the user
// ends it with q.
func TestAssistCommandRequestDeclined(t *testing.T) {
	t.Setenv("DISPLAY", ":4242") // no X server: capture would fail loudly
	r := relaytest.Start(t)
	tech := r.Login(t)
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cmdAssist(context.Background(), []string{"--relay", r.URL, "--request", "printer says offline", "--name", "Ana"}, orgconfig.Config{}, stdinR, &stdout, io.Discard)
	}()
	stdout.waitFor(t, "Your request was sent. You are number 1 in the queue")
	item := tech.Expect(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
	if item.Description != "printer says offline" || item.Name != "Ana" {
		t.Errorf("queue item = %+v", item)
	}
	if st := tech.Take(item.ID); st != http.StatusOK {
		t.Fatalf("take: status %d", st)
	}
	tech.Expect(protocol.TypeSessionStart)
	stdout.waitFor(t, "Alex (IT) took your request.")
	tech.Send(protocol.TypeViewRequest, &protocol.Consent{})
	stdout.waitFor(t, "Alex (IT) wants to see your screen. Allow? [y/N]")
	io.WriteString(stdinW, "\n") // Enter alone: the default is no
	tech.Expect(protocol.TypeViewDeny)
	stdout.waitFor(t, "Nothing was shared. Alex (IT) can ask again; type q and Enter to end the session.")
	io.WriteString(stdinW, "q\n")
	tech.Expect(protocol.TypeSessionEnd)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cmdAssist = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cmdAssist did not return after the decline")
	}
	stdout.waitFor(t, "Session ended (you ended it).")
	if strings.Contains(stdout.String(), "can now see your screen") {
		t.Errorf("output claims viewing:\n%s", stdout.String())
	}
}

func TestAssistCommandBadCode(t *testing.T) {
	r := relaytest.Start(t)
	var stdout syncBuffer
	err := cmdAssist(context.Background(), []string{"--relay", r.URL, "--code", "123456789"}, orgconfig.Config{}, strings.NewReader(""), &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "code was not accepted") {
		t.Errorf("cmdAssist with a wrong code = %v", err)
	}
}

// TestAssistUsesTheOrganisationsRelay: where the organisation set the help
// desk address, assist needs no --relay and connects there even when
// --relay names another server, saying so.
func TestAssistUsesTheOrganisationsRelay(t *testing.T) {
	r := relaytest.Start(t)
	org := orgconfig.Config{RelayURL: r.URL}
	t.Setenv("LIFELINE_RELAY", "")
	for _, args := range [][]string{
		{"--code", "123456789"},
		{"--relay", "http://127.0.0.1:1", "--code", "123456789"},
	} {
		var stderr syncBuffer
		err := cmdAssist(context.Background(), args, org, strings.NewReader(""), io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), "code was not accepted") {
			t.Errorf("%q: %v, want the organisation's relay to refuse the code", args, err)
		}
		if said := strings.Contains(stderr.String(), "Your organisation has set the help desk address"); said != (len(args) > 2) {
			t.Errorf("%q: stderr %q", args, stderr.String())
		}
	}
}
