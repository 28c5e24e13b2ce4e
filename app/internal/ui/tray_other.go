//go:build !(linux || freebsd || openbsd || netbsd)

package ui

// trayAvailable says whether a system tray icon can be shown: Windows and
// macOS always have one.
func trayAvailable() bool { return true }
