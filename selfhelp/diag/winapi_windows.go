package diag

import (
	"errors"
	"fmt"
	"net"
	"os/user"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// sysAPI answers winAPI through the system DLLs: golang.org/x/sys/windows
// where it has the call, windows.NewLazySystemDLL (System32 only, never the
// program's folder) where it does not. No cgo.
//
// Under Wine 8 (Debian's), measured by TestWindowsAPIs: every call here
// answers, with these differences from Windows. GetIpNetTable2 refuses
// AF_UNSPEC (ERROR_INVALID_FUNCTION), so IPv4 and IPv6 are asked apart.
// wlanapi opens but lists no interfaces, so WlanQueryInterface is never
// reached. SHQueryRecycleBin and SHEmptyRecycleBin fail with E_FAIL unless
// the Unix home has a freedesktop trash (~/.local/share/Trash), where Wine
// keeps the Recycle Bin. The host's root appears as fixed drive Z:.
// Printers are the host's CUPS queues (none here), so EnumJobs and SetJob
// have only run on empty lists. Outside this file: Go's os.RemoveAll cannot
// remove directories under Wine (FILE_DISPOSITION_INFORMATION_EX), so the
// temp clean-up leaves old temporary folders there.
type sysAPI struct{}

var (
	modkernel32 = windows.NewLazySystemDLL("kernel32.dll")
	modiphlpapi = windows.NewLazySystemDLL("iphlpapi.dll")
	modwlanapi  = windows.NewLazySystemDLL("wlanapi.dll")
	modwinspool = windows.NewLazySystemDLL("winspool.drv")
	moduser32   = windows.NewLazySystemDLL("user32.dll")
	moddnsapi   = windows.NewLazySystemDLL("dnsapi.dll")
	modshell32  = windows.NewLazySystemDLL("shell32.dll")

	procGlobalMemoryStatusEx   = modkernel32.NewProc("GlobalMemoryStatusEx")
	procGetTickCount64         = modkernel32.NewProc("GetTickCount64")
	procGetSystemPowerStatus   = modkernel32.NewProc("GetSystemPowerStatus")
	procGetIpNetTable2         = modiphlpapi.NewProc("GetIpNetTable2")
	procWlanOpenHandle         = modwlanapi.NewProc("WlanOpenHandle")
	procWlanCloseHandle        = modwlanapi.NewProc("WlanCloseHandle")
	procWlanEnumInterfaces     = modwlanapi.NewProc("WlanEnumInterfaces")
	procWlanQueryInterface     = modwlanapi.NewProc("WlanQueryInterface")
	procWlanFreeMemory         = modwlanapi.NewProc("WlanFreeMemory")
	procEnumPrintersW          = modwinspool.NewProc("EnumPrintersW")
	procGetDefaultPrinterW     = modwinspool.NewProc("GetDefaultPrinterW")
	procOpenPrinterW           = modwinspool.NewProc("OpenPrinterW")
	procClosePrinter           = modwinspool.NewProc("ClosePrinter")
	procEnumJobsW              = modwinspool.NewProc("EnumJobsW")
	procSetJobW                = modwinspool.NewProc("SetJobW")
	procEnumDisplayMonitors    = moduser32.NewProc("EnumDisplayMonitors")
	procGetSystemMetrics       = moduser32.NewProc("GetSystemMetrics")
	procDnsFlushResolverCache  = moddnsapi.NewProc("DnsFlushResolverCache")
	procSHQueryRecycleBinW     = modshell32.NewProc("SHQueryRecycleBinW")
	procSHEmptyRecycleBinW     = modshell32.NewProc("SHEmptyRecycleBinW")
	errCallFailedWithoutReason = errors.New("the call failed and gave no reason")
)

// call runs a procedure that may be missing (an older Windows, or Wine):
// a missing one is an error, not a panic. errno is the thread's last error.
//
//go:uintptrescapes
func call(p *windows.LazyProc, args ...uintptr) (r uintptr, errno error, err error) {
	if err := p.Find(); err != nil {
		return 0, nil, fmt.Errorf("%s is not available: %w", p.Name, err)
	}
	r, _, e := p.Call(args...)
	return r, e, nil
}

// boolCall runs a procedure returning a Win32 BOOL; FALSE is an error with
// the last error.
//
//go:uintptrescapes
func boolCall(p *windows.LazyProc, args ...uintptr) error {
	r, errno, err := call(p, args...)
	if err != nil {
		return err
	}
	if r == 0 {
		return lastError(errno)
	}
	return nil
}

// lastError is a failed call's error, never a nil or "success" Errno.
func lastError(errno error) error {
	if e, ok := errno.(windows.Errno); ok && e == 0 || errno == nil {
		return errCallFailedWithoutReason
	}
	return errno
}

// statusCall runs a procedure returning a Win32 error code or HRESULT.
//
//go:uintptrescapes
func statusCall(p *windows.LazyProc, args ...uintptr) error {
	r, _, err := call(p, args...)
	if err != nil {
		return err
	}
	if r != 0 {
		return windows.Errno(r)
	}
	return nil
}

func (sysAPI) adapters() ([]winAdapter, error) {
	const flags = windows.GAA_FLAG_INCLUDE_GATEWAYS | windows.GAA_FLAG_SKIP_ANYCAST | windows.GAA_FLAG_SKIP_MULTICAST | windows.GAA_FLAG_SKIP_DNS_SERVER
	size := uint32(16 << 10)
	var buf []byte
	for range 4 {
		buf = make([]byte, size)
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, flags, 0, (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])), &size)
		if err == nil {
			break
		}
		if errors.Is(err, windows.ERROR_NO_DATA) {
			return nil, nil
		}
		if !errors.Is(err, windows.ERROR_BUFFER_OVERFLOW) {
			return nil, err
		}
		buf = nil
	}
	if buf == nil {
		return nil, windows.ERROR_BUFFER_OVERFLOW
	}
	var out []winAdapter
	for a := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])); a != nil; a = a.Next {
		w := winAdapter{
			Luid:         a.Luid,
			FriendlyName: windows.UTF16PtrToString(a.FriendlyName), Description: windows.UTF16PtrToString(a.Description),
			IfType: a.IfType, OperUp: a.OperStatus == windows.IfOperStatusUp, Ipv4Metric: a.Ipv4Metric, Ipv6Metric: a.Ipv6Metric,
		}
		for u := a.FirstUnicastAddress; u != nil; u = u.Next {
			if ip := u.Address.IP(); ip != nil {
				w.Addrs = append(w.Addrs, clone(ip))
			}
		}
		for g := a.FirstGatewayAddress; g != nil; g = g.Next {
			if ip := g.Address.IP(); ip != nil {
				w.Gateways = append(w.Gateways, clone(ip))
			}
		}
		out = append(out, w)
	}
	return out, nil
}

func clone(ip net.IP) net.IP { return append(net.IP(nil), ip...) }

// inetIP is the address of a SOCKADDR_INET.
func inetIP(sa *windows.RawSockaddrInet) net.IP {
	switch sa.Family {
	case windows.AF_INET:
		a := (*windows.RawSockaddrInet4)(unsafe.Pointer(sa)).Addr
		return net.IPv4(a[0], a[1], a[2], a[3])
	case windows.AF_INET6:
		a := (*windows.RawSockaddrInet6)(unsafe.Pointer(sa)).Addr
		return clone(a[:])
	}
	return nil
}

func (sysAPI) routes() ([]winRoute, error) {
	var t *windows.MibIpForwardTable2
	if err := windows.GetIpForwardTable2(windows.AF_UNSPEC, &t); err != nil {
		return nil, err
	}
	defer windows.FreeMibTable(unsafe.Pointer(t))
	var out []winRoute
	for _, r := range t.Rows() {
		out = append(out, winRoute{Luid: r.InterfaceLuid, PrefixLength: r.DestinationPrefix.PrefixLength,
			NextHop: inetIP(&r.NextHop), Metric: r.Metric, IPv6: r.DestinationPrefix.Prefix.Family == windows.AF_INET6})
	}
	return out, nil
}

// mibIpNetRow2 is MIB_IPNET_ROW2 (88 bytes on 64-bit Windows).
type mibIpNetRow2 struct {
	Address               windows.RawSockaddrInet
	InterfaceIndex        uint32
	InterfaceLuid         uint64
	PhysicalAddress       [32]byte
	PhysicalAddressLength uint32
	State                 uint32
	Flags                 uint8
	ReachabilityTime      uint32
}

// mibIpNetTable2 is MIB_IPNET_TABLE2.
type mibIpNetTable2 struct {
	NumEntries uint32
	Table      [1]mibIpNetRow2
}

// neighbours asks for IPv4 and IPv6 separately: Wine answers AF_UNSPEC
// with ERROR_INVALID_FUNCTION.
func (sysAPI) neighbours() ([]winNeighbour, error) {
	var out []winNeighbour
	var firstErr error
	for _, family := range []uintptr{windows.AF_INET, windows.AF_INET6} {
		var t *mibIpNetTable2
		if err := statusCall(procGetIpNetTable2, family, uintptr(unsafe.Pointer(&t))); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, r := range unsafe.Slice(&t.Table[0], t.NumEntries) {
			out = append(out, winNeighbour{IP: inetIP(&r.Address), State: r.State})
		}
		windows.FreeMibTable(unsafe.Pointer(t))
	}
	if out == nil && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// wlanapi structures (wlanapi.h).
type (
	wlanInterfaceInfo struct {
		InterfaceGUID windows.GUID
		Description   [256]uint16
		State         uint32
	}
	wlanInterfaceInfoList struct {
		NumberOfItems uint32
		Index         uint32
		InterfaceInfo [1]wlanInterfaceInfo
	}
	wlanPhyRadioState struct {
		PhyIndex, Software, Hardware uint32
	}
	wlanRadioState struct {
		NumberOfPhys  uint32
		PhyRadioState [64]wlanPhyRadioState
	}
	wlanConnectionAttributes struct {
		State          uint32
		ConnectionMode uint32
		ProfileName    [256]uint16
		// WLAN_ASSOCIATION_ATTRIBUTES
		SSIDLength    uint32
		SSID          [32]byte
		BssType       uint32
		Bssid         [6]byte
		PhyType       uint32
		PhyIndex      uint32
		SignalQuality uint32
		RxRate        uint32
		TxRate        uint32
		// WLAN_SECURITY_ATTRIBUTES
		SecurityEnabled, OneXEnabled   int32
		AuthAlgorithm, CipherAlgorithm uint32
	}
)

// WLAN_INTF_OPCODE values and DOT11_RADIO_STATE's off.
const (
	wlanIntfOpcodeRadioState        = 4
	wlanIntfOpcodeCurrentConnection = 7
	dot11RadioStateOff              = 2
)

func (sysAPI) wlan() ([]winWLAN, error) {
	if err := procWlanOpenHandle.Find(); err != nil {
		// Windows Server without the Wireless LAN Service has no wlanapi.dll.
		return nil, fmt.Errorf("%w: %w", errNoWiFiService, err)
	}
	var negotiated uint32
	var h windows.Handle
	if err := statusCall(procWlanOpenHandle, 2, 0, uintptr(unsafe.Pointer(&negotiated)), uintptr(unsafe.Pointer(&h))); err != nil {
		if errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
			return nil, fmt.Errorf("WlanOpenHandle: %w", errNoWiFiService)
		}
		return nil, fmt.Errorf("WlanOpenHandle: %w", err)
	}
	defer call(procWlanCloseHandle, uintptr(h), 0)
	var list *wlanInterfaceInfoList
	if err := statusCall(procWlanEnumInterfaces, uintptr(h), 0, uintptr(unsafe.Pointer(&list))); err != nil {
		return nil, fmt.Errorf("WlanEnumInterfaces: %w", err)
	}
	defer call(procWlanFreeMemory, uintptr(unsafe.Pointer(list)))
	var out []winWLAN
	for _, info := range unsafe.Slice(&list.InterfaceInfo[0], list.NumberOfItems) {
		w := winWLAN{Description: windows.UTF16ToString(info.Description[:]), State: info.State, Quality: -1}
		if rs, ok := wlanQuery[wlanRadioState](h, &info.InterfaceGUID, wlanIntfOpcodeRadioState); ok {
			n := min(int(rs.NumberOfPhys), len(rs.PhyRadioState))
			w.RadioKnown, w.SoftwareOff, w.HardwareOff = n > 0, n > 0, n > 0
			for _, p := range rs.PhyRadioState[:n] {
				w.SoftwareOff = w.SoftwareOff && p.Software == dot11RadioStateOff
				w.HardwareOff = w.HardwareOff && p.Hardware == dot11RadioStateOff
			}
		}
		if info.State == wlanConnected {
			if ca, ok := wlanQuery[wlanConnectionAttributes](h, &info.InterfaceGUID, wlanIntfOpcodeCurrentConnection); ok {
				w.SSID = string(ca.SSID[:min(int(ca.SSIDLength), len(ca.SSID))])
				w.Quality = int(min(ca.SignalQuality, 100))
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// wlanQuery asks one interface one WlanQueryInterface opcode and copies
// the answer out of wlanapi's memory.
func wlanQuery[T any](h windows.Handle, guid *windows.GUID, opcode uintptr) (T, bool) {
	var zero T
	var size, valueType uint32
	var data unsafe.Pointer
	if err := statusCall(procWlanQueryInterface, uintptr(h), uintptr(unsafe.Pointer(guid)), opcode, 0,
		uintptr(unsafe.Pointer(&size)), uintptr(unsafe.Pointer(&data)), uintptr(unsafe.Pointer(&valueType))); err != nil || data == nil {
		return zero, false
	}
	defer call(procWlanFreeMemory, uintptr(data))
	if uintptr(size) < unsafe.Sizeof(zero) {
		return zero, false
	}
	return *(*T)(data), true
}

func (sysAPI) drives() ([]winDrive, error) {
	n, err := windows.GetLogicalDriveStrings(0, nil)
	if err != nil {
		return nil, err
	}
	buf := make([]uint16, n+1)
	if n, err = windows.GetLogicalDriveStrings(uint32(len(buf)), &buf[0]); err != nil {
		return nil, err
	}
	var out []winDrive
	for _, root := range splitMultiSZ(buf[:n]) {
		p, err := windows.UTF16PtrFromString(root)
		if err != nil {
			continue
		}
		d := winDrive{Root: root, Type: windows.GetDriveType(p)}
		if d.Type == driveFixed {
			var total, free uint64
			d.Err = windows.GetDiskFreeSpaceEx(p, &d.Free, &total, &free)
			d.Total = total
		}
		out = append(out, d)
	}
	return out, nil
}

// splitMultiSZ splits a list of NUL-terminated strings.
func splitMultiSZ(b []uint16) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == 0 {
			if i > start {
				out = append(out, windows.UTF16ToString(b[start:i]))
			}
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, windows.UTF16ToString(b[start:]))
	}
	return out
}

// memoryStatusEx is MEMORYSTATUSEX.
type memoryStatusEx struct {
	Length               uint32
	MemoryLoad           uint32
	TotalPhys            uint64
	AvailPhys            uint64
	TotalPageFile        uint64
	AvailPageFile        uint64
	TotalVirtual         uint64
	AvailVirtual         uint64
	AvailExtendedVirtual uint64
}

func (sysAPI) memory() (uint64, uint64, error) {
	m := memoryStatusEx{Length: uint32(unsafe.Sizeof(memoryStatusEx{}))}
	if err := boolCall(procGlobalMemoryStatusEx, uintptr(unsafe.Pointer(&m))); err != nil {
		return 0, 0, err
	}
	return m.TotalPhys, m.AvailPhys, nil
}

func (sysAPI) uptime() (time.Duration, error) {
	ms, _, err := call(procGetTickCount64)
	if err != nil {
		return 0, err
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// printerInfo2 is PRINTER_INFO_2W.
type printerInfo2 struct {
	ServerName, PrinterName, ShareName, PortName, DriverName, Comment, Location *uint16
	DevMode                                                                     uintptr
	SepFile, PrintProcessor, Datatype, Parameters                               *uint16
	SecurityDescriptor                                                          uintptr
	Attributes, Priority, DefaultPriority, StartTime, UntilTime, Status, Jobs   uint32
	AveragePPM                                                                  uint32
}

// jobInfo1 is JOB_INFO_1W.
type jobInfo1 struct {
	JobID                                                          uint32
	PrinterName, MachineName, UserName, Document, Datatype, Status *uint16
	StatusCode, Priority, Position, TotalPages, PagesPrinted       uint32
	Submitted                                                      windows.Systemtime
}

// enumInto calls a winspool Enum function twice, first for the size, and
// returns the filled buffer and the count. call takes the buffer, its
// size and where to put the needed size and the count.
func enumInto(name string, fn func(buf *byte, size uint32, needed, returned *uint32) error) ([]byte, uint32, error) {
	var needed, returned uint32
	err := fn(nil, 0, &needed, &returned)
	if err == nil || needed == 0 {
		return nil, 0, err
	}
	if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	for range 3 {
		buf := make([]byte, needed)
		err = fn(&buf[0], needed, &needed, &returned)
		if err == nil {
			return buf, returned, nil
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
			break
		}
	}
	return nil, 0, fmt.Errorf("%s: %w", name, err)
}

// PRINTER_ENUM_* flags and JOB_CONTROL_DELETE.
const (
	printerEnumLocal       = 0x2
	printerEnumConnections = 0x4
	jobControlDelete       = 5
)

// rpcServerUnavailable is RPC_S_SERVER_UNAVAILABLE: the Print Spooler is
// stopped.
const rpcServerUnavailable = windows.Errno(1722)

// spoolerError names a stopped spooler as such.
func spoolerError(err error) error {
	if errors.Is(err, rpcServerUnavailable) {
		return fmt.Errorf("%w: %w", errSpoolerStopped, err)
	}
	return err
}

func (sysAPI) printers() ([]winPrinter, string, error) {
	buf, n, err := enumInto("EnumPrinters", func(buf *byte, size uint32, needed, returned *uint32) error {
		return boolCall(procEnumPrintersW, printerEnumLocal|printerEnumConnections, 0, 2, uintptr(unsafe.Pointer(buf)), uintptr(size),
			uintptr(unsafe.Pointer(needed)), uintptr(unsafe.Pointer(returned)))
	})
	if err != nil {
		return nil, "", spoolerError(err)
	}
	var out []winPrinter
	if n > 0 {
		for _, p := range unsafe.Slice((*printerInfo2)(unsafe.Pointer(&buf[0])), n) {
			out = append(out, winPrinter{Name: windows.UTF16PtrToString(p.PrinterName), Status: p.Status, Attributes: p.Attributes})
		}
	}
	return out, defaultPrinter(), nil
}

// defaultPrinter is the user's default printer's name, "" if none.
func defaultPrinter() string {
	var size uint32
	if boolCall(procGetDefaultPrinterW, 0, uintptr(unsafe.Pointer(&size))) == nil || size == 0 {
		return ""
	}
	buf := make([]uint16, size)
	if boolCall(procGetDefaultPrinterW, uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size))) != nil {
		return ""
	}
	return windows.UTF16ToString(buf)
}

// openPrinter opens a printer for the calling user (PRINTER_ACCESS_USE,
// which lets the owner of a job delete it).
func openPrinter(name string) (windows.Handle, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return 0, err
	}
	var h windows.Handle
	if err := boolCall(procOpenPrinterW, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&h)), 0); err != nil {
		return 0, fmt.Errorf("OpenPrinter %q: %w", name, spoolerError(err))
	}
	return h, nil
}

func (sysAPI) jobs(printer string) ([]winJob, error) {
	h, err := openPrinter(printer)
	if err != nil {
		return nil, err
	}
	defer call(procClosePrinter, uintptr(h))
	buf, n, err := enumInto("EnumJobs", func(buf *byte, size uint32, needed, returned *uint32) error {
		return boolCall(procEnumJobsW, uintptr(h), 0, 0xFFFFFFFF, 1, uintptr(unsafe.Pointer(buf)), uintptr(size),
			uintptr(unsafe.Pointer(needed)), uintptr(unsafe.Pointer(returned)))
	})
	if err != nil {
		return nil, err
	}
	var out []winJob
	if n > 0 {
		for _, j := range unsafe.Slice((*jobInfo1)(unsafe.Pointer(&buf[0])), n) {
			out = append(out, winJob{ID: j.JobID, User: windows.UTF16PtrToString(j.UserName), Document: windows.UTF16PtrToString(j.Document)})
		}
	}
	return out, nil
}

func (sysAPI) cancelJob(printer string, id uint32) error {
	h, err := openPrinter(printer)
	if err != nil {
		return err
	}
	defer call(procClosePrinter, uintptr(h))
	if err := boolCall(procSetJobW, uintptr(h), uintptr(id), 0, 0, jobControlDelete); err != nil {
		return fmt.Errorf("SetJob: %w", err)
	}
	return nil
}

// monitorCount is what the EnumDisplayMonitors callback counts into; the
// callback is made once (Go allows a limited number).
var monitorCount struct {
	sync.Mutex
	n        int
	callback uintptr
	once     sync.Once
}

func (sysAPI) monitors() (int, error) {
	if err := procEnumDisplayMonitors.Find(); err != nil {
		return 0, err
	}
	monitorCount.once.Do(func() {
		monitorCount.callback = windows.NewCallback(func(hmon, hdc, rect, data uintptr) uintptr {
			monitorCount.n++
			return 1
		})
	})
	monitorCount.Lock()
	defer monitorCount.Unlock()
	monitorCount.n = 0
	if err := boolCall(procEnumDisplayMonitors, 0, 0, monitorCount.callback, 0); err != nil {
		// The count of monitors on the desktop is also a system metric.
		const smCMonitors = 80
		if n, _, merr := call(procGetSystemMetrics, smCMonitors); merr == nil && n > 0 {
			return int(n), nil
		}
		return 0, fmt.Errorf("EnumDisplayMonitors: %w", err)
	}
	return monitorCount.n, nil
}

// systemPowerStatus is SYSTEM_POWER_STATUS.
type systemPowerStatus struct {
	ACLineStatus        byte
	BatteryFlag         byte
	BatteryLifePercent  byte
	SystemStatusFlag    byte
	BatteryLifeTime     uint32
	BatteryFullLifeTime uint32
}

func (sysAPI) power() (winPower, error) {
	var s systemPowerStatus
	if err := boolCall(procGetSystemPowerStatus, uintptr(unsafe.Pointer(&s))); err != nil {
		return winPower{}, err
	}
	return winPower{ACLineStatus: s.ACLineStatus, BatteryFlag: s.BatteryFlag, BatteryLifePercent: s.BatteryLifePercent, BatteryFullLifeTime: s.BatteryFullLifeTime}, nil
}

func (sysAPI) flushDNS() error {
	if err := boolCall(procDnsFlushResolverCache); err != nil {
		return fmt.Errorf("DnsFlushResolverCache: %w", err)
	}
	return nil
}

// shQueryRBInfo is SHQUERYRBINFO (natural alignment on 64-bit Windows).
type shQueryRBInfo struct {
	Size     uint32
	Bytes    int64
	NumItems int64
}

func (sysAPI) recycleBin() (int64, int64, error) {
	info := shQueryRBInfo{Size: uint32(unsafe.Sizeof(shQueryRBInfo{}))}
	if err := statusCall(procSHQueryRecycleBinW, 0, uintptr(unsafe.Pointer(&info))); err != nil {
		return 0, 0, err
	}
	return info.NumItems, info.Bytes, nil
}

func (sysAPI) emptyRecycleBin() error {
	const noConfirmation, noProgressUI, noSound = 0x1, 0x2, 0x4
	return statusCall(procSHEmptyRecycleBinW, 0, 0, noConfirmation|noProgressUI|noSound)
}

func (sysAPI) userName() (string, error) {
	n := uint32(256)
	buf := make([]uint16, n)
	if err := windows.GetUserNameEx(windows.NameSamCompatible, &buf[0], &n); err == nil {
		return windows.UTF16ToString(buf), nil
	}
	u, err := user.Current()
	if err != nil {
		return "", err
	}
	return u.Username, nil
}
