package helpdesk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// waitFeedback polls the relay's store for guideID's feedback.
func waitFeedback(t *testing.T, r *relaytest.Relay, guideID string, n int) []store.GuideFeedback {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := r.Store.GuideFeedbackFor(context.Background(), guideID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay has %d feedback for %s, want %d", len(got), guideID, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFeedbackReachesTheRelay: sent while connected, the relay stores it
// with the guide, step, comment, OS and app version, and the outbox is
// empty.
func TestFeedbackReachesTheRelay(t *testing.T) {
	r := relaytest.Start(t)
	d, _ := newDesk(t, r.URL)
	waitEvent(t, d, online)
	if err := d.SendFeedback(context.Background(), Feedback{GuideID: "printer-offline", StepID: "power-on", Comment: "  The button is on the back, not the front.  "}); err != nil {
		t.Fatal(err)
	}
	got := waitFeedback(t, r, "printer-offline", 1)[0]
	if got.StepID != "power-on" || got.Comment != "The button is on the back, not the front." || got.AppVersion != "test" || !strings.Contains(got.OS, "/") {
		t.Errorf("the relay has %+v", got)
	}
	waitFor(t, "an empty feedback outbox", func() bool { return len(d.feedback.list()) == 0 })
}

// TestFeedbackSurvivesOfflineAndRestart: relay down → feedback → quit →
// relay up → start again on the same folder → delivered exactly once.
func TestFeedbackSurvivesOfflineAndRestart(t *testing.T) {
	r := relaytest.Start(t)
	r.Stop()
	dir, st := t.TempDir(), &memStore{}
	d := newDeskOn(t, r.URL, dir, st, nil)
	waitEvent(t, d, offline)
	if err := d.SendFeedback(context.Background(), Feedback{GuideID: "wifi-not-connecting", StepID: "forget-network", Comment: strings.Repeat("é", 800)}); err != nil {
		t.Fatalf("SendFeedback offline = %v, want it kept", err)
	}
	d.Close()
	if files, _ := filepath.Glob(filepath.Join(dir, "feedback", "*.json")); len(files) != 1 {
		t.Fatalf("feedback outbox holds %v", files)
	}

	r.Restart()
	d = newDeskOn(t, r.URL, dir, st, nil)
	got := waitFeedback(t, r, "wifi-not-connecting", 1)
	if len(got[0].Comment) > 1000 || !strings.HasPrefix(got[0].Comment, "éé") {
		t.Errorf("comment of %d bytes arrived: %.20q", len(got[0].Comment), got[0].Comment)
	}
	waitFor(t, "an empty feedback outbox", func() bool { return len(d.feedback.list()) == 0 })
	time.Sleep(200 * time.Millisecond)
	if again := waitFeedback(t, r, "wifi-not-connecting", 1); len(again) != 1 {
		t.Errorf("delivered %d times", len(again))
	}
}

// TestFeedbackRefused: a guide the relay does not know is refused; the
// entry is moved aside rather than sent for ever, and no help request
// flow is disturbed.
func TestFeedbackRefused(t *testing.T) {
	r := relaytest.Start(t)
	dir := t.TempDir()
	d := newDeskOn(t, r.URL, dir, &memStore{}, nil)
	waitEvent(t, d, online)
	if err := d.SendFeedback(context.Background(), Feedback{GuideID: "no-such-guide", Comment: "?"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refused feedback moved aside", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "feedback", "*"+corruptExt))
		return len(m) == 1
	})
	if err := d.SendFeedback(context.Background(), Feedback{StepID: "x"}); !errors.Is(err, plainerr.ErrInvalidRequest) {
		t.Errorf("invalid feedback: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "feedback")); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
