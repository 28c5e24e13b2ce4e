package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// feedbackDir is the feedback outbox, inside Config.OutboxDir.
const feedbackDir = "feedback"

// Feedback is what a person wrote with "Something wrong with this step?".
type Feedback struct {
	GuideID, StepID, Comment string
}

// SendFeedback keeps f in the feedback outbox and sends it (guide.feedback)
// as soon as the relay is connected: now, or on the next connection, also
// after a restart. It returns once f is saved; an error means it could not
// be (plainerr phrases it). A comment longer than the relay takes is cut.
func (d *Desk) SendFeedback(_ context.Context, f Feedback) error {
	gf := protocol.GuideFeedback{GuideID: f.GuideID, StepID: f.StepID,
		Comment: truncate(strings.TrimSpace(f.Comment), protocol.MaxFeedbackComment), OS: osInfo(), AppVersion: d.cfg.AppVersion}
	if err := gf.Validate(); err != nil {
		return fmt.Errorf("%w: %w", plainerr.ErrInvalidRequest, err)
	}
	if _, err := d.feedback.keep(outboxEntry{SavedAt: time.Now().UTC(), Feedback: &gf}, newKey(), time.Now()); err != nil {
		return fmt.Errorf("save guide feedback: %w", err)
	}
	d.kickFlush()
	return nil
}

// flushFeedback sends the kept feedback, oldest first, while the
// connection is up. It reports whether to try again soon.
func (d *Desk) flushFeedback() (again bool) {
	rc := d.client()
	if rc == nil {
		return false
	}
	for _, e := range d.feedback.list() {
		ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
		err := rc.SendGuideFeedback(ctx, *e.Feedback)
		cancel()
		switch {
		case err == nil:
			d.feedback.remove(e)
		case d.ctx.Err() != nil:
			return false
		case isConnectionErr(err), errors.Is(err, context.DeadlineExceeded):
			d.log.Info("guide feedback not delivered yet", "err", err)
			return true
		default:
			// Refused (a guide the relay no longer has, say): kept aside,
			// never sent again.
			d.feedback.moveAside(e.file, "refused by the relay", err)
		}
	}
	return false
}

// truncate cuts s to at most n bytes on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
