package orgconfig_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/winetest"
)

func TestMain(m *testing.M) { os.Exit(winetest.Main(m)) }

// TestUnderWine writes the organisation's values into a Wine prefix the
// way the MSI and Group Policy do (REG_SZ under HKLM\SOFTWARE\Policies\Lifeline,
// with Wine's reg.exe) and a %ProgramData%\Lifeline\config.yaml beside
// them, then runs this package's Windows tests, cross-built, under Wine:
// the Windows reader sees the registry values, over the file's.
func TestUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the package and starts Wine")
	}
	p := winetest.Shared(t)
	exe := winetest.BuildTests(t)

	policy := [][2]string{
		{"relay_url", "https://help.example.org"},
		{"helpdesk_name", "Example IT Service Desk"},
		{"helpdesk_phone", "+44 20 7946 0000"},
		{"wifi_name", "Corp Net"},
	}
	for _, kv := range policy {
		res := p.Run(t, "", "", time.Minute, "reg", "add", `HKLM\SOFTWARE\Policies\Lifeline`, "/v", kv[0], "/t", "REG_SZ", "/d", kv[1], "/f")
		if res.ExitCode != 0 {
			t.Fatalf("reg add %s: exit %d\n%s%s", kv[0], res.ExitCode, res.Stdout, res.Stderr)
		}
	}
	// The file sets one name the registry also sets (the registry wins)
	// and one it does not.
	file := p.DriveC(`ProgramData\Lifeline\config.yaml`)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("helpdesk_phone: \"+1 555 0100\"\r\nvpn_name: GlobalProtect\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var spec []string
	for _, kv := range policy {
		spec = append(spec, kv[0]+"="+kv[1])
	}
	spec = append(spec, "vpn_name=GlobalProtect")

	res := p.RunEnv(t, "", t.TempDir(), []string{"LIFELINE_TEST_POLICY=" + strings.Join(spec, ";")}, 2*time.Minute,
		exe, "-test.v", "-test.run", "^TestWindows")
	winetest.CheckPassed(t, res, "TestWindowsRegistryValues", "TestWindowsPolicy")
}
