package server

// Console logins are checked against the store, not only remembered from
// the socket's upgrade: the account commands (lifeline-relay user passwd,
// disable) run in a process of their own and change the database under a
// running relay. So the relay re-checks
//
//   - a console socket's login right after registering it (an upgrade in
//     flight while its login is revoked is closed at once, before anything
//     is sent on it);
//   - the login behind every message a console sends in a session;
//   - every LoginCheck (default 1 s), all logins behind open console
//     sockets and live sessions, in one query.
//
// A socket whose login is gone, expired or whose technician is disabled is
// closed; a technician left with no valid login at all also loses their
// live sessions (access_revoked), as a revocation through the API does.

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// DefaultLoginCheck is how often the relay checks the logins behind open
// consoles and live sessions against the store (Config.LoginCheck).
const DefaultLoginCheck = time.Second

// msgSignedOut closes a console whose login has ended.
const msgSignedOut = "your sign-in has ended; sign in again"

// loginLive reports whether tc's login still lets its technician in; on
// a store failure ok is false too (a login that cannot be checked is not
// trusted) and err says so.
func (s *Server) loginLive(ctx context.Context, tc *techConn) (ok bool, err error) {
	ok, err = s.acct.st.LoginValid(context.WithoutCancel(ctx), tc.login, s.now())
	if err != nil {
		s.log.Error("check console login", "user", tc.tech.Username, "err", err)
		return false, err
	}
	return ok, nil
}

// loginLoop runs checkLogins every LoginCheck until the relay shuts down.
func (s *Server) loginLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.LoginCheck)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.checkLogins(s.ctx)
		}
	}
}

// checkLogins closes the console sockets whose login no longer lets them
// in, and revokes (dropTech) the technicians with consoles or live
// sessions left without any valid login. It does nothing when no console
// is open and no session runs; a failing store leaves things as they are
// (and is logged).
func (s *Server) checkLogins(ctx context.Context) {
	conns, sessionTechs := s.hub.consoles()
	if len(conns) == 0 && len(sessionTechs) == 0 {
		return
	}
	valid, err := s.acct.st.ValidLogins(ctx, s.now())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("check console logins", "err", err)
		}
		return
	}
	hasLogin := make(map[int64]bool, len(valid))
	for _, id := range valid {
		hasLogin[id] = true
	}
	revoked := make(map[int64]string)
	var stale []*techConn
	for _, tc := range conns {
		switch {
		case !hasLogin[tc.tech.ID]:
			revoked[tc.tech.ID] = tc.tech.Username
		case valid[string(tc.login)] != tc.tech.ID:
			stale = append(stale, tc) // this login ended; the technician has others
		}
	}
	for id, name := range sessionTechs {
		if !hasLogin[id] {
			revoked[id] = name
		}
	}
	for id, name := range revoked {
		conns, live := s.dropTech(ctx, id)
		s.log.Info("technician access revoked in the store", "user", name, "sockets", len(conns), "sessions", len(live))
	}
	for _, tc := range stale {
		if s.hub.removeTechIfPresent(tc) {
			s.closeConsoles([]*techConn{tc})
			s.log.Info("console closed: its login has ended", "user", tc.tech.Username)
		}
	}
}

// closeConsoles tells each socket its sign-in has ended and closes it,
// without holding up the caller (the close handshake waits for the peer).
func (s *Server) closeConsoles(conns []*techConn) {
	for _, tc := range conns {
		if !s.hub.admit(&s.wg) {
			tc.cancel() // shutting down: the socket closes with the relay
			continue
		}
		go func() {
			defer s.wg.Done()
			tc.fatal("", protocol.CodeNotAllowed, msgSignedOut, websocket.StatusPolicyViolation)
			tc.cancel()
		}()
	}
}

// consoles lists the open console sockets, and the technicians of live
// sessions (id → user name).
func (h *hub) consoles() ([]*techConn, map[int64]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var conns []*techConn
	for _, set := range h.techs {
		for tc := range set {
			conns = append(conns, tc)
		}
	}
	techs := make(map[int64]string)
	for _, ls := range h.sessions {
		techs[ls.techID] = ls.techUser
	}
	return conns, techs
}

// removeTechIfPresent forgets tc and reports whether it was registered.
func (h *hub) removeTechIfPresent(tc *techConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.techs[tc.tech.ID][tc]; !ok {
		return false
	}
	delete(h.techs[tc.tech.ID], tc)
	if len(h.techs[tc.tech.ID]) == 0 {
		delete(h.techs, tc.tech.ID)
	}
	return true
}
