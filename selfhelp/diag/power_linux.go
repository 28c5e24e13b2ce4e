package diag

import (
	"context"
	"os"
	"strconv"
)

// checkBattery reads the first system battery and the chargers from sysfs.
func checkBattery(_ context.Context, cfg *Config) Result {
	entries, _ := os.ReadDir(cfg.sysPath("class/power_supply"))
	acOnline := false
	var bats []string
	for _, e := range entries {
		switch cfg.readSys("class/power_supply", e.Name(), "type") {
		case "Battery":
			if cfg.readSys("class/power_supply", e.Name(), "scope") != "Device" {
				bats = append(bats, e.Name())
			}
		case "Mains", "USB":
			acOnline = acOnline || cfg.readSys("class/power_supply", e.Name(), "online") == "1"
		}
	}
	if len(bats) == 0 {
		return batteryResult(batteryState{PluggedIn: acOnline})
	}
	b := bats[0]
	capacity, _ := strconv.Atoi(cfg.readSys("class/power_supply", b, "capacity"))
	return batteryResult(batteryState{Present: true, Percent: capacity, Status: cfg.readSys("class/power_supply", b, "status"), PluggedIn: acOnline})
}
