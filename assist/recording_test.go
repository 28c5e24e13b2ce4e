package assist

import "testing"

// TestRecordingSaid: session.start saying the session is recorded reaches
// the view question (so the dialog says it before the user allows) and
// every state event after it (so the banner shows it); without it,
// neither says so.
func TestRecordingSaid(t *testing.T) {
	for _, recording := range []bool{true, false} {
		src := newCountingSource(64, 64)
		consent := newScriptedConsenter()
		_, log, toDesk, _, _ := newTestSession(t, Config{Consenter: consent, NewSource: src.factory(), Injector: &countingInjector{}, Clock: newFakeClock()})
		toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex (IT)", Recording: recording}
		toDesk <- Signal{Type: SignalViewRequest}
		c := consent.next(t)
		if c.req.Permission != PermissionView || c.req.Recording != recording {
			t.Errorf("recording=%v: the view question = %+v", recording, c.req)
		}
		if ev := log.waitFor(t, StateWaitingConsent); ev.Recording != recording {
			t.Errorf("recording=%v: waiting event %+v", recording, ev)
		}
		c.answer <- false
	}
}
