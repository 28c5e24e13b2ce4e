// inputrec is a full-screen Windows window that prints the mouse buttons
// and keys Windows delivers to it, one line each: a test's witness that
// input injected with SendInput reached a Windows program. A key line is
// "key <virtual key> <down> <scan code>".
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

var (
	user32 = syscall.NewLazyDLL("user32.dll")
	gdi32  = syscall.NewLazyDLL("gdi32.dll")
	kernel = syscall.NewLazyDLL("kernel32.dll")

	registerClassEx     = user32.NewProc("RegisterClassExW")
	createWindowEx      = user32.NewProc("CreateWindowExW")
	defWindowProc       = user32.NewProc("DefWindowProcW")
	getMessage          = user32.NewProc("GetMessageW")
	translateMessage    = user32.NewProc("TranslateMessage")
	dispatchMessage     = user32.NewProc("DispatchMessageW")
	getSystemMetrics    = user32.NewProc("GetSystemMetrics")
	setForegroundWindow = user32.NewProc("SetForegroundWindow")
	setFocus            = user32.NewProc("SetFocus")
	updateWindow        = user32.NewProc("UpdateWindow")
	createSolidBrush    = gdi32.NewProc("CreateSolidBrush")
	getModuleHandle     = kernel.NewProc("GetModuleHandleW")
)

type wndClassEx struct {
	size, style                        uint32
	wndProc                            uintptr
	clsExtra, wndExtra                 int32
	instance, icon, cursor, background uintptr
	menuName, className                *uint16
	iconSm                             uintptr
}

type msg struct {
	hwnd           uintptr
	message        uint32
	wParam, lParam uintptr
	time           uint32
	x, y           int32
	private        uint32
}

const (
	wmKeyDown     = 0x0100
	wmKeyUp       = 0x0101
	wmSysKeyDown  = 0x0104
	wmSysKeyUp    = 0x0105
	wmLButtonDown = 0x0201
	wmLButtonUp   = 0x0202
	wmRButtonDown = 0x0204
	wmRButtonUp   = 0x0205
	wmMButtonDown = 0x0207
	wmMButtonUp   = 0x0208
	wmMouseWheel  = 0x020A
	wmDestroy     = 0x0002
)

func wndProc(hwnd uintptr, m uint32, w, l uintptr) uintptr {
	x, y := int16(l&0xffff), int16(l>>16&0xffff)
	switch m {
	case wmLButtonDown, wmLButtonUp, wmRButtonDown, wmRButtonUp, wmMButtonDown, wmMButtonUp:
		b := map[uint32]int{wmLButtonDown: 1, wmLButtonUp: 1, wmMButtonDown: 2, wmMButtonUp: 2, wmRButtonDown: 3, wmRButtonUp: 3}[m]
		down := m == wmLButtonDown || m == wmRButtonDown || m == wmMButtonDown
		fmt.Printf("button %d %v %d %d\n", b, down, x, y)
	case wmMouseWheel:
		fmt.Printf("wheel %d\n", int16(w>>16))
	case wmKeyDown, wmKeyUp, wmSysKeyDown, wmSysKeyUp:
		// The virtual key, down or up, and the scan code from lParam
		// (bits 16-23) with 0xe000 added for an extended key (bit 24):
		// what tells the left and right Shift, Ctrl, Alt apart.
		scan := l >> 16 & 0xff
		if l>>24&1 != 0 {
			scan |= 0xe000
		}
		fmt.Printf("key %#x %v %#x\n", w, m == wmKeyDown || m == wmSysKeyDown, scan)
		if m == wmSysKeyDown || m == wmSysKeyUp {
			// Not to DefWindowProc: Alt or F10 alone would open the
			// window menu, which takes the keys that follow.
			return 0
		}
	case wmDestroy:
		os.Exit(0)
	}
	r, _, _ := defWindowProc.Call(hwnd, uintptr(m), w, l)
	return r
}

func main() {
	runtime.LockOSThread()
	inst, _, _ := getModuleHandle.Call(0)
	name, _ := syscall.UTF16PtrFromString("inputrec")
	// COLORREF is 0x00BBGGRR.
	brush, _, _ := createSolidBrush.Call(0x00c08040)
	wc := wndClassEx{wndProc: syscall.NewCallback(wndProc), instance: inst, background: brush, className: name}
	wc.size = uint32(unsafe.Sizeof(wc))
	if r, _, err := registerClassEx.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		fmt.Println("register class:", err)
		os.Exit(1)
	}
	w, _, _ := getSystemMetrics.Call(0)
	h, _, _ := getSystemMetrics.Call(1)
	const wsPopup, wsVisible, wsExTopmost = 0x80000000, 0x10000000, 0x8
	hwnd, _, err := createWindowEx.Call(wsExTopmost, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)), wsPopup|wsVisible, 0, 0, w, h, 0, 0, inst, 0)
	if hwnd == 0 {
		fmt.Println("create window:", err)
		os.Exit(1)
	}
	updateWindow.Call(hwnd)
	setForegroundWindow.Call(hwnd)
	setFocus.Call(hwnd)
	fmt.Printf("ready %dx%d\n", w, h)
	var m msg
	for {
		r, _, _ := getMessage.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if int32(r) <= 0 {
			return
		}
		translateMessage.Call(uintptr(unsafe.Pointer(&m)))
		dispatchMessage.Call(uintptr(unsafe.Pointer(&m)))
	}
}
