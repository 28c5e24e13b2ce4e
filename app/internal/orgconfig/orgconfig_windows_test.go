package orgconfig_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows/registry"

	"github.com/lifeline-desk/lifeline/app/internal/orgconfig"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// TestWindowsRegistryValues writes values of every kind under a key of its
// own in HKCU and reads them with the same reader Load uses for HKLM.
func TestWindowsRegistryValues(t *testing.T) {
	path := fmt.Sprintf(`SOFTWARE\LifelineTest-%d`, time.Now().UnixNano())
	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close(); registry.DeleteKey(registry.CURRENT_USER, path) })
	for name, v := range map[string]string{"relay_url": "https://help.example.org", "helpdesk_phone": "+44 20 7946 0000", "vpn_name": ""} {
		if err := k.SetStringValue(name, v); err != nil {
			t.Fatal(err)
		}
	}
	k.SetExpandStringValue("cloud_storage", `%SystemDrive%\Shared`)
	k.SetDWordValue("helpdesk_hours", 9)
	k.SetStringValue("helpdesk_phon", "+44 20 7946 0001")
	k.SetStringValue("Helpdesk_Name", "Example IT") // as a GPO editor may write it

	got, err := orgconfig.ReadRegistry(registry.CURRENT_USER, path)
	if got.RelayURL != "https://help.example.org" {
		t.Errorf("relay %q", got.RelayURL)
	}
	want := guide.Vars{"helpdesk_phone": "+44 20 7946 0000", "helpdesk_name": "Example IT", "cloud_storage": os.Getenv("SystemDrive") + `\Shared`}
	if !reflect.DeepEqual(got.Vars, want) {
		t.Errorf("vars %v, want %v", got.Vars, want)
	}
	msg := fmt.Sprint(err)
	for _, w := range []string{`HKCU\` + path + `\helpdesk_hours: the value should be text (REG_SZ), not a number (REG_DWORD)`, `HKCU\` + path + `\helpdesk_phon: unknown name "helpdesk_phon"`} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q\nwant it to say %q", msg, w)
		}
	}

	if got, err := orgconfig.ReadRegistry(registry.CURRENT_USER, path+`\missing`); err != nil || !got.IsZero() {
		t.Errorf("missing key: %+v, %v", got, err)
	}
}

// TestWindowsPolicy reads the machine's real configuration with Load. The
// Wine harness (orgconfig_wine_linux_test.go) first writes the values as
// the MSI would, with `reg add HKLM\SOFTWARE\Policies\Lifeline`, plus a
// %ProgramData%\Lifeline\config.yaml, and passes what it wrote in
// LIFELINE_TEST_POLICY (name=value;…).
func TestWindowsPolicy(t *testing.T) {
	spec := os.Getenv("LIFELINE_TEST_POLICY")
	if spec == "" {
		t.Skip("run by the Wine harness, which writes HKLM values first")
	}
	want := guide.Vars{}
	wantRelay := ""
	for _, kv := range strings.Split(spec, ";") {
		k, v, _ := strings.Cut(kv, "=")
		if k == orgconfig.KeyRelayURL {
			wantRelay = v
		} else {
			want[k] = v
		}
	}
	got, err := orgconfig.Load()
	if err != nil {
		t.Errorf("Load: %v", err)
	}
	if got.RelayURL != wantRelay {
		t.Errorf("relay %q, want %q", got.RelayURL, wantRelay)
	}
	if !reflect.DeepEqual(got.Vars, want) {
		t.Errorf("vars %v\nwant %v", got.Vars, want)
	}
	t.Logf("read from %v", got.Sources)
}
