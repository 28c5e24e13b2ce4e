package server

// The console's login cookie. Served over https (Config.PublicURL or
// SecureCookies) it is Secure and carries the __Host- prefix, which a
// browser only accepts from a secure origin, for Path=/ and without Domain:
// no other host or plain-HTTP page can plant or overwrite it.

import (
	"net/http"
	"time"
)

const (
	cookieBase       = "lifeline_session"
	secureCookieName = "__Host-" + cookieBase
)

// cookieName is the login cookie's name on this relay.
func (s *Server) cookieName() string {
	if s.secure {
		return secureCookieName
	}
	return cookieBase
}

// setLoginCookie sets the login cookie to token for ttl; an empty token
// with ttl 0 clears it.
func (s *Server) setLoginCookie(w http.ResponseWriter, token string, ttl time.Duration) {
	maxAge := int(ttl / time.Second)
	if token == "" {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
}

// loginToken is the login cookie's value in r, or "".
func (s *Server) loginToken(r *http.Request) string {
	ck, err := r.Cookie(s.cookieName())
	if err != nil {
		return ""
	}
	return ck.Value
}
