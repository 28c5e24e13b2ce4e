package diag

func platformChecks() map[string]checkDef { return map[string]checkDef{} }
func platformFixes() map[string]fixDef    { return map[string]fixDef{} }
