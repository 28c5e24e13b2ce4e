package server

// guides.changed: after a change to the desktops' guide pack the relay
// tells every connected desktop its new ETag, so a running window finds a
// newly published guide within seconds instead of at its next periodic
// check.

import (
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// guidesPushEvery is the least time between two guides.changed
// broadcasts: a burst of changes (an import, an editor publishing guide
// after guide) is told once, with the ETag of the pack as it is then.
const guidesPushEvery = time.Second

// guidesChanged asks pushLoop to tell the desktops (never blocks; changes
// before the next broadcast are coalesced).
func (s *Server) guidesChanged() {
	select {
	case s.guidesKick <- struct{}{}:
	default:
	}
}

// pushLoop broadcasts guides.changed once per coalesced burst of changes.
// It only queues on the sockets (hub.toClients), so a desktop that does
// not read delays nobody; one whose send queue is full is dropped as for
// any other message.
func (s *Server) pushLoop() {
	defer s.wg.Done()
	var last string // the ETag told last
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.guidesKick:
		}
		c, err := s.guides.current(s.ctx)
		switch {
		case err != nil:
			if s.ctx.Err() == nil {
				s.log.Error("guide pack for guides.changed", "err", err)
			}
		case c.etag != last:
			last = c.etag
			n := s.hub.toClients(s.encode(protocol.TypeGuidesChanged, "", "", &protocol.GuidesChanged{ETag: c.etag}))
			s.log.Info("guides.changed sent", "etag", c.etag, "desktops", n)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(guidesPushEvery):
		}
	}
}
