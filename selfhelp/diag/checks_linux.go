package diag

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sysfs and procfs roots, replaceable in tests.
var (
	sysRoot  = "/sys"
	procRoot = "/proc"
)

func platformChecks() map[string]checkDef {
	m := commonChecks()
	for k, v := range map[string]checkDef{
		CheckRoute:      {"Route to the internet", checkRoute},
		CheckGateway:    {"Router (gateway)", checkGateway},
		CheckWiFi:       {"Wi-Fi", checkWiFi},
		CheckVPN:        {"VPN", checkVPN},
		CheckDisk:       {"Free disk space", checkDisk},
		CheckMemory:     {"Memory", checkMemory},
		CheckUptime:     {"Time since restart", checkUptime},
		CheckCPU:        {"Busiest programs", checkCPU},
		CheckPrinters:   {"Printers", checkPrinters},
		CheckPrintQueue: {"Print queue", checkPrintQueue},
		CheckDisplays:   {"Screens", checkDisplays},
		CheckBattery:    {"Battery", checkBattery},
	} {
		m[k] = v
	}
	return m
}

func platformFixes() map[string]fixDef {
	return map[string]fixDef{
		FixClearPrintQueue: {"Clear the print queue", "Cancel all your waiting print jobs? You can print the documents again afterwards.", fixClearPrintQueue},
		FixFlushDNS:        {"Clear the DNS cache", "Clear this computer's saved name lookups (DNS cache)? This is safe and takes a second.", fixFlushDNS},
		FixCleanTemp:       {"Delete temporary files and empty the trash", "Permanently delete your temporary files and everything in the trash? Files in the trash cannot be recovered afterwards.", fixCleanTemp},
	}
}

type defaultRoute struct {
	iface   string
	gateway net.IP
}

// defaultRoutes reads the IPv4 and IPv6 default routes from procfs.
func defaultRoutes() []defaultRoute {
	var out []defaultRoute
	if f, err := os.Open(filepath.Join(procRoot, "net/route")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 8 || fs[1] != "00000000" || fs[7] != "00000000" {
				continue
			}
			b, err := hex.DecodeString(fs[2])
			if err != nil || len(b) != 4 {
				continue
			}
			out = append(out, defaultRoute{iface: fs[0], gateway: net.IPv4(b[3], b[2], b[1], b[0])})
		}
		f.Close()
	}
	if f, err := os.Open(filepath.Join(procRoot, "net/ipv6_route")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 10 || fs[0] != strings.Repeat("0", 32) || fs[1] != "00" || fs[9] == "lo" {
				continue
			}
			b, err := hex.DecodeString(fs[4])
			if err != nil || len(b) != 16 {
				continue
			}
			out = append(out, defaultRoute{iface: fs[9], gateway: net.IP(b)})
		}
		f.Close()
	}
	return out
}

func checkRoute(_ context.Context, _ *Config) Result {
	routes := defaultRoutes()
	if len(routes) == 0 {
		return result(Fail, "This computer has no route to the internet. It is connected to a network that gives it no way out, or not connected at all.")
	}
	r := routes[0]
	if r.gateway.IsUnspecified() {
		return Result{Status: OK, Detail: fmt.Sprintf("Traffic to the internet goes out through %s.", r.iface), Data: r.iface}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("Traffic to the internet goes through the router at %s (%s).", r.gateway, r.iface), Data: r.gateway.String()}
}

// checkGateway asks whether the router answers: a complete ARP entry, or
// any reply (even a refusal) to a TCP connection, proves it is there. No
// raw sockets, so no special rights are needed.
func checkGateway(ctx context.Context, _ *Config) Result {
	var gw *defaultRoute
	for _, r := range defaultRoutes() {
		if !r.gateway.IsUnspecified() {
			gw = &r
			break
		}
	}
	if gw == nil {
		if len(defaultRoutes()) > 0 {
			return result(OK, "This connection has no separate router to test.")
		}
		return result(Fail, "There is no router to test: this computer has no route to the internet.")
	}
	if arpComplete(gw.gateway) {
		return result(OK, "The router at %s answers.", gw.gateway)
	}
	var d net.Dialer
	for _, port := range []string{"53", "80", "443"} {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		c, err := d.DialContext(dctx, "tcp", net.JoinHostPort(gw.gateway.String(), port))
		cancel()
		if err == nil {
			c.Close()
			return result(OK, "The router at %s answers.", gw.gateway)
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return result(OK, "The router at %s answers.", gw.gateway)
		}
	}
	return result(Fail, "The router at %s does not answer. Restart the router if you are at home, or move closer to it.", gw.gateway)
}

func arpComplete(ip net.IP) bool {
	data, err := os.ReadFile(filepath.Join(procRoot, "net/arp"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		fs := strings.Fields(line)
		if len(fs) >= 4 && fs[0] == ip.String() && fs[2] == "0x2" {
			return true
		}
	}
	return false
}

func readSys(parts ...string) string {
	b, err := os.ReadFile(filepath.Join(append([]string{sysRoot}, parts...)...))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func netIfaces() []string {
	entries, _ := os.ReadDir(filepath.Join(sysRoot, "class/net"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func checkWiFi(_ context.Context, _ *Config) Result {
	var wireless []string
	for _, n := range netIfaces() {
		if _, err := os.Stat(filepath.Join(sysRoot, "class/net", n, "wireless")); err == nil {
			wireless = append(wireless, n)
		} else if _, err := os.Stat(filepath.Join(sysRoot, "class/net", n, "phy80211")); err == nil {
			wireless = append(wireless, n)
		}
	}
	if rfkillBlocked("wlan") {
		return result(Fail, "Wi-Fi is switched off: airplane mode is on, or the Wi-Fi switch or key (often Fn + F2 or a key with an antenna icon) is off.")
	}
	if len(wireless) == 0 {
		return result(Unknown, "Lifeline did not find a Wi-Fi adapter on this computer. If it should have one, it may be switched off.")
	}
	for _, n := range wireless {
		if readSys("class/net", n, "operstate") == "up" {
			q := wifiQuality(n)
			if q >= 0 && q < 30 {
				return Result{Status: Warn, Detail: fmt.Sprintf("Wi-Fi is connected (%s) but the signal is weak (%d%%). Move closer to the access point.", n, q), Data: q}
			}
			return Result{Status: OK, Detail: fmt.Sprintf("Wi-Fi is connected (%s).", n), Data: q}
		}
	}
	return result(Fail, "Wi-Fi is on but not connected to a network. Choose your network from the Wi-Fi menu.")
}

// wifiQuality reads the link quality from /proc/net/wireless as a
// percentage of 70 (the usual maximum), or -1 when unknown.
func wifiQuality(iface string) int {
	data, err := os.ReadFile(filepath.Join(procRoot, "net/wireless"))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		fs := strings.Fields(line)
		if len(fs) >= 3 && strings.TrimSuffix(fs[0], ":") == iface {
			q, err := strconv.ParseFloat(strings.TrimSuffix(fs[2], "."), 64)
			if err != nil {
				return -1
			}
			return min(100, int(q*100/70))
		}
	}
	return -1
}

func rfkillBlocked(kind string) bool {
	entries, _ := os.ReadDir(filepath.Join(sysRoot, "class/rfkill"))
	blocked := false
	for _, e := range entries {
		if readSys("class/rfkill", e.Name(), "type") != kind {
			continue
		}
		if readSys("class/rfkill", e.Name(), "soft") == "1" || readSys("class/rfkill", e.Name(), "hard") == "1" {
			blocked = true
		} else {
			return false
		}
	}
	return blocked
}

var vpnPrefixes = []string{"tun", "tap", "wg", "ppp", "ipsec", "vpn", "utun", "gpd", "cscotun", "nordlynx", "tailscale", "zt"}

func checkVPN(_ context.Context, _ *Config) Result {
	var found []string
	for _, n := range netIfaces() {
		isTun := readSys("class/net", n, "tun_flags") != ""
		prefixed := false
		for _, p := range vpnPrefixes {
			prefixed = prefixed || strings.HasPrefix(n, p)
		}
		if (isTun || prefixed) && readSys("class/net", n, "operstate") != "down" {
			found = append(found, n)
		}
	}
	if len(found) == 0 {
		return result(Warn, "No VPN connection is active on this computer.")
	}
	return Result{Status: OK, Detail: fmt.Sprintf("A VPN connection is active (%s).", strings.Join(found, ", ")), Data: found}
}

// Volume is one mounted disk's space.
type Volume struct {
	Mount       string  `json:"mount"`
	TotalBytes  uint64  `json:"total_bytes"`
	FreeBytes   uint64  `json:"free_bytes"`
	FreePercent float64 `json:"free_percent"`
}

var realFS = map[string]bool{"ext2": true, "ext3": true, "ext4": true, "xfs": true, "btrfs": true, "vfat": true, "exfat": true,
	"ntfs": true, "ntfs3": true, "fuseblk": true, "zfs": true, "f2fs": true, "hfsplus": true, "apfs": true, "jfs": true, "reiserfs": true}

func volumes() []Volume {
	data, err := os.ReadFile(filepath.Join(procRoot, "self/mounts"))
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []Volume
	for _, line := range strings.Split(string(data), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 3 {
			continue
		}
		dev, mount, typ := fs[0], strings.ReplaceAll(fs[1], `\040`, " "), fs[2]
		if !realFS[typ] && mount != "/" {
			continue
		}
		if strings.HasPrefix(mount, "/snap/") || strings.HasPrefix(mount, "/boot/efi") || seen[dev] {
			continue
		}
		var st syscall.Statfs_t
		if syscall.Statfs(mount, &st) != nil || st.Blocks == 0 {
			continue
		}
		seen[dev] = true
		total := st.Blocks * uint64(st.Bsize)
		free := st.Bavail * uint64(st.Bsize)
		out = append(out, Volume{Mount: mount, TotalBytes: total, FreeBytes: free, FreePercent: 100 * float64(free) / float64(total)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mount < out[j].Mount })
	return out
}

func checkDisk(_ context.Context, cfg *Config) Result {
	vols := volumes()
	if len(vols) == 0 {
		return result(Unknown, "Lifeline could not read the disks on this computer.")
	}
	status := OK
	var parts []string
	for _, v := range vols {
		s := OK
		switch {
		case v.FreePercent < cfg.DiskFailPercent:
			s = Fail
		case v.FreePercent < cfg.DiskWarnPercent:
			s = Warn
		}
		status = worse(status, s)
		parts = append(parts, fmt.Sprintf("%s: %s free of %s (%.0f%%)", v.Mount, humanBytes(v.FreeBytes), humanBytes(v.TotalBytes), v.FreePercent))
	}
	detail := strings.Join(parts, "; ") + "."
	switch status {
	case Fail:
		detail = "A disk is almost full. " + detail + " Programs may stop working until you free some space."
	case Warn:
		detail = "A disk is getting full. " + detail
	}
	return Result{Status: status, Detail: detail, Data: vols}
}

func worse(a, b Status) Status {
	rank := map[Status]int{OK: 0, Unknown: 1, Warn: 2, Fail: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTPE"[exp])
}

func meminfo() map[string]uint64 {
	data, err := os.ReadFile(filepath.Join(procRoot, "meminfo"))
	if err != nil {
		return nil
	}
	m := map[string]uint64{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		n, _ := strconv.ParseUint(fs[0], 10, 64)
		m[k] = n * 1024
	}
	return m
}

func checkMemory(_ context.Context, _ *Config) Result {
	m := meminfo()
	total, avail := m["MemTotal"], m["MemAvailable"]
	if total == 0 {
		return result(Unknown, "Lifeline could not read how much memory this computer has.")
	}
	pct := 100 * float64(avail) / float64(total)
	data := map[string]uint64{"total_bytes": total, "available_bytes": avail}
	detail := fmt.Sprintf("%s of %s memory is free (%.0f%%).", humanBytes(avail), humanBytes(total), pct)
	switch {
	case pct < 5:
		return Result{Status: Fail, Detail: detail + " The computer is out of memory: close programs and browser tabs you are not using.", Data: data}
	case pct < 15:
		return Result{Status: Warn, Detail: detail + " Memory is running low: close programs you are not using.", Data: data}
	}
	return Result{Status: OK, Detail: detail, Data: data}
}

func checkUptime(_ context.Context, _ *Config) Result {
	data, err := os.ReadFile(filepath.Join(procRoot, "uptime"))
	if err != nil {
		return result(Unknown, "Lifeline could not read when the computer was last restarted.")
	}
	fs := strings.Fields(string(data))
	secs, err := strconv.ParseFloat(fs[0], 64)
	if err != nil {
		return result(Unknown, "Lifeline could not read when the computer was last restarted.")
	}
	up := time.Duration(secs) * time.Second
	days := int(up.Hours() / 24)
	var since string
	switch {
	case days >= 2:
		since = fmt.Sprintf("%d days", days)
	case up >= 2*time.Hour:
		since = fmt.Sprintf("%d hours", int(up.Hours()))
	default:
		since = fmt.Sprintf("%d minutes", int(up.Minutes()))
	}
	if days >= 7 {
		return Result{Status: Warn, Detail: fmt.Sprintf("The computer has not been restarted for %s. A restart often fixes slowness and finishes updates.", since), Data: up.Seconds()}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("The computer was restarted %s ago.", since), Data: up.Seconds()}
}

// Process is a program's share of processor time.
type Process struct {
	PID        int     `json:"pid"`
	Name       string  `json:"name"`
	CPUPercent float64 `json:"cpu_percent"`
}

func procTimes() map[int]Process {
	entries, _ := os.ReadDir(procRoot)
	out := map[int]Process{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(procRoot, e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(data)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		fs := strings.Fields(s[close+1:])
		if len(fs) < 13 {
			continue
		}
		ut, _ := strconv.ParseFloat(fs[11], 64)
		st, _ := strconv.ParseFloat(fs[12], 64)
		out[pid] = Process{PID: pid, Name: s[open+1 : close], CPUPercent: ut + st}
	}
	return out
}

const clockTicks = 100 // USER_HZ on every Linux architecture Lifeline supports

func checkCPU(ctx context.Context, _ *Config) Result {
	before := procTimes()
	window := 500 * time.Millisecond
	select {
	case <-time.After(window):
	case <-ctx.Done():
		return result(Unknown, "The check was stopped.")
	}
	after := procTimes()
	var procs []Process
	for pid, a := range after {
		b, ok := before[pid]
		if !ok {
			continue
		}
		pct := (a.CPUPercent - b.CPUPercent) / clockTicks / window.Seconds() * 100
		if pct > 0.5 {
			procs = append(procs, Process{PID: pid, Name: a.Name, CPUPercent: pct})
		}
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].CPUPercent > procs[j].CPUPercent })
	procs = procs[:min(5, len(procs))]
	if len(procs) == 0 {
		return Result{Status: OK, Detail: "No program is keeping the processor busy.", Data: procs}
	}
	var parts []string
	for _, p := range procs {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", p.Name, p.CPUPercent))
	}
	if procs[0].CPUPercent >= 80 {
		return Result{Status: Warn, Detail: fmt.Sprintf("%s is using most of the processor. Busiest: %s.", procs[0].Name, strings.Join(parts, ", ")), Data: procs}
	}
	return Result{Status: OK, Detail: "Busiest programs: " + strings.Join(parts, ", ") + ".", Data: procs}
}

// Printer is one print queue.
type Printer struct {
	Name    string `json:"name"`
	State   string `json:"state"`
	Default bool   `json:"default,omitempty"`
}

func cupsError(out string, err error) (Result, bool) {
	var missing errToolMissing
	if errors.As(err, &missing) {
		return result(Unknown, "The printing tools (CUPS) are not installed on this computer, so Lifeline cannot look at printers."), true
	}
	if (strings.Contains(out, "not running") || strings.Contains(out, "Unable to connect")) && !cupsInstalled() {
		return result(Unknown, "No printing service is installed on this computer, so nothing can print yet."), true
	}
	if strings.Contains(out, "not running") || strings.Contains(out, "Unable to connect") {
		return result(Fail, "The printing service on this computer is not running. Restarting the computer usually starts it again."), true
	}
	return Result{}, false
}

// cupsInstalled reports whether a CUPS scheduler exists here or is
// configured elsewhere (CUPS_SERVER).
func cupsInstalled() bool {
	if os.Getenv("CUPS_SERVER") != "" {
		return true
	}
	for _, p := range []string{"/usr/sbin/cupsd", "/usr/local/sbin/cupsd"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func listPrinters(ctx context.Context) ([]Printer, Result, bool) {
	out, err := runTool(ctx, "lpstat", "-p", "-d")
	if r, bad := cupsError(out, err); bad {
		return nil, r, false
	}
	var ps []Printer
	def := ""
	for _, line := range strings.Split(out, "\n") {
		fs := strings.Fields(line)
		switch {
		case len(fs) >= 3 && fs[0] == "printer":
			state := "idle"
			switch {
			case strings.Contains(line, "disabled"):
				state = "offline"
			case strings.Contains(line, "printing"):
				state = "printing"
			}
			ps = append(ps, Printer{Name: fs[1], State: state})
		case strings.HasPrefix(line, "system default destination:"):
			def = strings.TrimSpace(strings.TrimPrefix(line, "system default destination:"))
		}
	}
	for i := range ps {
		ps[i].Default = ps[i].Name == def
	}
	return ps, Result{}, true
}

func checkPrinters(ctx context.Context, _ *Config) Result {
	ps, r, ok := listPrinters(ctx)
	if !ok {
		return r
	}
	if len(ps) == 0 {
		return result(Warn, "No printers are set up on this computer. Add one before printing.")
	}
	status := OK
	var parts []string
	for _, p := range ps {
		d := ""
		if p.Default {
			d = ", default"
		}
		parts = append(parts, fmt.Sprintf("%s (%s%s)", p.Name, p.State, d))
		if p.State == "offline" {
			status = Warn
		}
	}
	detail := "Printers: " + strings.Join(parts, ", ") + "."
	if status == Warn {
		detail += " A printer marked offline will not print until it is back on line."
	}
	return Result{Status: status, Detail: detail, Data: ps}
}

// queuedJobs lists waiting job ids (lpstat -o).
func queuedJobs(ctx context.Context) ([]string, Result, bool) {
	out, err := runTool(ctx, "lpstat", "-o")
	if r, bad := cupsError(out, err); bad {
		return nil, r, false
	}
	var jobs []string
	for _, line := range strings.Split(out, "\n") {
		if fs := strings.Fields(line); len(fs) > 0 && strings.Contains(fs[0], "-") {
			jobs = append(jobs, fs[0])
		}
	}
	return jobs, Result{}, true
}

func checkPrintQueue(ctx context.Context, _ *Config) Result {
	jobs, r, ok := queuedJobs(ctx)
	if !ok {
		return r
	}
	switch len(jobs) {
	case 0:
		return Result{Status: OK, Detail: "No print jobs are waiting.", Data: 0}
	case 1:
		return Result{Status: Warn, Detail: "1 print job is waiting.", Data: 1}
	}
	return Result{Status: Warn, Detail: fmt.Sprintf("%d print jobs are waiting.", len(jobs)), Data: len(jobs)}
}

func fixClearPrintQueue(ctx context.Context, _ *Config) (string, error) {
	jobs, r, ok := queuedJobs(ctx)
	if !ok {
		return "", errors.New(r.Detail)
	}
	if len(jobs) == 0 {
		return "There were no print jobs waiting.", nil
	}
	if out, err := runTool(ctx, "cancel", "-a"); err != nil {
		return "", fmt.Errorf("cancel print jobs: %s: %w", strings.TrimSpace(out), err)
	}
	left, _, _ := queuedJobs(ctx)
	if len(left) > 0 {
		return fmt.Sprintf("Cancelled %d print job(s); %d belong to someone else and are still waiting.", len(jobs)-len(left), len(left)), nil
	}
	return fmt.Sprintf("Cancelled %d print job(s). The queue is empty.", len(jobs)), nil
}

func checkDisplays(ctx context.Context, _ *Config) Result {
	if os.Getenv("DISPLAY") != "" {
		out, err := runTool(ctx, "xrandr", "--listmonitors")
		if err == nil {
			n := 0
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "Monitors:") {
					n, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "Monitors:")))
				}
			}
			return displaysResult(n)
		}
	}
	// Without X, count connected connectors on the graphics card.
	matches, _ := filepath.Glob(filepath.Join(sysRoot, "class/drm/card*-*/status"))
	if len(matches) == 0 {
		return result(Unknown, "Lifeline could not ask the graphics system how many screens are connected.")
	}
	n := 0
	for _, m := range matches {
		if b, _ := os.ReadFile(m); strings.TrimSpace(string(b)) == "connected" {
			n++
		}
	}
	return displaysResult(n)
}

func displaysResult(n int) Result {
	switch n {
	case 0:
		return Result{Status: Fail, Detail: "No screen is detected.", Data: 0}
	case 1:
		return Result{Status: OK, Detail: "1 screen is detected. If you have a second one plugged in, the computer does not see it yet.", Data: 1}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("%d screens are detected.", n), Data: n}
}

func checkBattery(_ context.Context, _ *Config) Result {
	entries, _ := os.ReadDir(filepath.Join(sysRoot, "class/power_supply"))
	acOnline := false
	var bats []string
	for _, e := range entries {
		switch readSys("class/power_supply", e.Name(), "type") {
		case "Battery":
			if readSys("class/power_supply", e.Name(), "scope") != "Device" {
				bats = append(bats, e.Name())
			}
		case "Mains", "USB":
			acOnline = acOnline || readSys("class/power_supply", e.Name(), "online") == "1"
		}
	}
	if len(bats) == 0 {
		return result(OK, "This computer has no battery (it runs from the mains).")
	}
	b := bats[0]
	capacity, _ := strconv.Atoi(readSys("class/power_supply", b, "capacity"))
	status := readSys("class/power_supply", b, "status")
	data := map[string]any{"percent": capacity, "status": status, "plugged_in": acOnline}
	switch {
	case status == "Charging":
		return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%% and charging.", capacity), Data: data}
	case status == "Full":
		return Result{Status: OK, Detail: "The battery is full.", Data: data}
	case acOnline && status == "Not charging" && capacity >= 75:
		return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%%; the computer is plugged in and holding the charge to protect the battery.", capacity), Data: data}
	case acOnline:
		return Result{Status: Fail, Detail: fmt.Sprintf("The charger is plugged in but the battery (%d%%) is not charging. Try another socket or charger.", capacity), Data: data}
	case capacity < 15:
		return Result{Status: Warn, Detail: fmt.Sprintf("The battery is low (%d%%) and not plugged in.", capacity), Data: data}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%% and running on battery power.", capacity), Data: data}
}

func fixFlushDNS(ctx context.Context, _ *Config) (string, error) {
	if _, err := runTool(ctx, "resolvectl", "flush-caches"); err == nil {
		return "The DNS cache was cleared.", nil
	}
	if _, err := runTool(ctx, "nscd", "-i", "hosts"); err == nil {
		return "The DNS cache was cleared.", nil
	}
	// Without systemd-resolved or nscd, Linux keeps no system DNS cache.
	if _, err := os.Stat("/run/systemd/resolve"); err != nil {
		return "This computer keeps no DNS cache, so there was nothing to clear.", nil
	}
	return "", errors.New("the DNS cache could not be cleared")
}
