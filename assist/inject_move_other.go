//go:build !windows

package assist

import "github.com/go-vgo/robotgo"

// movePointer moves the pointer to (x, y) of the desktop (XWarpPointer on
// X11).
func movePointer(x, y int) error {
	robotgo.Move(x, y)
	return nil
}
