package diag

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// underWine reports whether the test runs under Wine, which exports
// wine_get_version from ntdll.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// apiCall is one system call the Windows checks make, asked for real.
type apiCall struct {
	name string
	run  func(t *testing.T) (string, error)
	// wine says Wine (8, Debian's) implements the call: under Wine it must
	// answer as on Windows. Where it does not, the call must fail (so this
	// table is updated when Wine starts implementing it) and the check
	// must answer "Lifeline couldn't check this on this computer".
	wine bool
	// check is the check that makes the call, for the graceful answer.
	check string
}

func apiCalls() []apiCall {
	var api sysAPI
	return []apiCall{
		{name: "GetAdaptersAddresses", wine: true, check: CheckInterfaces, run: func(t *testing.T) (string, error) {
			ads, err := api.adapters()
			if err == nil && len(ads) == 0 {
				t.Error("no adapters at all, not even loopback")
			}
			var names []string
			for _, a := range ads {
				names = append(names, fmt.Sprintf("%s [%s] type %d up %v %v gw %v", a.FriendlyName, a.Description, a.IfType, a.OperUp, a.Addrs, a.Gateways))
			}
			return strings.Join(names, "; "), err
		}},
		{name: "GetIpForwardTable2", wine: true, check: CheckRoute, run: func(*testing.T) (string, error) {
			rs, err := api.routes()
			return fmt.Sprintf("%d routes %v", len(rs), rs), err
		}},
		{name: "GetIpNetTable2", wine: true, run: func(*testing.T) (string, error) {
			ns, err := api.neighbours()
			return fmt.Sprintf("%d neighbours", len(ns)), err
		}},
		{name: "wlanapi", wine: true, check: CheckWiFi, run: func(*testing.T) (string, error) {
			ws, err := api.wlan()
			if errors.Is(err, errNoWiFiService) {
				return "WLAN service not running (no Wi-Fi adapter)", nil
			}
			return fmt.Sprintf("%+v", ws), err
		}},
		{name: "WlanQueryInterface exported", wine: true, run: func(*testing.T) (string, error) {
			return "", procWlanQueryInterface.Find()
		}},
		{name: "EnumProcesses+GetProcessTimes (gopsutil)", wine: true, check: CheckCPU, run: func(t *testing.T) (string, error) {
			procs := cpuTimes(context.Background())
			if _, ok := procs[int32(os.Getpid())]; !ok {
				t.Errorf("this test's own process is not among the %d sampled", len(procs))
			}
			return fmt.Sprintf("%d processes sampled", len(procs)), nil
		}},
		{name: "GetLogicalDriveStrings+GetDiskFreeSpaceEx", wine: true, check: CheckDisk, run: func(t *testing.T) (string, error) {
			ds, err := api.drives()
			if err == nil && len(winVolumes(ds)) == 0 {
				t.Errorf("no fixed drive answered: %+v", ds)
			}
			return fmt.Sprintf("%+v", ds), err
		}},
		{name: "GlobalMemoryStatusEx", wine: true, check: CheckMemory, run: func(t *testing.T) (string, error) {
			total, avail, err := api.memory()
			if err == nil && (total == 0 || avail > total) {
				t.Errorf("total %d, available %d", total, avail)
			}
			return fmt.Sprintf("total %d available %d", total, avail), err
		}},
		{name: "GetTickCount64", wine: true, check: CheckUptime, run: func(t *testing.T) (string, error) {
			up, err := api.uptime()
			if err == nil && up <= 0 {
				t.Errorf("uptime %v", up)
			}
			return up.String(), err
		}},
		{name: "EnumPrinters+GetDefaultPrinter", wine: true, check: CheckPrinters, run: func(*testing.T) (string, error) {
			ps, def, err := api.printers()
			return fmt.Sprintf("%+v default %q", ps, def), err
		}},
		{name: "OpenPrinter+EnumJobs", wine: true, check: CheckPrintQueue, run: func(*testing.T) (string, error) {
			_, n, err := winChecker{api}.queue()
			return fmt.Sprintf("%d jobs", n), err
		}},
		{name: "EnumDisplayMonitors", wine: true, check: CheckDisplays, run: func(*testing.T) (string, error) {
			n, err := api.monitors()
			return fmt.Sprintf("%d monitors", n), err
		}},
		{name: "GetSystemPowerStatus", wine: true, check: CheckBattery, run: func(*testing.T) (string, error) {
			p, err := api.power()
			return fmt.Sprintf("%+v", p), err
		}},
		{name: "SHQueryRecycleBin", wine: true, run: func(t *testing.T) (string, error) {
			wineTrash(t)
			items, bytes, err := api.recycleBin()
			return fmt.Sprintf("%d items, %d bytes", items, bytes), err
		}},
		{name: "DnsFlushResolverCache", wine: true, run: func(*testing.T) (string, error) {
			return "", api.flushDNS()
		}},
		{name: "GetUserNameEx", wine: true, run: func(*testing.T) (string, error) {
			return api.userName()
		}},
	}
}

// TestWindowsAPIs asks Windows (or Wine) every call the checks make.
func TestWindowsAPIs(t *testing.T) {
	wine := underWine()
	for _, c := range apiCalls() {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.run(t)
			t.Logf("%s: %s (err %v)", c.name, got, err)
			switch {
			case !wine || c.wine:
				if err != nil {
					t.Errorf("%s failed: %v", c.name, err)
				}
			case err == nil:
				t.Errorf("%s now works under Wine: mark it so in apiCalls", c.name)
			case c.check != "":
				res := New(Config{}).Check(context.Background(), c.check)
				if res.Status != Unknown || res.Detail != "Lifeline couldn't check this on this computer." {
					t.Errorf("%s answered %s %q, want the couldn't-check answer", c.check, res.Status, res.Detail)
				}
			}
		})
	}
}

// TestWindowsChecks runs every Windows check for real, the help desk being
// a server on loopback. The router and internet checks are left out: they
// would connect to this machine's real router.
func TestWindowsChecks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	r := New(Config{HTTPSURL: srv.URL, ClockURL: srv.URL, DNSName: "localhost"})
	must := map[string]bool{CheckInterfaces: true, CheckDNS: true, CheckHTTPS: true, CheckClock: true, CheckDisk: true, CheckMemory: true, CheckUptime: true, CheckCPU: true}
	for _, name := range snapshotOrder() {
		if name == CheckGateway || name == CheckInternet {
			continue
		}
		t.Run(name, func(t *testing.T) {
			res := r.Check(context.Background(), name)
			t.Logf("%s: %s %q (technical %q) in %v", name, res.Status, res.Detail, res.Technical, res.Took)
			if res.Detail == "" || strings.Contains(res.Detail, "not available on this computer") {
				t.Errorf("%s has no Windows answer: %+v", name, res)
			}
			if must[name] && res.Status == Unknown {
				t.Errorf("%s could not check: %+v", name, res)
			}
		})
	}
}

// wineTrash gives a Wine prefix's user the desktop trash folder a Linux
// session has ($HOME/.local/share/Trash), where Wine keeps the Recycle Bin:
// without it SHQueryRecycleBin and SHEmptyRecycleBin fail with E_FAIL and
// a recycled file is deleted outright. Outside Wine it does nothing.
func wineTrash(t *testing.T) {
	t.Helper()
	// Wine names the Unix home in the Windows environment: `\??\Z:\home\anna`.
	home := strings.TrimPrefix(os.Getenv("WINEHOMEDIR"), `\??\`)
	if !underWine() || home == "" {
		return
	}
	for _, d := range []string{"files", "info"} {
		if err := os.MkdirAll(filepath.Join(home, ".local", "share", "Trash", d), 0o700); err != nil {
			t.Fatalf("make Wine's trash: %v", err)
		}
	}
}

// shFileOpStruct is SHFILEOPSTRUCTW.
type shFileOpStruct struct {
	Hwnd                 uintptr
	Func                 uint32
	From, To             *uint16
	Flags                uint16
	AnyOperationsAborted int32
	NameMappings         uintptr
	ProgressTitle        *uint16
}

// recycle moves a file to the Recycle Bin, as Explorer's Delete does.
func recycle(t *testing.T, path string) {
	t.Helper()
	const foDelete, fofSilent, fofNoConfirmation, fofAllowUndo, fofNoErrorUI = 3, 0x4, 0x10, 0x40, 0x400
	from, err := windows.UTF16FromString(path)
	if err != nil {
		t.Fatal(err)
	}
	from = append(from, 0) // a list of names, ended by an empty one
	op := shFileOpStruct{Func: foDelete, From: &from[0], Flags: fofSilent | fofNoConfirmation | fofAllowUndo | fofNoErrorUI}
	if err := statusCall(modshell32.NewProc("SHFileOperationW"), uintptr(unsafe.Pointer(&op))); err != nil || op.AnyOperationsAborted != 0 {
		t.Fatalf("recycle %s: %v (aborted %d)", path, err, op.AnyOperationsAborted)
	}
}

// TestWindowsFixes runs dns.flush for real, and under Wine (whose prefix is
// thrown away; on a real Windows it would empty the developer's Recycle
// Bin) disk.clean-temp end to end: a file recycled and an old temporary
// file are both gone afterwards, and the message counts them.
func TestWindowsFixes(t *testing.T) {
	ctx := context.Background()
	if msg, err := New(Config{}).RunFix(ctx, FixFlushDNS); err != nil || msg != "The DNS cache was cleared." {
		t.Errorf("dns.flush: %q, %v", msg, err)
	}
	if !underWine() {
		return
	}
	wineTrash(t)
	var api sysAPI
	work, tmp := scratchDir(t), scratchDir(t)
	binned := filepath.Join(work, "report-old.docx")
	if err := os.WriteFile(binned, make([]byte, 3000), 0o600); err != nil {
		t.Fatal(err)
	}
	recycle(t, binned)
	if items, bytes, err := api.recycleBin(); err != nil || items < 1 || bytes < 3000 {
		t.Fatalf("after recycling: %d items, %d bytes, %v", items, bytes, err)
	}
	old := filepath.Join(tmp, "setup.log")
	if err := os.WriteFile(old, make([]byte, 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	twoDays := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, twoDays, twoDays); err != nil {
		t.Fatal(err)
	}
	msg, err := New(Config{TempDir: tmp}).RunFix(ctx, FixCleanTemp)
	t.Logf("disk.clean-temp: %q, %v", msg, err)
	if err != nil || !strings.HasPrefix(msg, "Deleted 2 item(s) and freed ") {
		t.Errorf("disk.clean-temp: %q, %v", msg, err)
	}
	if items, _, err := api.recycleBin(); err != nil || items != 0 {
		t.Errorf("Recycle Bin after the fix: %d items, %v", items, err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old temporary file still there: %v", err)
	}
}

// TestWindowsStructLayouts pins the hand-written structures to the sizes
// of their C declarations on 64-bit Windows, so a misplaced field cannot
// shift every field after it.
func TestWindowsStructLayouts(t *testing.T) {
	for _, s := range []struct {
		name      string
		got, want uintptr
	}{
		{"MIB_IPNET_ROW2", unsafe.Sizeof(mibIpNetRow2{}), 88},
		{"MIB_IPNET_TABLE2 rows offset", unsafe.Offsetof(mibIpNetTable2{}.Table), 8},
		{"WLAN_INTERFACE_INFO", unsafe.Sizeof(wlanInterfaceInfo{}), 532},
		{"WLAN_INTERFACE_INFO_LIST items offset", unsafe.Offsetof(wlanInterfaceInfoList{}.InterfaceInfo), 8},
		{"WLAN_RADIO_STATE", unsafe.Sizeof(wlanRadioState{}), 4 + 64*12},
		{"WLAN_CONNECTION_ATTRIBUTES", unsafe.Sizeof(wlanConnectionAttributes{}), 604},
		{"wlanSignalQuality offset", unsafe.Offsetof(wlanConnectionAttributes{}.SignalQuality), 576},
		{"PRINTER_INFO_2W", unsafe.Sizeof(printerInfo2{}), 136},
		{"JOB_INFO_1W", unsafe.Sizeof(jobInfo1{}), 96},
		{"MEMORYSTATUSEX", unsafe.Sizeof(memoryStatusEx{}), 64},
		{"SYSTEM_POWER_STATUS", unsafe.Sizeof(systemPowerStatus{}), 12},
		{"SHQUERYRBINFO", unsafe.Sizeof(shQueryRBInfo{}), 24},
	} {
		if s.got != s.want {
			t.Errorf("%s: %d bytes, want %d", s.name, s.got, s.want)
		}
	}
}
