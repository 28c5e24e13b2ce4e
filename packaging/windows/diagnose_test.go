package windows_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// diagnosis is what `lifeline diagnose --json` prints.
type diagnosis struct {
	Checks []struct {
		Name, Title, Status, Detail, Technical string
		Data                                   json.RawMessage
	}
}

// TestDiagnoseUnderWine runs `lifeline.exe diagnose --json` under Wine with
// the help desk's address set the way IT sets it (a REG_SZ under
// HKLM\SOFTWARE\Policies\Lifeline, as the MSI writes it) and no flag: the
// exe checks that server, runs the same checks as the Linux build in the
// same order, and the checks Wine implements answer from the Windows APIs
// (memory, disk, uptime, processes, the help desk's web address, the clock
// against the server's).
func TestDiagnoseUnderWine(t *testing.T) {
	exe := windowsExe(t)
	display := xtest.Start(t, 1024, 768)
	p := winetest.Shared(t)

	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	const key = `HKLM\SOFTWARE\Policies\Lifeline`
	if r := p.Run(t, "", "", time.Minute, "reg", "add", key, "/v", "relay_url", "/t", "REG_SZ", "/d", srv.URL, "/f"); r.ExitCode != 0 {
		t.Fatalf("reg add relay_url: exit %d: %s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	t.Cleanup(func() { p.Run(t, "", "", time.Minute, "reg", "delete", key, "/v", "relay_url", "/f") })

	r := p.Run(t, display, repo, 2*time.Minute, exe, "diagnose", "--json")
	if r.ExitCode != 0 {
		t.Fatalf("lifeline.exe diagnose --json: exit %d: %s", r.ExitCode, r.Stderr)
	}
	var win diagnosis
	if err := json.Unmarshal(r.Stdout, &win); err != nil {
		t.Fatalf("diagnose --json under Wine is not JSON: %v\n%s", err, r.Stdout)
	}
	if hits.Load() == 0 {
		t.Error("lifeline.exe never contacted the help desk address the organisation set in the registry")
	}

	out, stderr, code := runLinux(t, t.TempDir(), "diagnose", "--json", "--check-url", srv.URL, "--clock-url", srv.URL)
	if code != 0 {
		t.Fatalf("Linux diagnose --json: exit %d: %s", code, stderr)
	}
	var lin diagnosis
	if err := json.Unmarshal(out, &lin); err != nil {
		t.Fatal(err)
	}
	names := func(d diagnosis) (n []string) {
		for _, c := range d.Checks {
			n = append(n, c.Name)
		}
		return n
	}
	if w, l := names(win), names(lin); !slices.Equal(w, l) {
		t.Errorf("checks under Wine %v, on Linux %v", w, l)
	}

	// What Wine implements answers for real; the rest says it could not check.
	// (The network chain fails here: the tests run in a namespace with
	// nothing but loopback, which Windows' adapter list leaves out.)
	answered := map[string]bool{"memory": true, "disk.free": true, "uptime": true, "cpu.top": true,
		"network.https": true, "network.dns": true, "network.vpn": true, "clock": true,
		"printers": true, "print.queue": true, "displays": true, "battery": true}
	for _, c := range win.Checks {
		t.Logf("%-18s %-7s %s | %s", c.Name, c.Status, c.Detail, c.Technical)
		switch {
		case c.Status == "" || c.Detail == "":
			t.Errorf("%s: no status or sentence: %+v", c.Name, c)
		case answered[c.Name] && c.Status != "ok" && c.Status != "warn":
			t.Errorf("%s = %s (%s), want an answer from the Windows APIs", c.Name, c.Status, c.Detail)
		}
	}
}
