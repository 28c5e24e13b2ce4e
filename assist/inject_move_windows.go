package assist

import (
	"image"

	"github.com/lifeline-desk/lifeline/assist/wincap"
)

// movePointer moves the pointer to (x, y) of the virtual screen with
// SetCursorPos. Not robotgo.Move: on Windows it divides the position by
// the foreground window's DPI scale, which for a per-monitor-DPI-aware
// process (lifeline.exe is one; its coordinates, like its captured
// frames, are physical pixels) puts the pointer at 80 % of the way on a
// 125 % display. Negative coordinates (monitors left of or above the
// primary one) are passed as they are.
func movePointer(x, y int) error { return wincap.SetCursorPos(image.Pt(x, y)) }
