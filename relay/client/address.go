package client

import (
	"fmt"
	"net/url"
	"strings"
)

// URLFor turns a relay address as people write it ("https://help.example.org",
// "http://127.0.0.1:8080/", or a full ws(s):// URL) into the URL of its
// /ws/client endpoint. A relay served under a path prefix keeps it.
func URLFor(address string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil {
		return "", fmt.Errorf("the help desk address %q is not valid (example: https://help.example.org)", address)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("the help desk address %q must start with https:// (or http://)", address)
	}
	if u.Host == "" {
		return "", fmt.Errorf("the help desk address %q has no host name", address)
	}
	if !strings.HasSuffix(u.Path, "/ws/client") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/ws/client"
	}
	return u.String(), nil
}

// HTTPURL turns a relay address into the http(s):// URL of the same server,
// for plain web requests such as the diagnostics' reachability checks.
func HTTPURL(address string) string {
	switch {
	case strings.HasPrefix(address, "wss://"):
		return "https://" + strings.TrimPrefix(address, "wss://")
	case strings.HasPrefix(address, "ws://"):
		return "http://" + strings.TrimPrefix(address, "ws://")
	}
	return address
}

// GuidesURL turns a relay address as URLFor takes it into the URL of the
// relay's guide pack (GET /api/client/guides, relay/API.md), keeping a
// path prefix and dropping a "/ws/client" the address may end in.
func GuidesURL(address string) (string, error) {
	ws, err := URLFor(address)
	if err != nil {
		return "", err
	}
	return HTTPURL(strings.TrimSuffix(ws, "/ws/client")) + "/api/client/guides", nil
}
