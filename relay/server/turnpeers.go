package server

// What the embedded TURN server asks the relay (turnserver.Sessions):
// whether a session is live and which addresses its parties use — where
// their signalling sockets come from and the ICE candidates they
// signalled. Each party has a credential of its own (subject
// "<session id>/tech" or "/user"), good only while the session is live
// and only towards the *other* party's addresses: the technician's
// browser may relay to the desktop, the desktop to the technician, and
// neither to an address only itself uses.

import (
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

// maxSignalledAddrs bounds the candidate addresses kept per party of a session.
const maxSignalledAddrs = 32

// The parties of a session, as named in a TURN credential's subject.
const (
	turnPartyTech = "tech"
	turnPartyUser = "user"
)

// turnSubject is what a party's TURN credential names: the session and
// the party ("s-…/tech"); coturn's REST scheme takes any text there.
func turnSubject(sessionID, party string) string { return sessionID + "/" + party }

// signalled are the candidate addresses each party of a session signalled.
type signalled struct{ tech, user []netip.Addr }

// turnPeers are the candidate addresses signalled in each session. The
// zero value is ready to use.
type turnPeers struct {
	mu        sync.Mutex
	bySession map[string]*signalled
	swept     int // size after the last sweep of ended sessions
}

// TURNSessions is the relay's answer to the embedded TURN server
// (turnserver.Server.SetSessions).
func (s *Server) TURNSessions() turnserver.Sessions { return turnSessions{s} }

type turnSessions struct{ s *Server }

// Peers implements turnserver.Sessions: subject is a party's credential
// subject (turnSubject), and the peers are the other party's addresses.
func (t turnSessions) Peers(subject string) ([]netip.Addr, bool) {
	s := t.s
	sessionID, party, _ := strings.Cut(subject, "/")
	if party != turnPartyTech && party != turnPartyUser {
		return nil, false // not a credential the relay issues
	}
	user, tech, ok := s.hub.partyAddrs(sessionID)
	if !ok {
		return nil, false
	}
	other := user // the technician's credential reaches the desktop
	if party == turnPartyUser {
		other = tech
	}
	var out []netip.Addr
	for _, a := range other {
		if ip, err := netip.ParseAddr(a); err == nil && !slices.Contains(out, ip.Unmap()) {
			out = append(out, ip.Unmap())
		}
	}
	s.turnPeers.mu.Lock()
	if sig := s.turnPeers.bySession[sessionID]; sig != nil {
		cands := sig.user
		if party == turnPartyUser {
			cands = sig.tech
		}
		for _, ip := range cands {
			if !slices.Contains(out, ip) {
				out = append(out, ip)
			}
		}
	}
	s.turnPeers.mu.Unlock()
	return out, true
}

// partyAddrs are the signalling addresses of a live session's desktop
// (user) and of every console socket of its technician (tech).
func (h *hub) partyAddrs(sessionID string) (user, tech []string, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ls := h.sessions[sessionID]
	if ls == nil {
		return nil, nil, false
	}
	if ls.client != nil {
		user = append(user, ls.client.addr)
	}
	for tc := range h.techs[ls.techID] {
		tech = append(tech, tc.addr)
	}
	return user, tech, true
}

// noteSignalled records the candidate addresses of a session message
// (a trickled candidate, or the a=candidate lines of an offer or answer)
// that is being forwarded to the other party, as the sender's (fromTech:
// the technician's).
func (s *Server) noteSignalled(sessionID string, fromTech bool, m protocol.Message) {
	var addrs []netip.Addr
	switch p := m.Payload.(type) {
	case *protocol.Candidate:
		if ip, ok := candidateAddr(p.Candidate); ok {
			addrs = append(addrs, ip)
		}
	case *protocol.SDP:
		for line := range strings.Lines(p.SDP) {
			if strings.HasPrefix(line, "a=candidate:") {
				if ip, ok := candidateAddr(strings.TrimPrefix(line, "a=")); ok {
					addrs = append(addrs, ip)
				}
			}
		}
	}
	if len(addrs) == 0 {
		return
	}
	tp := &s.turnPeers
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.bySession == nil {
		tp.bySession = map[string]*signalled{}
	}
	if _, known := tp.bySession[sessionID]; !known && len(tp.bySession) >= 2*tp.swept+16 {
		// Forget ended sessions (hub.mu is taken after turnPeers.mu, never the other way).
		for id := range tp.bySession {
			if !s.hub.isLive(id) {
				delete(tp.bySession, id)
			}
		}
		tp.swept = len(tp.bySession)
	}
	sig := tp.bySession[sessionID]
	if sig == nil {
		sig = &signalled{}
		tp.bySession[sessionID] = sig
	}
	cur := &sig.user
	if fromTech {
		cur = &sig.tech
	}
	for _, ip := range addrs {
		if len(*cur) < maxSignalledAddrs && !slices.Contains(*cur, ip) {
			*cur = append(*cur, ip)
		}
	}
}

// candidateAddr is the connection address of an ICE candidate attribute
// ("candidate:<foundation> <component> <transport> <priority> <address>
// <port> typ ..."); mDNS names (.local) have none.
func candidateAddr(c string) (netip.Addr, bool) {
	f := strings.Fields(c)
	if len(f) < 6 || !strings.HasPrefix(f[0], "candidate:") {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(f[4])
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

// registerTURNRefusals exports what the embedded TURN server refused.
func (s *Server) registerTURNRefusals(st *turnserver.Stats) {
	for _, c := range []struct {
		name, help string
		f          func() int64
	}{
		{"turn_permissions_denied_total", "TURN permissions refused: a peer address outside the session's parties or in a denied range.", st.PermissionsDenied.Load},
		{"turn_quota_refused_total", "TURN allocations refused over the per-credential cap.", st.QuotaRefused.Load},
		{"turn_ended_session_closed_total", "TURN allocations closed because their session ended.", st.SessionsClosed.Load},
		{"turn_allocations_tcp_total", "TURN allocations by clients over TCP or TLS.", st.AllocationsTCP.Load},
	} {
		s.cfg.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "lifeline", Name: c.name, Help: c.help},
			func() float64 { return float64(c.f()) }))
	}
}
