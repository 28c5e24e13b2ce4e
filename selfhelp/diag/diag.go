// Package diag holds Lifeline's automatic checks and consented fixes: small,
// time-limited probes of the user's machine (network, disk, memory,
// printers, displays, battery…) that guides run by name, and repairs that
// run only after the user agrees.
//
// Every check returns a Result with a status and a plain-words detail. A
// check whose tool is missing says so ("can't check") instead of failing or
// hanging; every check runs under a timeout.
package diag

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"
)

// Status is the outcome of a check.
type Status string

// Check outcomes. Unknown means the check could not run here (a missing tool,
// an unsupported platform); it is not a failure of the machine.
const (
	OK      Status = "ok"
	Warn    Status = "warn"
	Fail    Status = "fail"
	Unknown Status = "unknown"
)

// Result is what a check found. Detail is for the person, in plain words;
// Technical, when set, is the same finding for the technician (adapter
// names, addresses, process ids, the URL that was fetched).
type Result struct {
	Name      string        `json:"name"`
	Title     string        `json:"title"`
	Status    Status        `json:"status"`
	Detail    string        `json:"detail"`
	Technical string        `json:"technical,omitempty"`
	Data      any           `json:"data,omitempty"`
	Took      time.Duration `json:"took_ns"`
}

// ForTechnician is the finding as the technician should read it: the
// technical detail when there is one, else the plain one.
func (r Result) ForTechnician() string { return cmp.Or(r.Technical, r.Detail) }

// Check names, as guides refer to them.
const (
	CheckInternet   = "network.internet"
	CheckInterfaces = "network.interfaces"
	CheckRoute      = "network.route"
	CheckGateway    = "network.gateway"
	CheckDNS        = "network.dns"
	CheckHTTPS      = "network.https"
	CheckWiFi       = "network.wifi"
	CheckVPN        = "network.vpn"
	CheckDisk       = "disk.free"
	CheckMemory     = "memory"
	CheckUptime     = "uptime"
	CheckCPU        = "cpu.top"
	CheckPrinters   = "printers"
	CheckPrintQueue = "print.queue"
	CheckDisplays   = "displays"
	CheckBattery    = "battery"
	CheckClock      = "clock"
)

// Fix names, as guides refer to them.
const (
	FixClearPrintQueue = "print.clear-queue"
	FixFlushDNS        = "dns.flush"
	FixCleanTemp       = "disk.clean-temp"
)

// ErrUnknown is returned for a check or fix name that does not exist.
var ErrUnknown = errors.New("unknown check or fix")

// Config tunes the checks.
type Config struct {
	// HTTPSURL is fetched by the HTTPS check. Nothing is contacted unless
	// it is configured; the app sets it to the relay's address.
	HTTPSURL string
	// DNSName is resolved by the DNS check; empty uses the host of HTTPSURL.
	DNSName string
	// ClockURL is a server whose Date header the clock check compares with
	// (usually the relay).
	ClockURL string
	// VPNExpected says the organisation expects a VPN connection: only then
	// is the VPN check's "no VPN" a warning.
	VPNExpected bool
	// Timeout bounds each check; zero means DefaultTimeout.
	Timeout time.Duration
	// DiskWarnPercent and DiskFailPercent are the free-space thresholds.
	DiskWarnPercent, DiskFailPercent float64
	// Home is the user's home directory (for the temp/trash fix); empty uses
	// os.UserHomeDir.
	Home string
	// TempDir is the temporary folder to clean; empty uses os.TempDir.
	TempDir string
	// ProcRoot and SysRoot are where the kernel's procfs and sysfs are
	// read; empty means /proc and /sys. Tests point them at captured files.
	ProcRoot, SysRoot string
	// Root is where fixed paths outside procfs and sysfs are looked up
	// (/usr/sbin/cupsd, /run/systemd/resolve); empty means /.
	Root string
	// Commands runs the programs the checks and fixes use (lpstat, cancel,
	// xrandr, resolvectl, nscd); nil runs them for real.
	Commands CommandRunner
}

// DefaultTimeout bounds a check that has no timeout configured.
const DefaultTimeout = 5 * time.Second

type checkFunc func(ctx context.Context, cfg *Config) Result

type fixFunc func(ctx context.Context, cfg *Config) (string, error)

type checkDef struct {
	title string
	run   checkFunc
}

type fixDef struct {
	title, prompt string
	run           fixFunc
}

// Runner runs checks and fixes by name.
type Runner struct {
	cfg    Config
	checks map[string]checkDef
	fixes  map[string]fixDef
}

// New returns a Runner with the platform's checks and fixes.
func New(cfg Config) *Runner {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.DiskWarnPercent == 0 {
		cfg.DiskWarnPercent = 10
	}
	if cfg.DiskFailPercent == 0 {
		cfg.DiskFailPercent = 3
	}
	cfg.ProcRoot = cmp.Or(cfg.ProcRoot, "/proc")
	cfg.SysRoot = cmp.Or(cfg.SysRoot, "/sys")
	cfg.Root = cmp.Or(cfg.Root, "/")
	if cfg.Commands == nil {
		cfg.Commands = execCommands{}
	}
	return &Runner{cfg: cfg, checks: platformChecks(), fixes: platformFixes()}
}

// commonChecks work the same on every platform (they use only Go's net
// package); platform files add the rest.
func commonChecks() map[string]checkDef {
	return map[string]checkDef{
		CheckInternet:   {"Internet connection", checkInternet},
		CheckInterfaces: {"Network connection", checkInterfaces},
		CheckDNS:        {"Finding the help desk by name", checkDNS},
		CheckHTTPS:      {"Connection to the help desk", checkHTTPS},
		CheckClock:      {"Clock", checkClock},
	}
}

// commonFixes work the same on every platform.
func commonFixes() map[string]fixDef {
	return map[string]fixDef{
		FixCleanTemp: {"Delete temporary files and empty the trash", "Permanently delete your temporary files and everything in the trash? Files in the trash cannot be recovered afterwards.", fixCleanTemp},
	}
}

func result(s Status, format string, args ...any) Result {
	return Result{Status: s, Detail: fmt.Sprintf(format, args...)}
}

// CheckNames lists every check a guide may name, on any platform.
func CheckNames() map[string]bool {
	return setOf(CheckInternet, CheckInterfaces, CheckRoute, CheckGateway, CheckDNS, CheckHTTPS, CheckWiFi,
		CheckVPN, CheckDisk, CheckMemory, CheckUptime, CheckCPU, CheckPrinters, CheckPrintQueue, CheckDisplays,
		CheckBattery, CheckClock)
}

// FixNames lists every fix a guide may name, on any platform.
func FixNames() map[string]bool {
	return setOf(FixClearPrintQueue, FixFlushDNS, FixCleanTemp)
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Check runs one check under the configured timeout. An unknown name or an
// unsupported platform yields an Unknown result, never an error.
func (r *Runner) Check(ctx context.Context, name string) Result {
	def, ok := r.checks[name]
	if !ok {
		if CheckNames()[name] {
			return Result{Name: name, Title: name, Status: Unknown, Detail: "This check is not available on this computer yet."}
		}
		return Result{Name: name, Title: name, Status: Unknown, Detail: fmt.Sprintf("There is no check called %q.", name)}
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	start := time.Now()
	done := make(chan Result, 1)
	go func() { done <- def.run(ctx, &r.cfg) }()
	var res Result
	select {
	case res = <-done:
	case <-ctx.Done():
		res = Result{Status: Unknown, Detail: fmt.Sprintf("The check took longer than %s and was stopped.", r.cfg.Timeout)}
	}
	res.Name, res.Title, res.Took = name, def.title, time.Since(start)
	return res
}

// CheckTitle is the plain-words name of a check.
func (r *Runner) CheckTitle(name string) string {
	if def, ok := r.checks[name]; ok {
		return def.title
	}
	return name
}

// snapshotOrder is the order checks are listed in a snapshot: the network
// from the adapter outwards, then the machine, then devices.
func snapshotOrder() []string {
	return []string{
		CheckInternet, CheckInterfaces, CheckRoute, CheckGateway, CheckDNS, CheckHTTPS, CheckWiFi, CheckVPN,
		CheckDisk, CheckMemory, CheckCPU, CheckUptime, CheckClock, CheckPrinters, CheckPrintQueue, CheckDisplays, CheckBattery,
	}
}

// Snapshot runs every available check, a few at a time, and returns the
// results in a fixed, readable order.
func (r *Runner) Snapshot(ctx context.Context) []Result {
	var names []string
	for _, n := range snapshotOrder() {
		if _, ok := r.checks[n]; ok {
			names = append(names, n)
		}
	}
	out := make([]Result, len(names))
	sem := make(chan struct{}, 4)
	done := make(chan struct{})
	for i, n := range names {
		go func() {
			sem <- struct{}{}
			out[i] = r.Check(ctx, n)
			<-sem
			done <- struct{}{}
		}()
	}
	for range names {
		<-done
	}
	return out
}

// FixInfo describes a fix for the consent prompt.
type FixInfo struct {
	Name, Title, Prompt string
}

// Fix describes the named fix.
func (r *Runner) Fix(name string) (FixInfo, bool) {
	def, ok := r.fixes[name]
	if !ok {
		return FixInfo{}, false
	}
	return FixInfo{Name: name, Title: def.title, Prompt: def.prompt}, true
}

// RunFix performs the named fix. Callers must have asked the user first: the
// selfhelp runner only calls it after the consent callback said yes. It
// returns a plain-words summary of what was done.
func (r *Runner) RunFix(ctx context.Context, name string) (string, error) {
	def, ok := r.fixes[name]
	if !ok {
		return "", fmt.Errorf("fix %q: %w", name, ErrUnknown)
	}
	ctx, cancel := context.WithTimeout(ctx, 4*r.cfg.Timeout)
	defer cancel()
	return def.run(ctx, &r.cfg)
}
