//go:build !linux && !windows

package diag

// Outside Linux, only the platform-neutral checks and the temp clean-up are
// available for now; the others report "not available on this computer".
func platformChecks() map[string]checkDef { return commonChecks() }

func platformFixes() map[string]fixDef { return commonFixes() }
