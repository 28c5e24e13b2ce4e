package diag_test

import (
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

// The one-monitor xrandr output was captured from a real Xvfb; Xvfb cannot
// show two monitors, so that output is hand-made.
func TestDisplaysCheck(t *testing.T) {
	x := map[string]string{"DISPLAY": ":0"}
	noX := map[string]string{"DISPLAY": ""}
	runCheckCases(t, []checkCase{
		{name: "one monitor", check: diag.CheckDisplays, env: x,
			replies: map[string][]reply{"xrandr --listmonitors": {{out: fixture(t, "xrandr/listmonitors-one.txt")}}},
			status:  diag.OK, detail: "1 screen is detected. If you have a second one plugged in, the computer does not see it yet."},
		{name: "two monitors", check: diag.CheckDisplays, env: x,
			replies: map[string][]reply{"xrandr --listmonitors": {{out: fixture(t, "xrandr/listmonitors-two.txt")}}},
			status:  diag.OK, detail: "2 screens are detected."},
		{name: "xrandr missing falls back to the graphics card", check: diag.CheckDisplays, env: x, dir: "drm-two",
			status: diag.OK, detail: "2 screens are detected."},
		{name: "no X, two connected", check: diag.CheckDisplays, env: noX, dir: "drm-two",
			status: diag.OK, detail: "2 screens are detected."},
		{name: "no X, nothing connected", check: diag.CheckDisplays, env: noX, dir: "drm-none",
			status: diag.Fail, detail: "No screen is detected."},
		{name: "no X, no graphics card", check: diag.CheckDisplays, env: noX, dir: "host",
			status: diag.Unknown, detail: "Lifeline could not ask the graphics system how many screens are connected."},
	})
}
