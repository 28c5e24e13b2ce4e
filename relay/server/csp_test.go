package server

import (
	"strings"
	"testing"
)

// The console's policy allows the socket on the relay's own host only, and
// never echoes a Host header that could smuggle in another directive.
func TestContentSecurityPolicy(t *testing.T) {
	for _, tc := range []struct {
		host string
		want string
	}{
		{"relay.example.org", "connect-src 'self' ws://relay.example.org wss://relay.example.org;"},
		{"127.0.0.1:8080", "connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;"},
		{"[::1]:8080", "connect-src 'self' ws://[::1]:8080 wss://[::1]:8080;"},
		{"evil.example; script-src *", "connect-src 'self';"},
		{"a b", "connect-src 'self';"},
	} {
		got := contentSecurityPolicy(tc.host)
		if !strings.Contains(got, tc.want) {
			t.Errorf("host %q: policy %q lacks %q", tc.host, got, tc.want)
		}
		for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "media-src 'self' blob:"} {
			if !strings.Contains(got, d) {
				t.Errorf("host %q: policy lacks %q", tc.host, d)
			}
		}
		if strings.Contains(got, "unsafe") {
			t.Errorf("policy allows unsafe sources: %q", got)
		}
	}
}
