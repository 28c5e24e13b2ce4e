package diag

import (
	"context"
	"fmt"
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
		return result(OK, "This computer has no battery (it runs from the mains).")
	}
	b := bats[0]
	capacity, _ := strconv.Atoi(cfg.readSys("class/power_supply", b, "capacity"))
	status := cfg.readSys("class/power_supply", b, "status")
	data := map[string]any{"percent": capacity, "status": status, "plugged_in": acOnline}
	switch {
	case status == "Charging":
		return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%% and charging.", capacity), Data: data}
	case status == "Full":
		return Result{Status: OK, Detail: "The battery is full.", Data: data}
	case acOnline && status == "Not charging" && capacity >= 75:
		return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%%; the computer is plugged in and holding the charge to protect the battery.", capacity), Data: data}
	case acOnline:
		return Result{Status: Fail, Detail: fmt.Sprintf("The charger is plugged in but the battery (%d%%) is not charging. Try another socket or charger.", capacity), Data: data}
	case capacity < 15:
		return Result{Status: Warn, Detail: fmt.Sprintf("The battery is low (%d%%) and not plugged in.", capacity), Data: data}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%% and running on battery power.", capacity), Data: data}
}
