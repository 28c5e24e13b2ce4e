package server

// Insight events from desktops (insight.events, and outcome.report from
// older desktops) and the welcome that tells desktops what to send.

import (
	"context"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Insights are the organisation's choices about insight events.
type Insights struct {
	// NoSearchText switches search-text reporting off (the setting
	// insights.search_text, default on): desktops are told to omit what
	// people typed, and the relay drops any query it still gets.
	NoSearchText bool
}

// clockSkew is how far an event's desktop time may be from the relay's.
const clockSkew = 24 * time.Hour

// welcome is the first message of every desktop connection.
func (s *Server) welcome() []byte {
	return s.encode(protocol.TypeWelcome, "", "", &protocol.Welcome{
		Insights: &protocol.InsightSettings{SearchText: !s.cfg.Insights.NoSearchText}})
}

// storeInsights stores evs (clamped, query dropped when search text is
// off) and acks, or answers error internal.
func (s *Server) storeInsights(ctx context.Context, c *clientConn, id string, evs []protocol.InsightEvent) {
	now := s.now()
	for i := range evs {
		e := &evs[i]
		if e.At.Before(now.Add(-clockSkew)) {
			e.At = now.Add(-clockSkew)
		} else if e.At.After(now.Add(clockSkew)) {
			e.At = now.Add(clockSkew)
		}
		if s.cfg.Insights.NoSearchText {
			e.Query = ""
		}
	}
	if err := s.insights.AddInsightEvents(ctx, evs); err != nil {
		s.log.Error("store insight events", "err", err)
		c.replyError(id, protocol.CodeInternal, "could not store the report; try again later")
		return
	}
	c.enqueue(s.encode(protocol.TypeAck, id, "", nil))
}
