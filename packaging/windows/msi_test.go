package windows_test

import (
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

const (
	policyKey    = `HKLM\SOFTWARE\Policies\Lifeline`
	uninstallKey = `HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall`
	installedExe = `C:\Program Files\Lifeline\lifeline.exe`
)

// buildMSI runs packaging/windows/msi.sh for exe at version into dir.
func buildMSI(t *testing.T, exe, version, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "lifeline-"+version+"-windows-amd64.msi")
	cmd := exec.Command("./msi.sh", exe, version, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("msi.sh %s: %v\n%s", version, err, b)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MSI %s: %d KiB", version, st.Size()/1024)
	return out
}

func TestMSIInstallUpgradeUninstall(t *testing.T) {
	testenv.LookPath(t, "wixl", "wixl")
	testenv.LookPath(t, "msibuild", "msitools")
	exe := windowsExe(t)
	display := xtest.Start(t, 1024, 768)
	p := winetest.Shared(t)
	dir := t.TempDir()
	v1, v2 := buildMSI(t, exe, "0.1.0", dir), buildMSI(t, exe, "0.1.1", dir)

	msiexec := func(args ...string) {
		t.Helper()
		r := p.Run(t, display, dir, 3*time.Minute, "msiexec", args...)
		if r.ExitCode != 0 {
			t.Fatalf("msiexec %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	phone := "+44 20 7946 0000"

	msiexec("/i", filepath.Base(v1), "/qn", "RELAY_URL=https://help.example.org", "HELPDESK_PHONE="+phone)
	if _, err := os.Stat(p.DriveC(`Program Files\Lifeline\lifeline.exe`)); err != nil {
		t.Fatalf("after install: %v", err)
	}
	wantPolicy := map[string]string{"relay_url": "https://help.example.org", "helpdesk_phone": phone}
	if got := regValues(t, p, display, policyKey); !maps.Equal(got, wantPolicy) {
		t.Errorf("after install, %s = %v, want only %v", policyKey, got, wantPolicy)
	}
	if !hasShortcut(t, p) {
		t.Error("after install: no Lifeline.lnk in the Start menu")
	}
	products := lifelineProducts(t, p, display)
	if len(products) != 1 || products[0]["DisplayVersion"] != "0.1.0" {
		t.Errorf("after install, Add/Remove Programs entries = %v, want one, version 0.1.0", products)
	}
	if icon := productIcon(t, p, display); icon == "" {
		t.Error("after install: no ProductIcon (ARPPRODUCTICON) registered for Lifeline")
	} else if _, err := os.Stat(p.DriveC(strings.TrimPrefix(icon, `C:\`))); err != nil {
		t.Errorf("after install: ProductIcon %s: %v", icon, err)
	}
	if r := p.Run(t, display, "", time.Minute, installedExe, "version"); r.ExitCode != 0 || !strings.HasPrefix(string(r.Stdout), "lifeline ") {
		t.Errorf("installed lifeline.exe version: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}

	// The upgrade is given no properties: IT's values stay.
	msiexec("/i", filepath.Base(v2), "/qn")
	products = lifelineProducts(t, p, display)
	if len(products) != 1 || products[0]["DisplayVersion"] != "0.1.1" {
		t.Errorf("after upgrade, Add/Remove Programs entries = %v, want one, version 0.1.1", products)
	}
	if got := regValues(t, p, display, policyKey); !maps.Equal(got, wantPolicy) {
		t.Errorf("after upgrade, %s = %v, want %v", policyKey, got, wantPolicy)
	}
	if _, err := os.Stat(p.DriveC(`Program Files\Lifeline\lifeline.exe`)); err != nil {
		t.Errorf("after upgrade: %v", err)
	}

	msiexec("/x", filepath.Base(v2), "/qn")
	if _, err := os.Stat(p.DriveC(`Program Files\Lifeline\lifeline.exe`)); !os.IsNotExist(err) {
		t.Errorf("after uninstall, lifeline.exe: %v, want it gone", err)
	}
	if products := lifelineProducts(t, p, display); len(products) != 0 {
		t.Errorf("after uninstall, Add/Remove Programs entries = %v, want none", products)
	}
	if got := regValues(t, p, display, policyKey); len(got) != 0 {
		t.Errorf("after uninstall, %s = %v, want no values", policyKey, got)
	}
}

// regValue is one value line of `reg query`: "    name    REG_SZ    data".
var regValue = regexp.MustCompile(`^\s+(\S.*?)\s{4}(REG_\w+)\s{4}(.*)$`)

// regQuery returns the keys `reg query key /s` lists, each with its values.
func regQuery(t *testing.T, p *winetest.Prefix, display, key string) map[string]map[string]string {
	t.Helper()
	r := p.Run(t, display, "", time.Minute, "reg", "query", key, "/s")
	keys := map[string]map[string]string{}
	var cur map[string]string
	for _, line := range strings.Split(strings.ReplaceAll(string(r.Stdout), "\r\n", "\n"), "\n") {
		switch m := regValue.FindStringSubmatch(line); {
		case strings.HasPrefix(line, "HKEY_"):
			cur = map[string]string{}
			keys[line] = cur
		case m != nil && cur != nil:
			cur[m[1]] = m[3]
		}
	}
	return keys
}

// regValues returns the values directly under key (none when it is missing).
func regValues(t *testing.T, p *winetest.Prefix, display, key string) map[string]string {
	t.Helper()
	for k, vals := range regQuery(t, p, display, key) {
		if strings.EqualFold(strings.Replace(k, "HKEY_LOCAL_MACHINE", "HKLM", 1), key) {
			return vals
		}
	}
	return map[string]string{}
}

// lifelineProducts returns the Add/Remove Programs entries named Lifeline.
func lifelineProducts(t *testing.T, p *winetest.Prefix, display string) []map[string]string {
	t.Helper()
	var found []map[string]string
	for _, vals := range regQuery(t, p, display, uninstallKey) {
		if vals["DisplayName"] == "Lifeline" {
			found = append(found, vals)
		}
	}
	return found
}

// productIcon returns the icon Windows Installer registered for Lifeline
// from ARPPRODUCTICON (what Add/Remove Programs shows).
func productIcon(t *testing.T, p *winetest.Prefix, display string) string {
	t.Helper()
	for _, vals := range regQuery(t, p, display, `HKLM\Software\Classes\Installer\Products`) {
		if vals["ProductName"] == "Lifeline" {
			return vals["ProductIcon"]
		}
	}
	return ""
}

func hasShortcut(t *testing.T, p *winetest.Prefix) bool {
	t.Helper()
	found := false
	filepath.WalkDir(p.DriveC(""), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "Lifeline.lnk" && strings.Contains(filepath.ToSlash(path), "Start Menu/Programs") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
