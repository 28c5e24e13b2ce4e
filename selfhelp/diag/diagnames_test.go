package diag_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/diag/diagnames"
)

// The relay lints guides with diagnames; a check or fix added here and
// not there would make the relay refuse guides the desktop runs.
func TestDiagNamesMatch(t *testing.T) {
	for _, tt := range []struct {
		name      string
		got, want map[string]bool
	}{
		{"checks", diagnames.Checks(), diag.CheckNames()},
		{"fixes", diagnames.Fixes(), diag.FixNames()},
	} {
		if got, want := slices.Sorted(maps.Keys(tt.got)), slices.Sorted(maps.Keys(tt.want)); !slices.Equal(got, want) {
			t.Errorf("diagnames %s = %v, want %v (update selfhelp/diag/diagnames)", tt.name, got, want)
		}
	}
}
