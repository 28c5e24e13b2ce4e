package main

import "os"

// noDesktop reports that there is no X11 or Wayland display to open a
// window on.
func noDesktop() bool { return os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" }
