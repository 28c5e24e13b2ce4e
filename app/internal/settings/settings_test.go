package settings_test

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/app/internal/settings"
)

func TestRelayURLLockedByOrganisation(t *testing.T) {
	a := test.NewTempApp(t)
	st := settings.New(a.Preferences())
	if st.RelayURL() != settings.DefaultRelayURL || st.RelayURLLocked() {
		t.Fatalf("fresh: %q locked=%v", st.RelayURL(), st.RelayURLLocked())
	}
	if !st.SetRelayURL(" https://mine.example.org ") || st.RelayURL() != "https://mine.example.org" {
		t.Fatalf("user's own address: %q", st.RelayURL())
	}
	st.LockRelayURL("https://help.example.org")
	if !st.RelayURLLocked() || st.RelayURL() != "https://help.example.org" {
		t.Fatalf("locked: %q locked=%v", st.RelayURL(), st.RelayURLLocked())
	}
	if st.SetRelayURL("https://other.example.org") {
		t.Error("SetRelayURL changed a locked address")
	}
	if st.RelayURL() != "https://help.example.org" {
		t.Errorf("after SetRelayURL: %q", st.RelayURL())
	}
	// The user's saved address is kept under the lock, for when the
	// organisation stops setting one.
	if again := settings.New(a.Preferences()); again.RelayURL() != "https://mine.example.org" {
		t.Errorf("saved address under the lock: %q", again.RelayURL())
	}
}
