//go:build linux || freebsd || openbsd || netbsd

package ui

import (
	"os"
	"path/filepath"
	"strconv"
)

// trayAvailable says whether a system tray icon can be shown: on these
// systems the tray is a StatusNotifierItem on the D-Bus session bus.
//
// Without a session bus fyne.io/systray must not be started at all: its
// nativeStart logs the failed dbus.SessionBus() and returns with
// instance.conn still nil, and at quit its nativeEnd calls
// instance.conn.Close() on that nil *dbus.Conn, which panics (godbus
// dereferences the receiver). fyne.io/fyne calls that from the driver's
// Quit, outside any code of ours, so the guard has to be here: no bus, no
// tray. The addresses checked are the ones godbus finds without
// autolaunching: $DBUS_SESSION_BUS_ADDRESS, then /run/user/$UID/bus or
// /run/user/$UID/dbus-session. (A bus dbus-launch would start has no tray
// host on it anyway.)
func trayAvailable() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	run := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(run, name)); err == nil {
			return true
		}
	}
	return false
}
