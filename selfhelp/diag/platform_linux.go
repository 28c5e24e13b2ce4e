package diag

import "maps"

// platformChecks are the checks Linux has: the common ones plus those that
// read procfs and sysfs or ask CUPS, X and systemd.
func platformChecks() map[string]checkDef {
	m := commonChecks()
	maps.Copy(m, map[string]checkDef{
		CheckRoute:      {"Route to the internet", checkRoute},
		CheckGateway:    {"Router", checkGateway},
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
	})
	return m
}

func platformFixes() map[string]fixDef {
	m := commonFixes()
	maps.Copy(m, map[string]fixDef{
		FixClearPrintQueue: {"Clear the print queue", "Cancel all your waiting print jobs? You can print the documents again afterwards.", fixClearPrintQueue},
		FixFlushDNS:        {"Clear the DNS cache", "Clear this computer's saved name lookups (DNS cache)? This is safe and takes a second.", fixFlushDNS},
	})
	return m
}
