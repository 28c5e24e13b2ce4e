package wincap

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procEnumDisplayMonitors = modUser32.NewProc("EnumDisplayMonitors")
	procGetMonitorInfoW     = modUser32.NewProc("GetMonitorInfoW")
	procSetCursorPos        = modUser32.NewProc("SetCursorPos")
	procGetCursorPos        = modUser32.NewProc("GetCursorPos")
)

const monitorInfoPrimary = 1 // MONITORINFOF_PRIMARY

// monitorInfoEx is a MONITORINFOEXW.
type monitorInfoEx struct {
	Size          uint32
	Monitor, Work rect
	Flags         uint32
	Device        [32]uint16
}

var (
	// enumMu serialises Monitors, whose callback appends to enumOut.
	enumMu  sync.Mutex
	enumOut []Monitor
	// enumCallback is the one EnumDisplayMonitors callback of the
	// process (callbacks are a limited resource in Go).
	enumCallback = windows.NewCallback(enumMonitor)
)

func enumMonitor(hmon, _ uintptr, _ *rect, _ uintptr) uintptr {
	mi := monitorInfoEx{}
	mi.Size = uint32(unsafe.Sizeof(mi))
	if ok, _, _ := syscall.SyscallN(procGetMonitorInfoW.Addr(), hmon, uintptr(unsafe.Pointer(&mi))); ok == 0 {
		return 1 // gone between the enumeration and the question: skip it
	}
	enumOut = append(enumOut, Monitor{
		Bounds:  mi.Monitor.image(),
		Primary: mi.Flags&monitorInfoPrimary != 0,
		Device:  windows.UTF16ToString(mi.Device[:]),
	})
	return 1
}

// Monitors lists the monitors of the virtual screen, the primary one
// first (display 0), the others in the order Windows enumerates them.
// Their bounds are in virtual-screen coordinates, negative for monitors
// left of or above the primary one. In a per-monitor-DPI-aware process
// (lifeline.exe declares it) they are physical pixels, as captured.
func Monitors() ([]Monitor, error) {
	enumMu.Lock()
	enumOut = nil
	ok, _, err := syscall.SyscallN(procEnumDisplayMonitors.Addr(), 0, 0, enumCallback, 0)
	ms := enumOut
	enumOut = nil
	enumMu.Unlock()
	if ok == 0 {
		return nil, fmt.Errorf("EnumDisplayMonitors: %w", err)
	}
	if len(ms) == 0 {
		return nil, errors.New("no monitor found")
	}
	return primaryFirst(ms), nil
}

// displayBounds is the virtual-screen rectangle of display i (as
// Monitors numbers them), or of all of them with AllDisplays: their
// bounding rectangle, negative where a monitor lies left of or above the
// primary one.
func displayBounds(i int) (image.Rectangle, error) {
	ms, err := Monitors()
	if err != nil {
		return image.Rectangle{}, err
	}
	if i == AllDisplays {
		return unionBounds(ms), nil
	}
	if i < 0 || i >= len(ms) {
		return image.Rectangle{}, fmt.Errorf("display %d not found (%d active)", i, len(ms))
	}
	return ms[i].Bounds, nil
}

// SetCursorPos moves the mouse pointer to p in virtual-screen
// coordinates (negative on monitors left of or above the primary one),
// unscaled: robotgo.Move on Windows divides by the foreground window's
// DPI scale first, which is wrong for a per-monitor-DPI-aware process,
// whose coordinates are physical pixels already.
func SetCursorPos(p image.Point) error {
	if ok, _, err := syscall.SyscallN(procSetCursorPos.Addr(), uintptr(int32(p.X)), uintptr(int32(p.Y))); ok == 0 {
		return fmt.Errorf("SetCursorPos(%d, %d): %w", p.X, p.Y, err)
	}
	return nil
}

// CursorPos is where the mouse pointer is, in virtual-screen coordinates.
func CursorPos() (image.Point, error) {
	var pt struct{ X, Y int32 }
	if ok, _, err := syscall.SyscallN(procGetCursorPos.Addr(), uintptr(unsafe.Pointer(&pt))); ok == 0 {
		return image.Point{}, fmt.Errorf("GetCursorPos: %w", err)
	}
	return image.Pt(int(pt.X), int(pt.Y)), nil
}
