package querynorm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Outlook won't open", "open outlook"},
		{"outlook wont open!", "open outlook"},
		{"OUTLOOK   not opening", "open outlook"},
		{"printer says offline", "offline printer say"},
		{"Printers off line", "offline printer"},
		{"can't log in to wi-fi", "signin wifi"},
		{"Wi Fi keeps dropping", "drop wifi"},
		{"my e-mail is not working", "email"},
		{"stopping", "stop"},
		{"batteries", "battery"},
		{"  ", ""},
		{"the a an", ""},
		{"Drucker läuft nicht", "drucker läuft nicht"},
		{"vpn vpn VPN", "vpn"},
		{"status", "status"},
	}
	for _, tt := range tests {
		if got := Normalise(tt.in); got != tt.want {
			t.Errorf("Normalise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormaliseCapsLength(t *testing.T) {
	for _, in := range []string{strings.Repeat("abcdefgh ", 100) + strings.Repeat("x", 300), strings.Repeat("é", 300)} {
		got := Normalise(in)
		if len(got) > MaxLen || !utf8.ValidString(got) {
			t.Errorf("Normalise(long) = %d bytes, valid %v", len(got), utf8.ValidString(got))
		}
	}
}
