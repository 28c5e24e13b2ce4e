package client

import "testing"

func TestURLFor(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://help.example.org", "wss://help.example.org/ws/client"},
		{"http://127.0.0.1:8080/", "ws://127.0.0.1:8080/ws/client"},
		{"wss://help.example.org/ws/client", "wss://help.example.org/ws/client"},
		{"https://example.org/lifeline", "wss://example.org/lifeline/ws/client"},
		{" https://help.example.org/ ", "wss://help.example.org/ws/client"},
	}
	for _, tt := range tests {
		if got, err := URLFor(tt.in); err != nil || got != tt.want {
			t.Errorf("URLFor(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"help.example.org", "ftp://x", "https://", "::"} {
		if _, err := URLFor(bad); err == nil {
			t.Errorf("URLFor(%q) accepted", bad)
		}
	}
}

func TestHTTPURL(t *testing.T) {
	for in, want := range map[string]string{
		"wss://h.example.org": "https://h.example.org", "ws://127.0.0.1:1": "http://127.0.0.1:1", "https://x": "https://x",
	} {
		if got := HTTPURL(in); got != want {
			t.Errorf("HTTPURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuidesURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://help.example.org":            "https://help.example.org/api/client/guides",
		"http://127.0.0.1:8080/":              "http://127.0.0.1:8080/api/client/guides",
		"wss://help.example.org/ws/client":    "https://help.example.org/api/client/guides",
		"https://example.org/lifeline/":       "https://example.org/lifeline/api/client/guides",
		"ws://127.0.0.1:1/lifeline/ws/client": "http://127.0.0.1:1/lifeline/api/client/guides",
	} {
		if got, err := GuidesURL(in); err != nil || got != want {
			t.Errorf("GuidesURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := GuidesURL("help.example.org"); err == nil {
		t.Error("GuidesURL accepted an address without a scheme")
	}
}
