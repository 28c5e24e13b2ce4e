package diag_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
)

// TestSnapshotOnCapturedMachine runs every Linux check on the machine
// captured under testdata/host, in the snapshot's fixed order. The adapter,
// internet and disk checks read the live kernel (net.Interfaces, statfs),
// so only their presence is asserted.
func TestSnapshotOnCapturedMachine(t *testing.T) {
	t.Setenv("DISPLAY", ":0")
	t.Setenv("CUPS_SERVER", "")
	c := checkCase{dir: "host", installed: []string{"/usr/sbin/cupsd"}, replies: map[string][]reply{
		"lpstat -p -d":          {{out: fixture(t, "lpstat/p-d-offline.txt")}},
		"lpstat -o":             {{out: fixture(t, "lpstat/o-three.txt")}},
		"xrandr --listmonitors": {{out: fixture(t, "xrandr/listmonitors-one.txt")}},
	}}
	cfg, _ := c.config(t)
	cfg.Timeout = 3 * time.Second
	want := []struct {
		name   string
		status diag.Status // "" for checks of the live kernel
	}{
		{diag.CheckInternet, ""}, {diag.CheckInterfaces, ""}, {diag.CheckRoute, diag.OK}, {diag.CheckGateway, diag.OK},
		{diag.CheckDNS, diag.Unknown}, {diag.CheckHTTPS, diag.Unknown}, {diag.CheckWiFi, diag.Unknown}, {diag.CheckVPN, diag.OK},
		{diag.CheckDisk, ""}, {diag.CheckMemory, diag.OK}, {diag.CheckCPU, diag.OK}, {diag.CheckUptime, diag.OK},
		{diag.CheckClock, diag.Unknown}, {diag.CheckPrinters, diag.Warn}, {diag.CheckPrintQueue, diag.Warn},
		{diag.CheckDisplays, diag.OK}, {diag.CheckBattery, diag.OK},
	}
	got := diag.New(cfg).Snapshot(context.Background())
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Name != w.name {
			t.Errorf("result %d is %q, want %q", i, got[i].Name, w.name)
		}
		if w.status != "" && got[i].Status != w.status {
			t.Errorf("%s: got %s (%s), want %s", w.name, got[i].Status, got[i].Detail, w.status)
		}
		if got[i].Status == "" || got[i].Title == "" {
			t.Errorf("%s: empty status or title: %+v", w.name, got[i])
		}
	}
}
