package diag

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
)

// defaultRoutes reads the IPv4 and IPv6 default routes from procfs.
func defaultRoutes(cfg *Config) []defaultRoute {
	var out []defaultRoute
	eachLine(cfg.procPath("net/route"), func(fs []string) {
		if len(fs) < 8 || fs[1] != "00000000" || fs[7] != "00000000" {
			return
		}
		b, err := hex.DecodeString(fs[2])
		if err != nil || len(b) != 4 {
			return
		}
		out = append(out, defaultRoute{iface: fs[0], gateway: net.IPv4(b[3], b[2], b[1], b[0])})
	})
	eachLine(cfg.procPath("net/ipv6_route"), func(fs []string) {
		if len(fs) < 10 || fs[0] != strings.Repeat("0", 32) || fs[1] != "00" || fs[9] == "lo" {
			return
		}
		b, err := hex.DecodeString(fs[4])
		if err != nil || len(b) != 16 {
			return
		}
		out = append(out, defaultRoute{iface: fs[9], gateway: net.IP(b)})
	})
	return out
}

// eachLine calls fn with the fields of every line of a file; a file that
// cannot be read has no lines.
func eachLine(path string, fn func(fields []string)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fn(strings.Fields(sc.Text()))
	}
}

func checkRoute(_ context.Context, cfg *Config) Result {
	return routeResult(defaultRoutes(cfg))
}

// checkGateway asks whether the router answers (see gatewayResult), first
// in the kernel's neighbour table.
func checkGateway(ctx context.Context, cfg *Config) Result {
	var d net.Dialer
	return gatewayResult(ctx, defaultRoutes(cfg), func(ip net.IP) bool { return arpComplete(cfg, ip) }, d.DialContext)
}

// arpComplete reports whether the kernel's neighbour table holds a complete
// entry (flags 0x2) for ip.
func arpComplete(cfg *Config, ip net.IP) bool {
	found, header := false, true
	eachLine(cfg.procPath("net/arp"), func(fs []string) {
		if header {
			header = false
			return
		}
		found = found || (len(fs) >= 4 && fs[0] == ip.String() && fs[2] == "0x2")
	})
	return found
}

func netIfaces(cfg *Config) []string {
	entries, _ := os.ReadDir(cfg.sysPath("class/net"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func checkWiFi(_ context.Context, cfg *Config) Result {
	var wireless []string
	for _, n := range netIfaces(cfg) {
		if _, err := os.Stat(cfg.sysPath("class/net", n, "wireless")); err == nil {
			wireless = append(wireless, n)
		} else if _, err := os.Stat(cfg.sysPath("class/net", n, "phy80211")); err == nil {
			wireless = append(wireless, n)
		}
	}
	links := make([]wifiLink, 0, len(wireless))
	for _, n := range wireless {
		up := cfg.readSys("class/net", n, "operstate") == "up"
		q := -1
		if up {
			q = wifiQuality(cfg, n)
		}
		links = append(links, wifiLink{Name: n, Connected: up, Quality: q})
	}
	return wifiResult(links, rfkillBlocked(cfg, "wlan"))
}

// wifiQuality reads the link quality from /proc/net/wireless as a
// percentage of 70 (the usual maximum), or -1 when unknown.
func wifiQuality(cfg *Config, iface string) int {
	q, seen := -1, false
	eachLine(cfg.procPath("net/wireless"), func(fs []string) {
		if seen || len(fs) < 3 || strings.TrimSuffix(fs[0], ":") != iface {
			return
		}
		seen = true
		if v, err := strconv.ParseFloat(strings.TrimSuffix(fs[2], "."), 64); err == nil {
			q = min(100, int(v*100/70))
		}
	})
	return q
}

// rfkillBlocked reports whether every radio switch of the kind is off.
func rfkillBlocked(cfg *Config, kind string) bool {
	entries, _ := os.ReadDir(cfg.sysPath("class/rfkill"))
	blocked := false
	for _, e := range entries {
		if cfg.readSys("class/rfkill", e.Name(), "type") != kind {
			continue
		}
		if cfg.readSys("class/rfkill", e.Name(), "soft") == "1" || cfg.readSys("class/rfkill", e.Name(), "hard") == "1" {
			blocked = true
		} else {
			return false
		}
	}
	return blocked
}

// vpnPrefixes start the names VPN clients give their network adapters.
func vpnPrefixes() []string {
	return []string{"tun", "tap", "wg", "ppp", "ipsec", "vpn", "utun", "gpd", "cscotun", "nordlynx", "tailscale", "zt"}
}

func checkVPN(_ context.Context, cfg *Config) Result {
	var found []string
	for _, n := range netIfaces(cfg) {
		isTun := cfg.readSys("class/net", n, "tun_flags") != ""
		prefixed := false
		for _, p := range vpnPrefixes() {
			prefixed = prefixed || strings.HasPrefix(n, p)
		}
		if (isTun || prefixed) && cfg.readSys("class/net", n, "operstate") != "down" {
			found = append(found, n)
		}
	}
	return vpnResult(found, cfg.VPNExpected)
}

func fixFlushDNS(ctx context.Context, cfg *Config) (string, error) {
	if _, err := cfg.run(ctx, "resolvectl", "flush-caches"); err == nil {
		return "The DNS cache was cleared.", nil
	}
	if _, err := cfg.run(ctx, "nscd", "-i", "hosts"); err == nil {
		return "The DNS cache was cleared.", nil
	}
	// Without systemd-resolved or nscd, Linux keeps no system DNS cache.
	if _, err := os.Stat(cfg.hostPath("/run/systemd/resolve")); err != nil {
		return "This computer keeps no DNS cache, so there was nothing to clear.", nil
	}
	return "", errors.New("the DNS cache could not be cleared")
}
