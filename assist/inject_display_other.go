//go:build !linux

package assist

// selectDisplay does nothing: outside Linux robotgo injects through the
// system's own input API (SendInput on Windows), with no X display to
// choose — even under Wine, which sets $DISPLAY for itself.
func selectDisplay(string) error { return nil }
