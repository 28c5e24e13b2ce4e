package server

// Revoking a technician: logging out, a password change, disabling and
// demotion end the technician's other logins, close their console sockets
// and end their live sessions at once, so that a stolen cookie or an open
// console stops working the moment an account is revoked.

import (
	"context"
	"time"

	"github.com/coder/websocket"

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
	conns, live := s.dropTech(ctx, tech.ID)
	if keep == nil && s.hub.admit(&s.wg) { // admit: not while shutting down
		// No login is left, so any console socket of tech that registers
		// from now on passed its authentication before the logins were
		// deleted (an upgrade in flight): sweep once more when such an
		// upgrade has surely finished.
		go func() {
			defer s.wg.Done()
			t := time.NewTimer(revokeSweep)
			defer t.Stop()
			select {
			case <-s.ctx.Done():
			case <-t.C:
				s.dropTech(ctx, tech.ID)
			}
		}()
	}
	s.log.Info("technician access revoked", "user", tech.Username, "why", why, "sockets", len(conns), "sessions", len(live))
}

// revokeSweep is when revoke looks again for sockets that were being
// upgraded at the moment of the revocation.
const revokeSweep = 5 * time.Second

// dropTech closes the console sockets of techID and ends their running
// sessions with reason access_revoked; it returns what it ended.
func (s *Server) dropTech(ctx context.Context, techID int64) ([]*techConn, []*liveSession) {
	conns, live := s.hub.dropTech(techID)
	for _, ls := range live {
		s.endSession(ctx, ls, partyRelay, protocol.ActorRelay, protocol.EndAccessRevoked, false)
	}
	for _, tc := range conns {
		// The close handshake waits for the peer; do not hold up the
		// request that revoked the account.
		if !s.hub.admit(&s.wg) {
			tc.cancel() // shutting down: the socket closes with the relay
			continue
		}
		go func() {
			defer s.wg.Done()
			tc.fatal("", protocol.CodeNotAllowed, "your sign-in has ended; sign in again", websocket.StatusPolicyViolation)
			tc.cancel()
		}()
	}
	return conns, live
}

// dropTech forgets the console sockets of techID and returns them with
// the technician's running sessions. (A socket whose upgrade is past its
// authentication at this very moment still registers; revoke sweeps
// again for it.)
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
