package diag

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// The Windows checks, written against winAPI: the system calls behind a
// seam. winapi_windows.go answers it through the system DLLs; the tests
// answer it with fixed values, so everything here runs and is tested on
// Linux too. The values are close to what Windows returns (status bits,
// flags, byte percentages); the mapping to the shared verdicts is here.

// winAPI is what the Windows checks ask Windows. Each method names the
// call it makes in its comment; an error means the call failed or is not
// there (Wine lacks some).
type winAPI interface {
	// adapters: GetAdaptersAddresses.
	adapters() ([]winAdapter, error)
	// routes: GetIpForwardTable2, IPv4 and IPv6.
	routes() ([]winRoute, error)
	// neighbours: GetIpNetTable2.
	neighbours() ([]winNeighbour, error)
	// wlan: WlanOpenHandle, WlanEnumInterfaces, WlanQueryInterface.
	wlan() ([]winWLAN, error)
	// drives: GetLogicalDriveStrings, GetDriveType, GetDiskFreeSpaceEx.
	drives() ([]winDrive, error)
	// memory: GlobalMemoryStatusEx.
	memory() (total, avail uint64, err error)
	// uptime: GetTickCount64.
	uptime() (time.Duration, error)
	// printers: EnumPrinters (level 2) and GetDefaultPrinter.
	printers() (ps []winPrinter, defaultName string, err error)
	// jobs: OpenPrinter and EnumJobs (level 1) on one printer.
	jobs(printer string) ([]winJob, error)
	// cancelJob: SetJob with JOB_CONTROL_DELETE.
	cancelJob(printer string, id uint32) error
	// monitors: EnumDisplayMonitors.
	monitors() (int, error)
	// power: GetSystemPowerStatus.
	power() (winPower, error)
	// flushDNS: DnsFlushResolverCache.
	flushDNS() error
	// recycleBin: SHQueryRecycleBin over every drive.
	recycleBin() (items, bytes int64, err error)
	// emptyRecycleBin: SHEmptyRecycleBin without confirmation.
	emptyRecycleBin() error
	// userName: GetUserNameEx; the account print jobs are filed under.
	userName() (string, error)
}

// winAdapter is one entry of GetAdaptersAddresses.
type winAdapter struct {
	Luid         uint64
	FriendlyName string // "Wi-Fi", "Ethernet 2"
	Description  string // "Intel(R) Wi-Fi 6 AX201 160MHz"
	IfType       uint32 // IANA ifType: 6 Ethernet, 71 Wi-Fi, 23 PPP, 24 loopback
	OperUp       bool   // OperStatus == IfOperStatusUp
	Addrs        []net.IP
	Gateways     []net.IP
	Ipv4Metric   uint32
	Ipv6Metric   uint32
}

// IANA interface types (ipifcons.h) the checks look at.
const (
	ifTypePPP      = 23
	ifTypeLoopback = 24
	ifTypeWiFi     = 71
)

// winRoute is one row of GetIpForwardTable2.
type winRoute struct {
	Luid         uint64
	PrefixLength uint8
	NextHop      net.IP
	Metric       uint32
	IPv6         bool
}

// winNeighbour is one row of GetIpNetTable2.
type winNeighbour struct {
	IP    net.IP
	State uint32 // NL_NEIGHBOR_STATE
}

// NL_NEIGHBOR_STATE values: from Probe on, the entry has the neighbour's
// link-layer address (Linux's "complete").
const (
	nlnsUnreachable = 0
	nlnsIncomplete  = 1
	nlnsProbe       = 2
	nlnsPermanent   = 6
)

// winWLAN is one Wi-Fi interface from wlanapi.
type winWLAN struct {
	Description string
	State       uint32 // WLAN_INTERFACE_STATE
	// RadioKnown says wlan_intf_opcode_radio_state answered; SoftwareOff
	// and HardwareOff are then whether every radio (PHY) is off that way.
	RadioKnown, SoftwareOff, HardwareOff bool
	// SSID and Quality (wlanSignalQuality, 0–100; -1 unknown) come from
	// wlan_intf_opcode_current_connection while connected.
	SSID    string
	Quality int
}

// WLAN_INTERFACE_STATE wlan_interface_state_connected.
const wlanConnected = 1

// errNoWiFiService is what the Windows layer returns when the WLAN
// AutoConfig service is not running (WlanOpenHandle fails with
// ERROR_SERVICE_NOT_ACTIVE): a desktop with no Wi-Fi adapter.
var errNoWiFiService = errors.New("WLAN AutoConfig service is not running")

// errSpoolerStopped is what the Windows layer returns when the Print
// Spooler does not answer (RPC_S_SERVER_UNAVAILABLE).
var errSpoolerStopped = errors.New("the Print Spooler service is not running")

// winDrive is one drive root from GetLogicalDriveStrings.
type winDrive struct {
	Root        string // `C:\`
	Type        uint32 // GetDriveType
	Total, Free uint64 // GetDiskFreeSpaceEx: total, and free to this user
	Err         error  // GetDiskFreeSpaceEx failed (an empty card reader)
}

// GetDriveType's DRIVE_FIXED: a disk inside the computer.
const driveFixed = 3

// winPrinter is one PRINTER_INFO_2.
type winPrinter struct {
	Name       string
	Status     uint32 // PRINTER_STATUS_*
	Attributes uint32 // PRINTER_ATTRIBUTE_*
}

// PRINTER_STATUS_* and PRINTER_ATTRIBUTE_* bits the checks read.
const (
	printerStatusPaused        = 0x00000001
	printerStatusError         = 0x00000002
	printerStatusPaperJam      = 0x00000008
	printerStatusPaperOut      = 0x00000010
	printerStatusPaperProblem  = 0x00000040
	printerStatusOffline       = 0x00000080
	printerStatusPrinting      = 0x00000400
	printerStatusNotAvailable  = 0x00001000
	printerStatusNoToner       = 0x00040000
	printerStatusUserInterv    = 0x00100000
	printerStatusDoorOpen      = 0x00400000
	printerAttributeWorkOffine = 0x00000400
)

// winPrinterState maps a printer's status bits to the shared states.
func winPrinterState(p winPrinter) string {
	const attention = printerStatusError | printerStatusPaperJam | printerStatusPaperOut | printerStatusPaperProblem |
		printerStatusNoToner | printerStatusUserInterv | printerStatusDoorOpen
	switch {
	case p.Status&(printerStatusOffline|printerStatusNotAvailable) != 0 || p.Attributes&printerAttributeWorkOffine != 0:
		return printerOffline
	case p.Status&printerStatusPaused != 0:
		return printerPaused
	case p.Status&attention != 0:
		return printerAttention
	case p.Status&printerStatusPrinting != 0:
		return printerPrinting
	}
	return printerIdle
}

// winJob is one JOB_INFO_1.
type winJob struct {
	ID       uint32
	User     string
	Document string
}

// winPower is SYSTEM_POWER_STATUS.
type winPower struct {
	ACLineStatus        byte // 0 off, 1 on, 255 unknown
	BatteryFlag         byte // 1 high, 2 low, 4 critical, 8 charging, 128 no battery, 255 unknown
	BatteryLifePercent  byte // 0–100, 255 unknown
	BatteryFullLifeTime uint32
}

// winBattery maps SYSTEM_POWER_STATUS to the shared battery state; ok is
// false when Windows does not know.
func winBattery(p winPower) (b batteryState, ok bool) {
	const noBattery, charging, unknown = 128, 8, 255
	if p.BatteryFlag&noBattery != 0 && p.BatteryFlag != unknown {
		return batteryState{PluggedIn: p.ACLineStatus == 1}, true
	}
	if p.BatteryFlag == unknown || p.BatteryLifePercent == unknown {
		return batteryState{}, false
	}
	b = batteryState{Present: true, Percent: int(p.BatteryLifePercent), PluggedIn: p.ACLineStatus == 1}
	switch {
	case p.BatteryFlag&charging != 0:
		b.Status = batteryCharging
	case b.PluggedIn && b.Percent >= 100:
		b.Status = batteryFull
	case b.PluggedIn:
		b.Status = batteryNotCharging
	default:
		b.Status = batteryDischarging
	}
	return b, true
}

// vpnWords are found in the descriptions Windows VPN clients give their
// adapters ("TAP-Windows Adapter V9", "WireGuard Tunnel", "PANGP Virtual
// Ethernet Adapter", "Cisco AnyConnect Secure Mobility Client Virtual
// Miniport Adapter").
func vpnWords() []string {
	return []string{"vpn", "tap-windows", "wireguard", "wintun", "anyconnect", "pangp", "globalprotect", "fortinet",
		"forticlient", "sonicwall", "juniper", "pulse secure", "ivanti", "openvpn", "tailscale", "zerotier", "nordlynx",
		"check point", "f5 networks", "netextender", "cisco secure client", "zscaler"}
}

// winIsVPN reports whether an adapter is a VPN's: a dial-up (PPP) link
// (Windows' own VPN connections) other than the WAN Miniports, or one
// whose description or name is a VPN client's. Friendly names are the
// user's own ("Ethernet 2"), so Linux's name prefixes are not used.
func winIsVPN(a winAdapter) bool {
	desc := strings.ToLower(a.Description + " " + a.FriendlyName)
	if a.IfType == ifTypePPP && !strings.Contains(desc, "wan miniport") {
		return true
	}
	for _, w := range vpnWords() {
		if strings.Contains(desc, w) {
			return true
		}
	}
	return false
}

// winVirtualSwitch reports whether an adapter is the host side of a
// virtual machine network (Hyper-V and WSL, VirtualBox, VMware): always
// up, so it says nothing about whether the computer is on a network.
func winVirtualSwitch(a winAdapter) bool {
	desc := strings.ToLower(a.Description)
	for _, w := range []string{"hyper-v virtual ethernet", "virtualbox host-only", "vmware virtual ethernet"} {
		if strings.Contains(desc, w) {
			return true
		}
	}
	return false
}

// winChecks are the Windows checks over api, with the portable ones (DNS,
// HTTPS, clock, internet, busiest programs).
func winChecks(api winAPI) map[string]checkDef {
	w := winChecker{api}
	m := commonChecks()
	for name, def := range map[string]checkDef{
		CheckInterfaces: {"Network connection", w.interfaces},
		CheckRoute:      {"Route to the internet", w.route},
		CheckGateway:    {"Router", w.gateway},
		CheckWiFi:       {"Wi-Fi", w.wifi},
		CheckVPN:        {"VPN", w.vpn},
		CheckDisk:       {"Free disk space", w.disk},
		CheckMemory:     {"Memory", w.memory},
		CheckUptime:     {"Time since restart", w.uptime},
		CheckCPU:        {"Busiest programs", checkCPU},
		CheckPrinters:   {"Printers", w.printers},
		CheckPrintQueue: {"Print queue", w.printQueue},
		CheckDisplays:   {"Screens", w.displays},
		CheckBattery:    {"Battery", w.battery},
	} {
		m[name] = def
	}
	// The internet check walks this platform's chain, not Linux's.
	m[CheckInternet] = checkDef{m[CheckInternet].title, func(ctx context.Context, cfg *Config) Result {
		return internetChain(ctx, cfg, []checkFunc{w.interfaces, w.route, w.gateway, checkDNS, checkHTTPS})
	}}
	return m
}

// winFixes are the Windows fixes over api.
func winFixes(api winAPI) map[string]fixDef {
	w := winChecker{api}
	return map[string]fixDef{
		FixCleanTemp: {"Delete temporary files and empty the Recycle Bin",
			"Permanently delete your temporary files and everything in the Recycle Bin? Files in the Recycle Bin cannot be recovered afterwards.", w.cleanTemp},
		FixClearPrintQueue: {"Clear the print queue", "Cancel all your waiting print jobs? You can print the documents again afterwards.", w.clearPrintQueue},
		FixFlushDNS:        {"Clear the DNS cache", "Clear this computer's saved name lookups (DNS cache)? This is safe and takes a second.", w.flushDNS},
	}
}

type winChecker struct{ api winAPI }

func (w winChecker) interfaces(context.Context, *Config) Result {
	was, err := w.api.adapters()
	if err != nil {
		return cantCheck("GetAdaptersAddresses", err)
	}
	ads := make([]adapter, 0, len(was))
	for _, a := range was {
		if winVirtualSwitch(a) {
			continue
		}
		ads = append(ads, adapter{Name: a.FriendlyName, Description: a.Description, Up: a.OperUp, Loopback: a.IfType == ifTypeLoopback, Addrs: a.Addrs})
	}
	return interfacesResult(ads)
}

// defaultRoutes are the routes to everywhere (prefix length 0) over
// adapters that are up, best (lowest route plus interface metric) first,
// named by the adapter's friendly name. Where GetIpForwardTable2 fails,
// the adapters' gateway addresses stand in.
func (w winChecker) defaultRoutes() ([]defaultRoute, error) {
	was, err := w.api.adapters()
	if err != nil {
		return nil, fmt.Errorf("GetAdaptersAddresses: %w", err)
	}
	byLuid := map[uint64]winAdapter{}
	for _, a := range was {
		byLuid[a.Luid] = a
	}
	rows, rerr := w.api.routes()
	if rerr != nil {
		var out []defaultRoute
		for _, a := range was {
			if a.OperUp && a.IfType != ifTypeLoopback {
				for _, gw := range a.Gateways {
					out = append(out, defaultRoute{iface: a.FriendlyName, gateway: gw})
				}
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("GetIpForwardTable2: %w", rerr)
		}
		return out, nil
	}
	type ranked struct {
		r      defaultRoute
		metric uint32
		v6     bool
	}
	var rs []ranked
	for _, row := range rows {
		a, ok := byLuid[row.Luid]
		if row.PrefixLength != 0 || !ok || !a.OperUp || a.IfType == ifTypeLoopback {
			continue
		}
		metric := row.Metric + a.Ipv4Metric
		if row.IPv6 {
			metric = row.Metric + a.Ipv6Metric
		}
		rs = append(rs, ranked{defaultRoute{iface: a.FriendlyName, gateway: row.NextHop}, metric, row.IPv6})
	}
	// IPv4 first, as Linux lists them, then by metric.
	slices.SortStableFunc(rs, func(a, b ranked) int {
		if a.v6 != b.v6 {
			if a.v6 {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.metric, b.metric)
	})
	out := make([]defaultRoute, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.r)
	}
	return out, nil
}

func (w winChecker) route(context.Context, *Config) Result {
	routes, err := w.defaultRoutes()
	if err != nil {
		return cantCheck("routes", err)
	}
	return routeResult(routes)
}

func (w winChecker) gateway(ctx context.Context, _ *Config) Result {
	routes, err := w.defaultRoutes()
	if err != nil {
		return cantCheck("routes", err)
	}
	neigh, _ := w.api.neighbours()
	complete := func(ip net.IP) bool {
		for _, n := range neigh {
			if n.IP.Equal(ip) && n.State >= nlnsProbe && n.State <= nlnsPermanent {
				return true
			}
		}
		return false
	}
	var d net.Dialer
	return gatewayResult(ctx, routes, complete, d.DialContext)
}

func (w winChecker) wifi(context.Context, *Config) Result {
	ifs, err := w.api.wlan()
	if errors.Is(err, errNoWiFiService) {
		return wifiResult(nil, false)
	}
	if err != nil {
		return cantCheck("wlanapi", err)
	}
	links := make([]wifiLink, 0, len(ifs))
	radioOff := len(ifs) > 0
	for _, i := range ifs {
		radioOff = radioOff && i.RadioKnown && (i.SoftwareOff || i.HardwareOff)
		links = append(links, wifiLink{Name: i.Description, Connected: i.State == wlanConnected, Quality: i.Quality, SSID: i.SSID})
	}
	return wifiResult(links, radioOff)
}

func (w winChecker) vpn(_ context.Context, cfg *Config) Result {
	was, err := w.api.adapters()
	if err != nil {
		return cantCheck("GetAdaptersAddresses", err)
	}
	var found []string
	for _, a := range was {
		if a.OperUp && winIsVPN(a) {
			found = append(found, fmt.Sprintf("%s (%s)", a.FriendlyName, a.Description))
		}
	}
	return vpnResult(found, cfg.VPNExpected)
}

// winVolumes are the fixed drives that answered, as "C:".
func winVolumes(ds []winDrive) []Volume {
	var out []Volume
	for _, d := range ds {
		if d.Type != driveFixed || d.Err != nil || d.Total == 0 {
			continue
		}
		out = append(out, Volume{Mount: strings.TrimSuffix(d.Root, `\`), TotalBytes: d.Total, FreeBytes: d.Free, FreePercent: 100 * float64(d.Free) / float64(d.Total)})
	}
	slices.SortFunc(out, func(a, b Volume) int { return cmp.Compare(a.Mount, b.Mount) })
	return out
}

func (w winChecker) disk(_ context.Context, cfg *Config) Result {
	ds, err := w.api.drives()
	if err != nil {
		return cantCheck("GetLogicalDriveStrings", err)
	}
	return diskResult(winVolumes(ds), cfg)
}

func (w winChecker) memory(context.Context, *Config) Result {
	total, avail, err := w.api.memory()
	if err != nil {
		return cantCheck("GlobalMemoryStatusEx", err)
	}
	return memoryResult(total, avail)
}

func (w winChecker) uptime(context.Context, *Config) Result {
	up, err := w.api.uptime()
	if err != nil {
		return cantCheck("GetTickCount64", err)
	}
	return uptimeResult(up)
}

// printerList is every printer with its shared state, the default marked.
func (w winChecker) printerList() ([]Printer, error) {
	wps, def, err := w.api.printers()
	if err != nil {
		return nil, err
	}
	ps := make([]Printer, 0, len(wps))
	for _, p := range wps {
		ps = append(ps, Printer{Name: p.Name, State: winPrinterState(p), Default: p.Name == def})
	}
	return ps, nil
}

func (w winChecker) printers(context.Context, *Config) Result {
	ps, err := w.printerList()
	if errors.Is(err, errSpoolerStopped) {
		return printingStopped()
	}
	if err != nil {
		return cantCheck("EnumPrinters", err)
	}
	return printersResult(ps)
}

// queue is every waiting job, by printer.
func (w winChecker) queue() (map[string][]winJob, int, error) {
	wps, _, err := w.api.printers()
	if err != nil {
		return nil, 0, fmt.Errorf("EnumPrinters: %w", err)
	}
	jobs := map[string][]winJob{}
	n := 0
	for _, p := range wps {
		js, err := w.api.jobs(p.Name)
		if err != nil {
			return nil, 0, fmt.Errorf("EnumJobs %q: %w", p.Name, err)
		}
		jobs[p.Name] = js
		n += len(js)
	}
	return jobs, n, nil
}

func (w winChecker) printQueue(context.Context, *Config) Result {
	_, n, err := w.queue()
	if errors.Is(err, errSpoolerStopped) {
		return printingStopped()
	}
	if err != nil {
		return cantCheck("print queue", err)
	}
	return printQueueResult(n)
}

// sameUser compares a job's owner ("anna") with the account
// ("OFFICE\anna"), ignoring case and domain.
func sameUser(owner, account string) bool {
	_, acct, ok := strings.Cut(account, `\`)
	if !ok {
		acct = account
	}
	return owner != "" && strings.EqualFold(owner, acct)
}

// clearPrintQueue cancels the person's own jobs on every printer; other
// people's stay (Windows would refuse them anyway without admin rights).
func (w winChecker) clearPrintQueue(ctx context.Context, _ *Config) (string, error) {
	jobs, before, err := w.queue()
	if err != nil {
		return "", fmt.Errorf("read the print queue: %w", err)
	}
	if before == 0 {
		return clearedMessage(0, 0), nil
	}
	me, err := w.api.userName()
	if err != nil {
		return "", fmt.Errorf("find your account name: %w", err)
	}
	var firstErr error
	cancelled := 0
	for printer, js := range jobs {
		for _, j := range js {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			if !sameUser(j.User, me) {
				continue
			}
			if err := w.api.cancelJob(printer, j.ID); err != nil {
				firstErr = cmp.Or(firstErr, fmt.Errorf("cancel job %d on %q: %w", j.ID, printer, err))
				continue
			}
			cancelled++
		}
	}
	if cancelled == 0 && firstErr != nil {
		return "", firstErr
	}
	_, left, err := w.queue()
	if err != nil {
		left = before - cancelled
	}
	return clearedMessage(before, left), nil
}

func (w winChecker) displays(context.Context, *Config) Result {
	n, err := w.api.monitors()
	if err != nil {
		return cantCheck("EnumDisplayMonitors", err)
	}
	return displaysResult(n)
}

func (w winChecker) battery(context.Context, *Config) Result {
	p, err := w.api.power()
	if err != nil {
		return cantCheck("GetSystemPowerStatus", err)
	}
	b, ok := winBattery(p)
	if !ok {
		return Result{Status: Unknown, Detail: "Lifeline couldn't check this on this computer.", Technical: "GetSystemPowerStatus: battery state unknown (flag 255)."}
	}
	return batteryResult(b)
}

func (w winChecker) flushDNS(context.Context, *Config) (string, error) {
	if err := w.api.flushDNS(); err != nil {
		return "", fmt.Errorf("the DNS cache could not be cleared: %w", err)
	}
	return "The DNS cache was cleared.", nil
}

// emptyTrash empties the Recycle Bin of every drive, counting first what
// it held.
func (w winChecker) emptyTrash(context.Context, string) (int, int64, error) {
	items, bytes, qerr := w.api.recycleBin()
	if qerr == nil && items == 0 {
		return 0, 0, nil
	}
	// A bin that cannot be counted may still be emptied.
	if err := w.api.emptyRecycleBin(); err != nil {
		if qerr != nil {
			return 0, 0, fmt.Errorf("SHQueryRecycleBin: %w; SHEmptyRecycleBin: %w", qerr, err)
		}
		return 0, 0, fmt.Errorf("SHEmptyRecycleBin: %w", err)
	}
	return int(items), bytes, nil
}

func (w winChecker) cleanTemp(ctx context.Context, cfg *Config) (string, error) {
	return cleanTemp(ctx, cfg, w.emptyTrash, "Recycle Bin")
}
