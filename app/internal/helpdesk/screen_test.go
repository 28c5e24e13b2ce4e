package helpdesk

import (
	"testing"

	"github.com/lifeline-desk/lifeline/assist"
)

// TestScreenEvents: the session's events that only say which display the
// technician sees become EventScreen, with the state kept, for the
// banner; a change of state stays an EventSession and carries the
// display too.
func TestScreenEvents(t *testing.T) {
	d, _ := newDesk(t, "ws://127.0.0.1:1/ws/client") // nothing listens: no relay needed
	for _, tt := range []struct {
		in   assist.Event
		want Event
	}{
		{assist.Event{State: assist.StateViewing, Prev: assist.StateViewing, Technician: "Alex", Shown: 1, Displays: 2},
			Event{Kind: EventScreen, Session: SessionViewing, Technician: "Alex", Shown: 1, Displays: 2}},
		{assist.Event{State: assist.StateControlling, Prev: assist.StateControlling, Technician: "Alex", Shown: assist.AllDisplays, Displays: 2},
			Event{Kind: EventScreen, Session: SessionControlling, Technician: "Alex", Shown: AllScreens, Displays: 2}},
		{assist.Event{State: assist.StateControlling, Prev: assist.StateViewing, Technician: "Alex", Shown: 1, Displays: 2},
			Event{Kind: EventSession, Session: SessionControlling, Technician: "Alex", Shown: 1, Displays: 2}},
	} {
		d.onSessionEvent(tt.in)
		got := waitEvent(t, d, func(ev Event) bool { return ev.Kind == EventScreen || ev.Kind == EventSession })
		if got.Kind != tt.want.Kind || got.Session != tt.want.Session || got.Technician != tt.want.Technician || got.Shown != tt.want.Shown || got.Displays != tt.want.Displays {
			t.Errorf("%+v became %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
