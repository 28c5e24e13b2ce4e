package diag

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeWin answers the Windows checks' system calls with fixed values, in
// the shapes Windows returns them; a set err field makes that call fail.
type fakeWin struct {
	ads                []winAdapter
	adsErr             error
	rts                []winRoute
	rtsErr             error
	neigh              []winNeighbour
	wifi               []winWLAN
	wifiErr            error
	drvs               []winDrive
	drvErr             error
	total, avail       uint64
	memErr             error
	up                 time.Duration
	upErr              error
	prs                []winPrinter
	defPrinter         string
	prErr              error
	queues             map[string][]winJob
	jobsErr            error
	cancelErr          error
	cancelled          []string
	mons               int
	monErr             error
	pwr                winPower
	pwrErr             error
	dnsErr             error
	binItems, binBytes int64
	binErr, emptyErr   error
	emptied            bool
	user               string
}

func (f *fakeWin) adapters() ([]winAdapter, error)     { return f.ads, f.adsErr }
func (f *fakeWin) routes() ([]winRoute, error)         { return f.rts, f.rtsErr }
func (f *fakeWin) neighbours() ([]winNeighbour, error) { return f.neigh, nil }
func (f *fakeWin) wlan() ([]winWLAN, error)            { return f.wifi, f.wifiErr }
func (f *fakeWin) drives() ([]winDrive, error)         { return f.drvs, f.drvErr }
func (f *fakeWin) memory() (uint64, uint64, error)     { return f.total, f.avail, f.memErr }
func (f *fakeWin) uptime() (time.Duration, error)      { return f.up, f.upErr }
func (f *fakeWin) printers() ([]winPrinter, string, error) {
	return f.prs, f.defPrinter, f.prErr
}
func (f *fakeWin) jobs(p string) ([]winJob, error) { return slices.Clone(f.queues[p]), f.jobsErr }
func (f *fakeWin) cancelJob(p string, id uint32) error {
	if f.cancelErr != nil {
		return f.cancelErr
	}
	js := f.queues[p]
	i := slices.IndexFunc(js, func(j winJob) bool { return j.ID == id })
	if i < 0 {
		return errors.New("The parameter is incorrect.")
	}
	f.cancelled = append(f.cancelled, p+"/"+js[i].Document)
	f.queues[p] = slices.Delete(js, i, i+1)
	return nil
}
func (f *fakeWin) monitors() (int, error)            { return f.mons, f.monErr }
func (f *fakeWin) power() (winPower, error)          { return f.pwr, f.pwrErr }
func (f *fakeWin) flushDNS() error                   { return f.dnsErr }
func (f *fakeWin) recycleBin() (int64, int64, error) { return f.binItems, f.binBytes, f.binErr }
func (f *fakeWin) emptyRecycleBin() error            { f.emptied = f.emptyErr == nil; return f.emptyErr }
func (f *fakeWin) userName() (string, error)         { return f.user, nil }

// scratchDir is a temporary folder removed after the test. Not t.TempDir:
// under Wine 8, os.RemoveAll cannot remove a directory (Go removes with
// FILE_DISPOSITION_INFORMATION_EX, which Wine lacks: "Invalid function"),
// so t.TempDir's clean-up fails there.
func scratchDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lifeline-diag-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var dirs []string
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
			case d.IsDir():
				dirs = append(dirs, p)
			default:
				os.Remove(p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			os.Remove(dirs[i])
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("could not remove %s", dir)
		}
	})
	return dir
}

// winRunner is a Runner with the Windows checks and fixes over api.
func winRunner(cfg Config, api winAPI) *Runner {
	r := New(cfg)
	r.checks, r.fixes = winChecks(api), winFixes(api)
	return r
}

// A laptop as GetAdaptersAddresses describes it: loopback, Wi-Fi up,
// Ethernet unplugged, the always-present WAN Miniport and Teredo.
var (
	loopback = winAdapter{Luid: 1, FriendlyName: "Loopback Pseudo-Interface 1", Description: "Software Loopback Interface 1",
		IfType: ifTypeLoopback, OperUp: true, Addrs: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}}
	wlanAd = winAdapter{Luid: 2, FriendlyName: "Wi-Fi", Description: "Intel(R) Wi-Fi 6 AX201 160MHz", IfType: ifTypeWiFi, OperUp: true,
		Addrs: []net.IP{net.ParseIP("fe80::1"), net.ParseIP("192.0.2.23")}, Gateways: []net.IP{net.ParseIP("192.0.2.1")}, Ipv4Metric: 35, Ipv6Metric: 35}
	ethDown = winAdapter{Luid: 3, FriendlyName: "Ethernet", Description: "Realtek PCIe GbE Family Controller", IfType: 6,
		Addrs: []net.IP{net.ParseIP("169.254.3.4")}, Ipv4Metric: 25}
	wanPPP = winAdapter{Luid: 4, FriendlyName: "WAN Miniport (PPPOE)", Description: "WAN Miniport (PPPOE)", IfType: ifTypePPP, OperUp: true}
	teredo = winAdapter{Luid: 5, FriendlyName: "Teredo Tunneling Pseudo-Interface", Description: "Microsoft Teredo Tunneling Adapter", IfType: 131, OperUp: true}
	wg     = winAdapter{Luid: 6, FriendlyName: "office", Description: "WireGuard Tunnel", IfType: 53, OperUp: true,
		Addrs: []net.IP{net.ParseIP("10.8.0.2")}, Ipv4Metric: 5}
	wsl = winAdapter{Luid: 7, FriendlyName: "vEthernet (WSL)", Description: "Hyper-V Virtual Ethernet Adapter", IfType: 6, OperUp: true,
		Addrs: []net.IP{net.ParseIP("172.20.0.1")}}
	builtinVPN = winAdapter{Luid: 8, FriendlyName: "Office VPN", Description: "Office VPN", IfType: ifTypePPP, OperUp: true,
		Addrs: []net.IP{net.ParseIP("10.9.0.7")}}
	laptop = []winAdapter{loopback, wlanAd, ethDown, wanPPP, teredo, wsl}
)

type winCase struct {
	name      string
	check     string
	api       *fakeWin
	cfg       Config
	status    Status
	detail    string
	technical string
}

func runWinCases(t *testing.T, cases []winCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := winRunner(c.cfg, c.api).Check(context.Background(), c.check)
			if res.Status != c.status || res.Detail != c.detail || res.Technical != c.technical {
				t.Errorf("got %s %q (technical %q)\nwant %s %q (technical %q)", res.Status, res.Detail, res.Technical, c.status, c.detail, c.technical)
			}
		})
	}
}

// Errors as Windows words them (the errors are portable: x/sys/windows
// does not build on Linux).
var (
	errNotImpl      = errors.New("This function is not supported on this system.")
	errAccessDenied = errors.New("Access is denied.")
	errNotReady     = errors.New("The device is not ready.")
	errNoRPC        = errors.New("The RPC server is unavailable.")
)

const cantSentence = "Lifeline couldn't check this on this computer."

func TestWindowsLogicNetwork(t *testing.T) {
	defRoute := func(luid uint64, hop string, metric uint32) winRoute {
		return winRoute{Luid: luid, NextHop: net.ParseIP(hop), Metric: metric}
	}
	v4Routes := []winRoute{
		{Luid: 2, PrefixLength: 24, NextHop: net.IPv4zero},
		defRoute(3, "198.51.100.1", 0), // Ethernet is down
		defRoute(2, "192.0.2.1", 0),
		{Luid: 2, NextHop: net.ParseIP("fe80::1"), IPv6: true},
	}
	runWinCases(t, []winCase{
		{name: "adapters up", check: CheckInterfaces, api: &fakeWin{ads: laptop}, status: OK,
			detail: "This computer is connected to a network.", technical: "Adapters up: Wi-Fi (192.0.2.23)."},
		{name: "only loopback, link-local and WSL's switch", check: CheckInterfaces, api: &fakeWin{ads: []winAdapter{loopback, ethDown, teredo, wsl}}, status: Fail,
			detail: "This computer is not connected to a network. Check that Wi-Fi is on or the network cable is plugged in."},
		{name: "adapters call fails", check: CheckInterfaces, api: &fakeWin{adsErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "GetAdaptersAddresses: " + errNotImpl.Error() + "."},
		{name: "route via router", check: CheckRoute, api: &fakeWin{ads: laptop, rts: v4Routes}, status: OK,
			detail: "This computer has a way out to the internet, through the router.", technical: "Default route: via 192.0.2.1 dev Wi-Fi."},
		{name: "lowest metric wins", check: CheckRoute, api: &fakeWin{ads: append(laptop, wg),
			rts: append(v4Routes, winRoute{Luid: 6, NextHop: net.IPv4zero, Metric: 0})}, status: OK,
			detail: "This computer has a way out to the internet.", technical: "Default route: dev office (point to point)."},
		{name: "no default route", check: CheckRoute, api: &fakeWin{ads: laptop, rts: v4Routes[:2]}, status: Fail,
			detail: "This computer has no route to the internet. It is connected to a network that gives it no way out, or not connected at all."},
		{name: "route table missing, adapter gateway stands in", check: CheckRoute, api: &fakeWin{ads: laptop, rtsErr: errNotImpl}, status: OK,
			detail: "This computer has a way out to the internet, through the router.", technical: "Default route: via 192.0.2.1 dev Wi-Fi."},
		{name: "route table and gateways missing", check: CheckRoute, api: &fakeWin{ads: []winAdapter{loopback}, rtsErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "routes: GetIpForwardTable2: " + errNotImpl.Error() + "."},
		{name: "gateway in the neighbour table", check: CheckGateway, api: &fakeWin{ads: laptop, rts: v4Routes,
			neigh: []winNeighbour{{IP: net.ParseIP("192.0.2.1"), State: 4}}}, status: OK,
			detail: "The router answers.", technical: "Gateway 192.0.2.1 answers."},
		{name: "gateway point to point", check: CheckGateway, api: &fakeWin{ads: []winAdapter{wg}, rts: []winRoute{defRoute(6, "0.0.0.0", 0)}}, status: OK,
			detail: "This connection has no separate router to test."},
		{name: "gateway without route", check: CheckGateway, api: &fakeWin{ads: laptop}, status: Fail,
			detail: "There is no router to test: this computer has no route to the internet."},
		{name: "vpn up", check: CheckVPN, api: &fakeWin{ads: append(laptop, wg)}, status: OK,
			detail: "A VPN connection is active.", technical: "VPN adapters up: office (WireGuard Tunnel)."},
		{name: "Windows' own VPN connection", check: CheckVPN, api: &fakeWin{ads: append(laptop, builtinVPN)}, status: OK,
			detail: "A VPN connection is active.", technical: "VPN adapters up: Office VPN (Office VPN)."},
		{name: "WAN Miniport, Teredo and WSL are no VPN", check: CheckVPN, api: &fakeWin{ads: laptop}, cfg: Config{VPNExpected: true}, status: Warn,
			detail: "No VPN connection is active on this computer. Your organisation expects one: connect the VPN, then try again."},
		{name: "no vpn, none expected", check: CheckVPN, api: &fakeWin{ads: laptop}, status: OK,
			detail: "No VPN is in use. You only need one to reach work systems from outside the office."},
		{name: "internet: adapter and router", check: CheckInternet, api: &fakeWin{ads: laptop, rts: v4Routes,
			neigh: []winNeighbour{{IP: net.ParseIP("192.0.2.1"), State: 5}}}, status: OK,
			detail: "The network adapter and the router are working. Lifeline has no test address to check the internet beyond them."},
		{name: "internet: no route", check: CheckInternet, api: &fakeWin{ads: laptop, rts: v4Routes[:1]}, status: Fail,
			detail: "This computer has no route to the internet. It is connected to a network that gives it no way out, or not connected at all."},
	})
}

func TestWindowsLogicGatewaySilent(t *testing.T) {
	var dialled []string
	dial := func(_ context.Context, _, addr string) (net.Conn, error) {
		dialled = append(dialled, addr)
		return nil, errors.New("i/o timeout")
	}
	res := gatewayResult(context.Background(), []defaultRoute{{iface: "Wi-Fi", gateway: net.ParseIP("192.0.2.1")}}, func(net.IP) bool { return false }, dial)
	if res.Status != Fail || res.Technical != "Gateway 192.0.2.1: no neighbour entry and no answer on TCP 53, 80 or 443." {
		t.Errorf("got %+v", res)
	}
	if want := []string{"192.0.2.1:53", "192.0.2.1:80", "192.0.2.1:443"}; !slices.Equal(dialled, want) {
		t.Errorf("dialled %q, want %q", dialled, want)
	}
	refused := func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Err: wsaeConnRefused}
	}
	if res := gatewayResult(context.Background(), []defaultRoute{{iface: "Wi-Fi", gateway: net.ParseIP("192.0.2.1")}}, func(net.IP) bool { return false }, refused); res.Status != OK {
		t.Errorf("Winsock refusal: got %+v", res)
	}
}

func TestWindowsLogicWiFi(t *testing.T) {
	on := winWLAN{Description: "Intel(R) Wi-Fi 6 AX201 160MHz", RadioKnown: true, Quality: -1}
	connected := on
	connected.State, connected.SSID, connected.Quality = wlanConnected, "Office", 82
	weak := connected
	weak.Quality = 18
	off := on
	off.SoftwareOff = true
	hwOff := on
	hwOff.HardwareOff = true
	disconnected := on
	disconnected.State = 4
	runWinCases(t, []winCase{
		{name: "connected", check: CheckWiFi, api: &fakeWin{wifi: []winWLAN{connected}}, status: OK,
			detail: `Wi-Fi is connected to the network "Office".`, technical: `Intel(R) Wi-Fi 6 AX201 160MHz up, network "Office", link quality 82%.`},
		{name: "weak", check: CheckWiFi, api: &fakeWin{wifi: []winWLAN{weak}}, status: Warn,
			detail:    `Wi-Fi is connected to the network "Office" but the signal is weak (18%). Move closer to the Wi-Fi router.`,
			technical: `Intel(R) Wi-Fi 6 AX201 160MHz up, network "Office", link quality 18%.`},
		{name: "not connected", check: CheckWiFi, api: &fakeWin{wifi: []winWLAN{disconnected}}, status: Fail,
			detail: "Wi-Fi is on but not connected to a network. Choose your network from the Wi-Fi menu."},
		{name: "airplane mode", check: CheckWiFi, api: &fakeWin{wifi: []winWLAN{off}}, status: Fail,
			detail: "Wi-Fi is switched off: airplane mode is on, or the Wi-Fi switch or key (often Fn + F2 or a key with an antenna icon) is off."},
		{name: "hardware switch", check: CheckWiFi, api: &fakeWin{wifi: []winWLAN{hwOff}}, status: Fail,
			detail: "Wi-Fi is switched off: airplane mode is on, or the Wi-Fi switch or key (often Fn + F2 or a key with an antenna icon) is off."},
		{name: "one radio of two off", check: CheckWiFi, api: &fakeWin{wifi: []winWLAN{off, connected}}, status: OK,
			detail: `Wi-Fi is connected to the network "Office".`, technical: `Intel(R) Wi-Fi 6 AX201 160MHz up, network "Office", link quality 82%.`},
		{name: "no WLAN service: a desktop", check: CheckWiFi, api: &fakeWin{wifiErr: errNoWiFiService}, status: Unknown,
			detail: "Lifeline did not find a Wi-Fi adapter on this computer. If it should have one, it may be switched off."},
		{name: "no interfaces", check: CheckWiFi, api: &fakeWin{}, status: Unknown,
			detail: "Lifeline did not find a Wi-Fi adapter on this computer. If it should have one, it may be switched off."},
		{name: "wlanapi fails", check: CheckWiFi, api: &fakeWin{wifiErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "wlanapi: " + errNotImpl.Error() + "."},
	})
}

func TestWindowsLogicSystem(t *testing.T) {
	const gb = 1 << 30
	drives := []winDrive{
		{Root: `D:\`, Type: driveFixed, Total: 500 * gb, Free: 10 * gb},
		{Root: `C:\`, Type: driveFixed, Total: 250 * gb, Free: 100 * gb},
		{Root: `E:\`, Type: 5},                                 // DVD drive
		{Root: `F:\`, Type: 2, Total: 16 * gb, Free: 0},        // USB stick
		{Root: `G:\`, Type: driveFixed, Err: errNotReady},      // not ready
		{Root: `Z:\`, Type: 4, Total: 1000 * gb, Free: 1 * gb}, // network drive
	}
	runWinCases(t, []winCase{
		{name: "disk almost full", check: CheckDisk, api: &fakeWin{drvs: drives}, status: Fail,
			detail: "A disk is almost full. Drive C: 100 GB free of 250 GB (40%); Drive D: 10 GB free of 500 GB (2%). Programs may stop working until you free some space."},
		{name: "disk getting full", check: CheckDisk, api: &fakeWin{drvs: []winDrive{{Root: `C:\`, Type: driveFixed, Total: 250 * gb, Free: 20 * gb}}}, status: Warn,
			detail: "A disk is getting full. Drive C: 20 GB free of 250 GB (8%)."},
		{name: "no drives answered", check: CheckDisk, api: &fakeWin{drvs: drives[2:5]}, status: Unknown,
			detail: "Lifeline could not read the disks on this computer."},
		{name: "drives call fails", check: CheckDisk, api: &fakeWin{drvErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "GetLogicalDriveStrings: " + errNotImpl.Error() + "."},
		{name: "memory low", check: CheckMemory, api: &fakeWin{total: 8 * gb, avail: gb}, status: Warn,
			detail: "1.0 GB of 8.0 GB memory is free (12%). Memory is running low: close programs you are not using."},
		{name: "memory call fails", check: CheckMemory, api: &fakeWin{memErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "GlobalMemoryStatusEx: " + errNotImpl.Error() + "."},
		{name: "uptime weeks", check: CheckUptime, api: &fakeWin{up: 9 * 24 * time.Hour}, status: Warn,
			detail: "The computer has not been restarted for 9 days. A restart often fixes slowness and finishes updates."},
		{name: "uptime hours", check: CheckUptime, api: &fakeWin{up: 3 * time.Hour}, status: OK,
			detail: "The computer was restarted 3 hours ago."},
		{name: "two screens", check: CheckDisplays, api: &fakeWin{mons: 2}, status: OK, detail: "2 screens are detected."},
		{name: "displays call fails", check: CheckDisplays, api: &fakeWin{monErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "EnumDisplayMonitors: " + errNotImpl.Error() + "."},
	})
}

// TestWindowsLogicBattery maps SYSTEM_POWER_STATUS as Windows fills it on
// a desktop and on laptops.
func TestWindowsLogicBattery(t *testing.T) {
	runWinCases(t, []winCase{
		{name: "desktop", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 1, BatteryFlag: 128, BatteryLifePercent: 255}}, status: OK,
			detail: "This computer has no battery (it runs from the mains)."},
		{name: "charging", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 1, BatteryFlag: 8 | 1, BatteryLifePercent: 64}}, status: OK,
			detail: "The battery is at 64% and charging."},
		{name: "full", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 1, BatteryFlag: 1, BatteryLifePercent: 100}}, status: OK,
			detail: "The battery is full."},
		{name: "holding the charge", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 1, BatteryFlag: 1, BatteryLifePercent: 80}}, status: OK,
			detail: "The battery is at 80%; the computer is plugged in and holding the charge to protect the battery."},
		{name: "plugged in, not charging", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 1, BatteryFlag: 0, BatteryLifePercent: 40}}, status: Fail,
			detail: "The charger is plugged in but the battery (40%) is not charging. Try another socket or charger."},
		{name: "low", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 0, BatteryFlag: 2 | 4, BatteryLifePercent: 9}}, status: Warn,
			detail: "The battery is low (9%) and not plugged in."},
		{name: "on battery", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 0, BatteryFlag: 0, BatteryLifePercent: 57}}, status: OK,
			detail: "The battery is at 57% and running on battery power."},
		{name: "unknown", check: CheckBattery, api: &fakeWin{pwr: winPower{ACLineStatus: 255, BatteryFlag: 255, BatteryLifePercent: 255}}, status: Unknown,
			detail: cantSentence, technical: "GetSystemPowerStatus: battery state unknown (flag 255)."},
		{name: "call fails", check: CheckBattery, api: &fakeWin{pwrErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "GetSystemPowerStatus: " + errNotImpl.Error() + "."},
	})
}

func TestWindowsLogicPrinters(t *testing.T) {
	printers := []winPrinter{
		{Name: "Front desk"},
		{Name: "Office", Status: printerStatusPrinting},
		{Name: "Upstairs", Attributes: printerAttributeWorkOffine},
		{Name: "Label", Status: printerStatusPaperOut},
		{Name: "Old", Status: printerStatusPaused},
	}
	queues := map[string][]winJob{
		"Office":     {{ID: 3, User: "anna", Document: "report.pdf"}, {ID: 4, User: "Ben", Document: "minutes.docx"}},
		"Front desk": {{ID: 9, User: "ANNA", Document: "label.pdf"}},
	}
	runWinCases(t, []winCase{
		{name: "idle and printing", check: CheckPrinters, api: &fakeWin{prs: printers[:2], defPrinter: "Office"}, status: OK,
			detail: "Printers: Front desk (idle), Office (printing, default)."},
		{name: "offline", check: CheckPrinters, api: &fakeWin{prs: printers[:3], defPrinter: "Office"}, status: Warn,
			detail: "Printers: Front desk (idle), Office (printing, default), Upstairs (offline). A printer marked offline will not print until it is back on line."},
		{name: "needs attention and paused", check: CheckPrinters, api: &fakeWin{prs: printers[3:]}, status: Warn,
			detail: "Printers: Label (needs attention), Old (paused). A printer that is paused or needs attention (paper, toner, a jam) will not print until that is sorted out."},
		{name: "none", check: CheckPrinters, api: &fakeWin{}, status: Warn,
			detail: "No printers are set up on this computer. Add one before printing."},
		{name: "spooler stopped", check: CheckPrinters, api: &fakeWin{prErr: fmt.Errorf("%w: %w", errSpoolerStopped, errNoRPC)}, status: Fail,
			detail: "The printing service on this computer is not running. Restarting the computer usually starts it again."},
		{name: "spooler stopped, queue", check: CheckPrintQueue, api: &fakeWin{prErr: fmt.Errorf("%w: %w", errSpoolerStopped, errNoRPC)}, status: Fail,
			detail: "The printing service on this computer is not running. Restarting the computer usually starts it again."},
		{name: "printers call fails", check: CheckPrinters, api: &fakeWin{prErr: errNotImpl}, status: Unknown,
			detail: cantSentence, technical: "EnumPrinters: " + errNotImpl.Error() + "."},
		{name: "three waiting", check: CheckPrintQueue, api: &fakeWin{prs: printers, queues: queues}, status: Warn,
			detail: "3 print jobs are waiting."},
		{name: "none waiting", check: CheckPrintQueue, api: &fakeWin{prs: printers}, status: OK,
			detail: "No print jobs are waiting."},
		{name: "queue unreadable", check: CheckPrintQueue, api: &fakeWin{prs: printers, jobsErr: errAccessDenied}, status: Unknown,
			detail: cantSentence, technical: `print queue: EnumJobs "Front desk": ` + errAccessDenied.Error() + "."},
	})
}

func TestWindowsLogicFixes(t *testing.T) {
	ctx := context.Background()
	printers := []winPrinter{{Name: "Front desk"}, {Name: "Office"}}
	queues := func() map[string][]winJob {
		return map[string][]winJob{
			"Office":     {{ID: 3, User: "anna", Document: "report.pdf"}, {ID: 4, User: "Ben", Document: "minutes.docx"}},
			"Front desk": {{ID: 9, User: "ANNA", Document: "label.pdf"}},
		}
	}
	t.Run("clear queue: own jobs only", func(t *testing.T) {
		f := &fakeWin{prs: printers, queues: queues(), user: `OFFICE\anna`}
		msg, err := winRunner(Config{}, f).RunFix(ctx, FixClearPrintQueue)
		slices.Sort(f.cancelled)
		if err != nil || msg != "Cancelled 2 print job(s); 1 belong to someone else and are still waiting." ||
			!slices.Equal(f.cancelled, []string{"Front desk/label.pdf", "Office/report.pdf"}) {
			t.Errorf("got %q, %v; cancelled %q", msg, err, f.cancelled)
		}
	})
	t.Run("clear queue: all mine", func(t *testing.T) {
		f := &fakeWin{prs: printers, queues: queues(), user: "ben"}
		f.queues["Office"][0].User, f.queues["Front desk"][0].User = "ben", "ben"
		if msg, err := winRunner(Config{}, f).RunFix(ctx, FixClearPrintQueue); err != nil || msg != "Cancelled 3 print job(s). The queue is empty." {
			t.Errorf("got %q, %v", msg, err)
		}
	})
	t.Run("clear queue: nothing waiting", func(t *testing.T) {
		f := &fakeWin{prs: printers, user: "anna"}
		if msg, err := winRunner(Config{}, f).RunFix(ctx, FixClearPrintQueue); err != nil || msg != "There were no print jobs waiting." {
			t.Errorf("got %q, %v", msg, err)
		}
	})
	t.Run("clear queue: refused", func(t *testing.T) {
		f := &fakeWin{prs: printers[1:], queues: queues(), user: "anna", cancelErr: errAccessDenied}
		_, err := winRunner(Config{}, f).RunFix(ctx, FixClearPrintQueue)
		if !errors.Is(err, errAccessDenied) || !strings.Contains(err.Error(), `cancel job 3 on "Office"`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("flush dns", func(t *testing.T) {
		if msg, err := winRunner(Config{}, &fakeWin{}).RunFix(ctx, FixFlushDNS); err != nil || msg != "The DNS cache was cleared." {
			t.Errorf("got %q, %v", msg, err)
		}
		if _, err := winRunner(Config{}, &fakeWin{dnsErr: errNotImpl}).RunFix(ctx, FixFlushDNS); !errors.Is(err, errNotImpl) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("clean temp and recycle bin", func(t *testing.T) {
		tmp := scratchDir(t)
		old := filepath.Join(tmp, "old.tmp")
		if err := os.WriteFile(old, make([]byte, 1024), 0o600); err != nil {
			t.Fatal(err)
		}
		week := time.Now().Add(-7 * 24 * time.Hour)
		if err := os.Chtimes(old, week, week); err != nil {
			t.Fatal(err)
		}
		fresh := filepath.Join(tmp, "fresh.tmp")
		if err := os.WriteFile(fresh, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		f := &fakeWin{binItems: 4, binBytes: 3 << 20}
		msg, err := winRunner(Config{Home: scratchDir(t), TempDir: tmp}, f).RunFix(ctx, FixCleanTemp)
		if err != nil || msg != "Deleted 5 item(s) and freed 3.0 MB." || !f.emptied {
			t.Errorf("got %q, %v (emptied %v)", msg, err, f.emptied)
		}
		if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("old temp file left: %v", err)
		}
		if _, err := os.Stat(fresh); err != nil {
			t.Errorf("fresh temp file removed: %v", err)
		}
	})
	t.Run("clean temp: empty bin is not emptied", func(t *testing.T) {
		f := &fakeWin{}
		msg, err := winRunner(Config{Home: scratchDir(t), TempDir: scratchDir(t)}, f).RunFix(ctx, FixCleanTemp)
		if err != nil || msg != "The Recycle Bin was already empty and there were no old temporary files." || f.emptied {
			t.Errorf("got %q, %v (emptied %v)", msg, err, f.emptied)
		}
	})
	t.Run("clean temp: bin that cannot be counted is still emptied", func(t *testing.T) {
		f := &fakeWin{binErr: errNotImpl}
		msg, err := winRunner(Config{Home: scratchDir(t), TempDir: scratchDir(t)}, f).RunFix(ctx, FixCleanTemp)
		if err != nil || !f.emptied || msg != "The Recycle Bin was already empty and there were no old temporary files." {
			t.Errorf("got %q, %v (emptied %v)", msg, err, f.emptied)
		}
	})
	t.Run("clean temp: no Recycle Bin at all", func(t *testing.T) {
		f := &fakeWin{binErr: errNotImpl, emptyErr: errNotImpl}
		_, err := winRunner(Config{Home: scratchDir(t), TempDir: scratchDir(t)}, f).RunFix(ctx, FixCleanTemp)
		if !errors.Is(err, errNotImpl) || !strings.Contains(err.Error(), "SHEmptyRecycleBin") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("fix prompts name the Recycle Bin", func(t *testing.T) {
		info, ok := winRunner(Config{}, &fakeWin{}).Fix(FixCleanTemp)
		if !ok || !strings.Contains(info.Prompt, "Recycle Bin") {
			t.Errorf("got %+v", info)
		}
	})
}

func TestWindowsLogicSameUser(t *testing.T) {
	for _, tt := range []struct {
		owner, account string
		want           bool
	}{
		{"anna", `OFFICE\anna`, true},
		{"Anna", "anna", true},
		{"anna", `OFFICE\annabel`, false},
		{"", `OFFICE\anna`, false},
	} {
		if got := sameUser(tt.owner, tt.account); got != tt.want {
			t.Errorf("sameUser(%q, %q) = %v", tt.owner, tt.account, got)
		}
	}
}

// TestWindowsLogicEveryCheck: the Windows build answers every check a
// guide may name, so none says "not available on this computer yet".
func TestWindowsLogicEveryCheck(t *testing.T) {
	checks, fixes := winChecks(&fakeWin{}), winFixes(&fakeWin{})
	for name := range CheckNames() {
		if _, ok := checks[name]; !ok {
			t.Errorf("check %s missing on Windows", name)
		}
	}
	for name := range FixNames() {
		if _, ok := fixes[name]; !ok {
			t.Errorf("fix %s missing on Windows", name)
		}
	}
}
