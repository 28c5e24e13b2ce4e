package diag

// platformChecks are the Windows checks, asked of Windows through its
// system DLLs (winapi_windows.go); the judgements are shared with Linux.
func platformChecks() map[string]checkDef { return winChecks(sysAPI{}) }

func platformFixes() map[string]fixDef { return winFixes(sysAPI{}) }
