package server

// Revoking a technician: logging out, a password change, disabling and
// demotion end the technician's other logins, close their console sockets
// and end their live sessions at once, so that a stolen cookie or an open
// console stops working the moment an account is revoked.

import (
	"context"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// revoke ends every login of tech but the one whose token hash is keep
// (nil: all), closes the technician's console sockets and ends their live
// sessions with reason access_revoked. why goes to the log.
func (s *Server) revoke(ctx context.Context, tech store.Technician, keep []byte, why string) {
	ctx = context.WithoutCancel(ctx)
	if err := s.acct.st.DeleteOtherLogins(ctx, tech.ID, keep); err != nil {
		s.log.Error("end logins", "user", tech.Username, "err", err)
	}
	// A console socket whose upgrade passed authentication before the
	// logins were deleted registers after this drop; it re-checks its
	// login once registered and closes (handleTechWS).
	conns, live := s.dropTech(ctx, tech.ID)
	s.log.Info("technician access revoked", "user", tech.Username, "why", why, "sockets", len(conns), "sessions", len(live))
}

// dropTech closes the console sockets of techID and ends their running
// sessions with reason access_revoked; it returns what it ended.
func (s *Server) dropTech(ctx context.Context, techID int64) ([]*techConn, []*liveSession) {
	conns, live := s.hub.dropTech(techID)
	for _, ls := range live {
		s.endSession(ctx, ls, partyRelay, protocol.ActorRelay, protocol.EndAccessRevoked, false)
	}
	s.closeConsoles(conns)
	return conns, live
}

// dropTech forgets the console sockets of techID and returns them with
// the technician's running sessions. (A socket whose upgrade is past its
// authentication at this very moment still registers, then finds its
// login gone and closes.)
func (h *hub) dropTech(techID int64) ([]*techConn, []*liveSession) {
	h.mu.Lock()
	defer h.mu.Unlock()
	conns := make([]*techConn, 0, len(h.techs[techID]))
	for tc := range h.techs[techID] {
		conns = append(conns, tc)
	}
	delete(h.techs, techID)
	var live []*liveSession
	for _, ls := range h.sessions {
		if ls.techID == techID {
			live = append(live, ls)
		}
	}
	return conns, live
}
