package server_test

import (
	"net/http"
	"testing"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// TestInsightsFollowupsAndRecurring: two requests from one computer, both
// resolved and followed up — one still fixed (rated 5), one not (rated 2,
// reopened) — show on the Insights page as satisfaction 3.5, reopen rate
// 0.5 and one repeat request.
func TestInsightsFollowupsAndRecurring(t *testing.T) {
	r, tc := startFollowupRelay(t)
	first := resolveRequest(t, r, tc, "printer says offline")
	second := resolveRequest(t, r, tc, "printer offline again") // the same install id: recurring
	r.clock.Advance(2 * followupDelay)
	for _, x := range []struct {
		res     resolved
		working bool
		rating  int
	}{{first, true, 5}, {second, false, 2}} {
		x.res.cl.Next(protocol.TypeFollowupOffer)
		x.res.cl.SendMessage(protocol.TypeFollowupAnswer, "a", "", &protocol.FollowupAnswer{RequestID: x.res.id, Working: x.working, Rating: x.rating})
		x.res.cl.Next(protocol.TypeAck)
	}

	var page struct {
		Followups []store.FollowupStats  `json:"followups"`
		Recurring []store.RecurringGroup `json:"recurring"`
	}
	for _, p := range []string{"followups", "recurring"} {
		if st := tc.do("GET", "/api/insights/"+p, nil, &page); st != http.StatusOK {
			t.Fatalf("GET /api/insights/%s: %d", p, st)
		}
	}
	check(t, "followups", page.Followups, []store.FollowupStats{{Sessions: 2, Offered: 2, Answered: 2, Working: 1, NotWorking: 1, Rated: 2,
		MeanRating: f64(3.5), ReopenRate: f64(0.5)}})
	check(t, "recurring", page.Recurring, []store.RecurringGroup{{GuideID: "printer-offline", Requests: 1, Askers: 1}})

	st, body := tc.Do("GET", "/api/insights/followups?format=csv", nil, nil)
	if want := "sessions,offered,answered,working,not_working,rated,mean_rating,reopen_rate\n2,2,2,1,1,2,3.5,0.5\n"; st != http.StatusOK || string(body) != want {
		t.Errorf("followups CSV %d:\n%s", st, body)
	}
	if st := r.anonymous().do("GET", "/api/insights/followups", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("followups without login: %d", st)
	}
}
