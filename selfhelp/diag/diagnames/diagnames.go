// Package diagnames lists the names of Lifeline's automatic checks and
// consented fixes as guides refer to them, without the checks themselves:
// the relay lints guides with the same names as the desktop
// (`lifeline guides lint`) while staying free of the diagnostics code.
// selfhelp/diag's tests keep the lists equal to diag.CheckNames and
// diag.FixNames.
package diagnames

import "github.com/lifeline-desk/lifeline/selfhelp/guide"

var (
	checks = []string{
		"network.internet", "network.interfaces", "network.route", "network.gateway", "network.dns",
		"network.https", "network.wifi", "network.vpn", "disk.free", "memory", "uptime", "cpu.top",
		"printers", "print.queue", "displays", "battery", "clock",
	}
	fixes = []string{"print.clear-queue", "dns.flush", "disk.clean-temp"}
)

// Checks is the set of check names a guide may use; a fresh map each call.
func Checks() map[string]bool { return set(checks) }

// Fixes is the set of fix names a guide may use; a fresh map each call.
func Fixes() map[string]bool { return set(fixes) }

// Known is what the linter needs to know: the check and fix names and
// the organisation variables with their neutral defaults (the same set
// the desktop's bootstrap.Known gives).
func Known() guide.Known {
	return guide.Known{Checks: Checks(), Fixes: Fixes(), Vars: guide.DefaultVars()}
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
