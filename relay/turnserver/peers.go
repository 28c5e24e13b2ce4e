package turnserver

// Which peers an allocation may reach. TURN is a proxy from the Internet
// into the relay's network, so a permission is granted only for an
// address one of the session's parties uses (Sessions.Peers) — never for
// a private, link-local, shared or reserved range, nor for the relay's
// own addresses — unless the operator allows it (Config.AllowPeers).

import (
	"net"
	"net/netip"
	"slices"
)

// Sessions tells the TURN server which sessions are live and which
// addresses their parties use. The relay implements it.
type Sessions interface {
	// Peers returns the addresses a credential's subject (its username
	// after the expiry) may relay to: for the relay, the other party of
	// a live session — where its signalling sockets come from and its
	// signalled ICE candidates. ok is false when the subject's session is
	// not live (or is no subject the relay issues).
	Peers(subject string) (peers []netip.Addr, ok bool)
}

// DeniedPeers are the ranges a client may never relay to unless
// Config.AllowPeers lists them: coturn's recommended denied-peer-ip set
// (private, loopback, link-local incl. cloud metadata 169.254.169.254,
// CGNAT, documentation, benchmarking and reserved ranges, NAT64, 6to4,
// Teredo, ULA, IPv4-mapped).
var DeniedPeers = mustPrefixes(
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
	"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "100::/64", "2001::/23", "2002::/16",
	"fc00::/7", "fe80::/10", "ff00::/8",
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// policy decides permissions.
type policy struct {
	allow    []netip.Prefix // operator allow-list
	own      []netip.Addr   // the relay's own addresses
	loopback bool           // tests: loopback peers of the session are allowed
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	return slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(a) })
}

// permit reports whether a client of a session whose parties use peers
// may relay to ip.
func (p *policy) permit(ip netip.Addr, peers []netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsMulticast(), ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return false
	case inAny(p.allow, ip):
		return true
	case ip.IsLoopback():
		return p.loopback && slices.Contains(peers, ip)
	case slices.Contains(p.own, ip):
		// Only as a party's signalled (relay) candidate — TURN to TURN
		// through this server — and the relay sockets then send to
		// nothing there but this server's relay ports (Server.dest).
		return slices.Contains(peers, ip)
	case inAny(DeniedPeers, ip):
		return false
	}
	return slices.Contains(peers, ip)
}

// dest is the last line of defence behind permit, checked on every
// datagram a relay socket sends: never into a denied range, and to the
// relay's own addresses only at its relay ports.
func (p *policy) dest(a net.Addr, relayPort func(int) bool) bool {
	ua, ok := a.(*net.UDPAddr)
	if !ok {
		return false
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	ip = ip.Unmap().WithZone("")
	switch {
	case !ok, !ip.IsValid(), ip.IsUnspecified(), ip.IsMulticast():
		return false
	case inAny(p.allow, ip):
		return true
	case ip.IsLoopback():
		return p.loopback
	case slices.Contains(p.own, ip):
		return relayPort(ua.Port)
	}
	return !inAny(DeniedPeers, ip)
}

// ownAddrs are the addresses the relay itself answers on: the given
// ones (external, bind and listen IPs) and every interface address.
func ownAddrs(ips ...net.IP) []netip.Addr {
	var out []netip.Addr
	add := func(ip net.IP) {
		if a, ok := netip.AddrFromSlice(ip); ok && !a.Unmap().IsUnspecified() && !slices.Contains(out, a.Unmap()) {
			out = append(out, a.Unmap())
		}
	}
	for _, ip := range ips {
		add(ip)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				add(n.IP)
			}
		}
	}
	return out
}
