package server

// Where /metrics is served: never to the public. Either on a separate
// listener (MetricsHandler, a loopback address by default in relayd) or on
// the main handler behind a bearer token (Config.MetricsToken).

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the Prometheus metrics, requiring the bearer
// token when Config.MetricsToken is set; for a separate listener.
func (s *Server) MetricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{})
	if s.cfg.MetricsToken == "" {
		return h
	}
	return s.requireMetricsToken(h)
}

// mainMetrics is /metrics on the main handler: with a token configured,
// the metrics to a request that carries it; without, not found.
func (s *Server) mainMetrics() http.Handler {
	if s.cfg.MetricsToken == "" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "metrics are not served on this address", http.StatusNotFound)
		})
	}
	return s.MetricsHandler()
}

func (s *Server) requireMetricsToken(h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(tok))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lifeline-metrics"`)
			http.Error(w, "metrics need the bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
