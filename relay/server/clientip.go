package server

// The address the relay attributes a request to: per-address limits and
// audit addresses both use it, so it must not be forgeable.

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the request's client IP. It is the TCP peer, unless the
// peer is a trusted proxy (Config.TrustedProxies): then it is the
// right-most X-Forwarded-For address that is not itself a trusted proxy
// (each proxy appends the address it saw, so everything left of that is
// what the client claimed and is ignored). A forged header from any other
// peer changes nothing.
func (s *Server) clientAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	ip := ap.Addr().Unmap().WithZone("")
	if !s.trustedProxy(ip) {
		return ip.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: the last proxy that spoke is all we know
		}
		ip = a.Unmap().WithZone("")
		if !s.trustedProxy(ip) {
			break
		}
	}
	return ip.String()
}

func (s *Server) trustedProxy(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
