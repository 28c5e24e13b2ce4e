package helpdesk

import (
	"testing"

	"github.com/lifeline-desk/lifeline/assist"
)

// TestPresenceEvents: the technician's console going away and coming
// back become EventPresence, and nothing else (no state change, no
// screen change for the banner).
func TestPresenceEvents(t *testing.T) {
	d, _ := newDesk(t, "ws://127.0.0.1:1/ws/client") // nothing listens: no relay needed
	for _, p := range []assist.Presence{assist.PresenceAway, assist.PresenceBack} {
		d.onSessionEvent(assist.Event{State: assist.StateControlling, Prev: assist.StateControlling, Technician: "Alex", Presence: p})
		got := waitEvent(t, d, func(ev Event) bool {
			return ev.Kind == EventPresence || ev.Kind == EventScreen || ev.Kind == EventSession
		})
		if got.Kind != EventPresence || got.Presence != p || got.Technician != "Alex" {
			t.Errorf("%v became %+v", p, got)
		}
	}
}
