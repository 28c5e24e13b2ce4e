package diag_test

import (
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

func TestNetworkChecks(t *testing.T) {
	runCheckCases(t, []checkCase{
		{name: "route via router", check: diag.CheckRoute, dir: "host", status: diag.OK,
			detail: "This computer has a way out to the internet, through the router.", technical: "Default route: via 192.0.2.1 dev eth0."},
		{name: "route point to point", check: diag.CheckRoute, dir: "ppp", status: diag.OK,
			detail: "This computer has a way out to the internet.", technical: "Default route: dev ppp0 (point to point)."},
		{name: "no route", check: diag.CheckRoute, dir: "no-route", status: diag.Fail,
			detail: "This computer has no route to the internet. It is connected to a network that gives it no way out, or not connected at all."},
		{name: "gateway in the neighbour table", check: diag.CheckGateway, dir: "host", status: diag.OK,
			detail: "The router answers.", technical: "Gateway 192.0.2.1 answers."},
		{name: "gateway point to point", check: diag.CheckGateway, dir: "ppp", status: diag.OK,
			detail: "This connection has no separate router to test."},
		{name: "gateway without route", check: diag.CheckGateway, dir: "no-route", status: diag.Fail,
			detail: "There is no router to test: this computer has no route to the internet."},
		{name: "wifi connected", check: diag.CheckWiFi, dir: "wifi-up", status: diag.OK,
			detail: "Wi-Fi is connected.", technical: "wlan0 up, link quality 77%."},
		{name: "wifi weak", check: diag.CheckWiFi, dir: "wifi-weak", status: diag.Warn,
			detail: "Wi-Fi is connected but the signal is weak (21%). Move closer to the Wi-Fi router.", technical: "wlan0 up, link quality 21%."},
		{name: "wifi not connected", check: diag.CheckWiFi, dir: "wifi-disconnected", status: diag.Fail,
			detail: "Wi-Fi is on but not connected to a network. Choose your network from the Wi-Fi menu."},
		{name: "wifi switched off", check: diag.CheckWiFi, dir: "wifi-off", status: diag.Fail,
			detail: "Wi-Fi is switched off: airplane mode is on, or the Wi-Fi switch or key (often Fn + F2 or a key with an antenna icon) is off."},
		{name: "no wifi adapter", check: diag.CheckWiFi, dir: "host", status: diag.Unknown,
			detail: "Lifeline did not find a Wi-Fi adapter on this computer. If it should have one, it may be switched off."},
		{name: "vpn up", check: diag.CheckVPN, dir: "vpn", status: diag.OK,
			detail: "A VPN connection is active.", technical: "VPN adapters up: tun0."},
		{name: "no vpn, none expected", check: diag.CheckVPN, dir: "host", status: diag.OK,
			detail: "No VPN is in use. You only need one to reach work systems from outside the office."},
		{name: "no vpn, one expected", check: diag.CheckVPN, dir: "host", status: diag.Warn, vpnExpected: true,
			detail: "No VPN connection is active on this computer. Your organisation expects one: connect the VPN, then try again."},
	})
}

// TestFixFlushDNS runs the DNS fix against fake resolvectl and nscd: which
// commands it runs, in order, and what it tells the person.
func TestFixFlushDNS(t *testing.T) {
	denied := reply{out: "Failed to flush caches: Access denied\n", err: exitStatus1}
	resolved := []string{"run/systemd/resolve"}
	runFixCases(t, diag.FixFlushDNS, []fixCase{
		{name: "systemd-resolved", replies: map[string][]reply{"resolvectl flush-caches": {{}}}, dirs: resolved,
			calls: []string{"resolvectl flush-caches"}, msg: "The DNS cache was cleared."},
		{name: "nscd", replies: map[string][]reply{"nscd -i hosts": {{}}},
			calls: []string{"resolvectl flush-caches", "nscd -i hosts"}, msg: "The DNS cache was cleared."},
		{name: "no cache", calls: []string{"resolvectl flush-caches", "nscd -i hosts"},
			msg: "This computer keeps no DNS cache, so there was nothing to clear."},
		{name: "permission denied", replies: map[string][]reply{"resolvectl flush-caches": {denied}}, dirs: resolved,
			calls: []string{"resolvectl flush-caches", "nscd -i hosts"}, err: "the DNS cache could not be cleared"},
		{name: "resolvectl missing, resolved running", dirs: resolved,
			calls: []string{"resolvectl flush-caches", "nscd -i hosts"}, err: "the DNS cache could not be cleared"},
	})
}
