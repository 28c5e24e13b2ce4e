package diag_test

import (
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

// The machine these fixtures were captured on has no battery ("host"); the
// laptop batteries are hand-made in the shape of /sys/class/power_supply.
func TestBatteryCheck(t *testing.T) {
	runCheckCases(t, []checkCase{
		{name: "no battery", check: diag.CheckBattery, dir: "host", status: diag.OK,
			detail: "This computer has no battery (it runs from the mains)."},
		{name: "only a mouse battery", check: diag.CheckBattery, dir: "mouse-battery", status: diag.OK,
			detail: "This computer has no battery (it runs from the mains)."},
		{name: "charging", check: diag.CheckBattery, dir: "battery-charging", status: diag.OK,
			detail: "The battery is at 64% and charging."},
		{name: "full", check: diag.CheckBattery, dir: "battery-full", status: diag.OK,
			detail: "The battery is full."},
		{name: "holding the charge", check: diag.CheckBattery, dir: "battery-holding", status: diag.OK,
			detail: "The battery is at 80%; the computer is plugged in and holding the charge to protect the battery."},
		{name: "plugged in, not charging", check: diag.CheckBattery, dir: "battery-not-charging", status: diag.Fail,
			detail: "The charger is plugged in but the battery (40%) is not charging. Try another socket or charger."},
		{name: "low", check: diag.CheckBattery, dir: "battery-low", status: diag.Warn,
			detail: "The battery is low (9%) and not plugged in."},
		{name: "on battery", check: diag.CheckBattery, dir: "battery-discharging", status: diag.OK,
			detail: "The battery is at 57% and running on battery power."},
	})
}
