package testenv

import "testing"

func TestInCI(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"true", true}, {"1", true}, {"TRUE", true}, {"false", false}, {"", false}, {"yes", false}} {
		t.Setenv("CI", tc.v)
		if got := InCI(); got != tc.want {
			t.Errorf("CI=%q: InCI() = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestMissingFailsInCI(t *testing.T) {
	t.Setenv("CI", "true")
	ft := &fakeTB{TB: t}
	func() {
		defer func() { recover() }()
		Missing(ft, "Xvfb not installed")
	}()
	if !ft.failed || ft.skipped {
		t.Errorf("in CI: failed=%v skipped=%v, want a failure", ft.failed, ft.skipped)
	}
	t.Setenv("CI", "")
	ft = &fakeTB{TB: t}
	func() {
		defer func() { recover() }()
		Missing(ft, "Xvfb not installed")
	}()
	if ft.failed || !ft.skipped {
		t.Errorf("locally: failed=%v skipped=%v, want a skip", ft.failed, ft.skipped)
	}
}

// fakeTB records Fatalf and Skip instead of stopping the real test; both
// panic to leave Missing as the real ones would.
type fakeTB struct {
	testing.TB
	failed, skipped bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fakeTB) Skip(...any)           { f.skipped = true; panic("skip") }
