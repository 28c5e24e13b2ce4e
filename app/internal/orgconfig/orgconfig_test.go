package orgconfig_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/app/internal/orgconfig"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// TestReadFile writes each configuration to a real file and reads it back:
// the values that are right apply even beside a mistake, and every
// mistake names the file and line.
func TestReadFile(t *testing.T) {
	tests := []struct {
		name, file string
		relay      string
		vars       guide.Vars
		errs       []string // each a substring of the error, after "<path>:"
	}{
		{name: "empty", file: ""},
		{name: "comments only", file: "# set by IT\n"},
		{
			name:  "everything",
			file:  "# Lifeline, set by IT\nrelay_url: https://help.example.org\nhelpdesk_name: Example IT Service Desk\nhelpdesk_phone: \"+44 20 7946 0000\"\nwifi_name: CorpNet\n",
			relay: "https://help.example.org",
			vars:  guide.Vars{"helpdesk_name": "Example IT Service Desk", "helpdesk_phone": "+44 20 7946 0000", "wifi_name": "CorpNet"},
		},
		{
			name: "numbers stay as written",
			file: "helpdesk_phone: 0800 123 456\nhelpdesk_hours: 8-18\nguest_wifi_name: 0123\n",
			vars: guide.Vars{"helpdesk_phone": "0800 123 456", "helpdesk_hours": "8-18", "guest_wifi_name": "0123"},
		},
		{name: "blank value sets nothing", file: "helpdesk_phone: \"  \"\nvpn_name: ''\n"},
		{
			name: "unknown name, the rest applies",
			file: "helpdesk_phone: \"+1 555 0100\"\nhelpdesk_phon: \"+1 555 0199\"\nvpn_name: GlobalProtect\n",
			vars: guide.Vars{"helpdesk_phone": "+1 555 0100", "vpn_name": "GlobalProtect"},
			errs: []string{`2: unknown name "helpdesk_phon"`},
		},
		{
			name: "bad relay address, the rest applies",
			file: "relay_url: help.example.org\nmfa_app: Microsoft Authenticator\n",
			vars: guide.Vars{"mfa_app": "Microsoft Authenticator"},
			errs: []string{`1: the help desk address "help.example.org" must start with https://`},
		},
		{
			name: "list where text belongs",
			file: "cloud_storage:\n  - OneDrive\n  - SharePoint\nmail_web_url: https://outlook.office.com\n",
			vars: guide.Vars{"mail_web_url": "https://outlook.office.com"},
			errs: []string{"1: the value of cloud_storage should be text"},
		},
		{
			name: "nothing after the colon",
			file: "status_page_url:\nwifi_name: CorpNet\n",
			vars: guide.Vars{"wifi_name": "CorpNet"},
			errs: []string{"1: the value of status_page_url should be text"},
		},
		{
			name:  "set twice",
			file:  "relay_url: https://old.example.org\nrelay_url: https://help.example.org\n",
			relay: "https://help.example.org",
			errs:  []string{"2: relay_url is set twice (first on line 1)"},
		},
		{
			name: "not YAML",
			file: "relay_url: https://help.example.org\nhelpdesk_name: \"unclosed\n",
			errs: []string{"2: this is not valid YAML (found unexpected end of stream)"},
		},
		{
			name: "key=value instead of YAML",
			file: "relay_url=https://help.example.org\n",
			errs: []string{"1: expected lines of the form name: value"},
		},
		{
			name: "tab indentation",
			file: "relay_url: https://help.example.org\n\thelpdesk_name: X\n",
			errs: []string{"2: this is not valid YAML (found a tab character"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, orgconfig.FileName)
			if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := orgconfig.LoadDir(dir)
			if got.RelayURL != tt.relay {
				t.Errorf("relay %q, want %q", got.RelayURL, tt.relay)
			}
			if len(got.Vars) != 0 || len(tt.vars) != 0 {
				if !reflect.DeepEqual(got.Vars, tt.vars) {
					t.Errorf("vars %v, want %v", got.Vars, tt.vars)
				}
			}
			if len(tt.errs) == 0 {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.errs)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.errs) {
				t.Errorf("%d problems, want %d:\n%v", len(lines), len(tt.errs), err)
			}
			for i, want := range tt.errs {
				if i < len(lines) && !strings.HasPrefix(lines[i], path+":"+want) {
					t.Errorf("problem %d: %q\nwant it to start %q", i, lines[i], path+":"+want)
				}
			}
		})
	}
}

func TestReadFileMissingOrUnreadable(t *testing.T) {
	dir := t.TempDir()
	if got, err := orgconfig.LoadDir(dir); err != nil || !got.IsZero() {
		t.Errorf("no file: %+v, %v", got, err)
	}
	if err := os.Mkdir(filepath.Join(dir, orgconfig.FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := orgconfig.LoadDir(dir); err == nil || !strings.Contains(err.Error(), orgconfig.FileName) {
		t.Errorf("a folder where the file belongs: %v", err)
	}
	big := filepath.Join(t.TempDir(), orgconfig.FileName)
	os.WriteFile(big, []byte("# "+strings.Repeat("x", 70<<10)+"\n"), 0o644)
	if _, err := orgconfig.ReadFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a huge file: %v", err)
	}
}

// TestPrecedence: the organisation's values win; flags and settings fill
// only what it left unset.
func TestPrecedence(t *testing.T) {
	org := orgconfig.Config{RelayURL: "https://help.example.org", Vars: guide.Vars{"helpdesk_phone": "+1 555 0100"}}
	user := guide.Vars{"helpdesk_phone": "+1 555 9999", "wifi_name": "HomeNet"}
	got := org.ApplyVars(user)
	want := guide.Vars{"helpdesk_phone": "+1 555 0100", "wifi_name": "HomeNet"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("vars %v, want %v", got, want)
	}
	if user["helpdesk_phone"] != "+1 555 9999" {
		t.Error("ApplyVars changed the caller's map")
	}
	if got := org.Relay("http://127.0.0.1:8080"); got != "https://help.example.org" || !org.RelayLocked() {
		t.Errorf("org relay: %q locked=%v", got, org.RelayLocked())
	}
	var none orgconfig.Config
	if got := none.Relay("http://127.0.0.1:8080"); got != "http://127.0.0.1:8080" || none.RelayLocked() {
		t.Errorf("no org relay: %q locked=%v", got, none.RelayLocked())
	}
	if !reflect.DeepEqual(none.ApplyVars(user), user) {
		t.Errorf("no org vars: %v", none.ApplyVars(user))
	}
}

// TestNamesMatchTheGuideVariables: every organisation variable guides know
// can be set, plus the relay address.
func TestNamesMatchTheGuideVariables(t *testing.T) {
	names := orgconfig.Names()
	if len(names) != len(guide.DefaultVars())+1 {
		t.Errorf("names %v", names)
	}
	for k := range guide.DefaultVars() {
		if !strings.Contains(strings.Join(names, " "), k) {
			t.Errorf("%s missing", k)
		}
	}
}

// TestTheMSIWritesEveryName: the installer has a public property and a
// registry value under the policy key for every name Load reads, so IT can
// set each one with msiexec.
func TestTheMSIWritesEveryName(t *testing.T) {
	wxs, err := os.ReadFile(filepath.Join("..", "..", "..", "packaging", "windows", "lifeline.wxs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range orgconfig.Names() {
		value := `Key="SOFTWARE\Policies\Lifeline" Name="` + name + `" Type="string" Value="[` + strings.ToUpper(name) + `]"`
		if !strings.Contains(string(wxs), value) {
			t.Errorf("lifeline.wxs writes no %s from %s", name, strings.ToUpper(name))
		}
		if !strings.Contains(string(wxs), `<Property Id="`+strings.ToUpper(name)+`">`) {
			t.Errorf("lifeline.wxs has no property %s", strings.ToUpper(name))
		}
	}
}
