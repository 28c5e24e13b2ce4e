package main

import (
	"log"
	"os"
	"syscall"
)

// The Windows exe is a GUI-subsystem program (linked with -H windowsgui), so
// that starting it from the Start menu opens no console window. Windows then
// gives it no standard handles, and the headless subcommands (search,
// diagnose, guides lint, assist, version) would print into nothing.
// attachParentConsole runs before main: when a subcommand is given it attaches
// to the console of the process that started the exe (cmd, PowerShell), if
// there is one, and points whichever of os.Stdin, os.Stdout and os.Stderr has
// no usable handle at it. Handles the caller redirected (`> out.txt`, a pipe)
// are kept. Without a parent console nothing changes and no console appears.
//
// cmd.exe does not wait for a GUI-subsystem program: the prompt comes back
// at once and the output follows it. `start /wait lifeline.exe search …`
// waits.
func init() { attachParentConsole(os.Args[1:]) }

const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1

var (
	kernel32          = syscall.NewLazyDLL("kernel32.dll")
	procAttachConsole = kernel32.NewProc("AttachConsole")
	procSetStdHandle  = kernel32.NewProc("SetStdHandle")
)

func attachParentConsole(args []string) {
	if !wantsConsole(args) {
		return
	}
	if ok, _, _ := procAttachConsole.Call(attachParentProcess); ok == 0 {
		return // started from Explorer or the Start menu: no console to print to
	}
	rebind(&os.Stdin, syscall.STD_INPUT_HANDLE, "CONIN$", syscall.GENERIC_READ|syscall.GENERIC_WRITE, "/dev/stdin")
	rebind(&os.Stdout, syscall.STD_OUTPUT_HANDLE, "CONOUT$", syscall.GENERIC_READ|syscall.GENERIC_WRITE, "/dev/stdout")
	rebind(&os.Stderr, syscall.STD_ERROR_HANDLE, "CONOUT$", syscall.GENERIC_READ|syscall.GENERIC_WRITE, "/dev/stderr")
	log.SetOutput(os.Stderr) // the standard logger captured the old os.Stderr
}

// wantsConsole reports whether args run a headless subcommand (or ask for
// help) rather than the window; it follows the dispatch in run.
func wantsConsole(args []string) bool {
	if len(args) == 0 {
		return false
	}
	return args[0][0] != '-' || args[0] == "-h" || args[0] == "--help"
}

// rebind points *f and the process's standard handle std at the console
// device dev, unless std already refers to a file, pipe or console.
func rebind(f **os.File, std int, dev string, access uint32, name string) {
	if h, err := syscall.GetStdHandle(std); err == nil && usable(h) {
		return
	}
	p, err := syscall.UTF16PtrFromString(dev)
	if err != nil {
		return
	}
	h, err := syscall.CreateFile(p, access, syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE, nil, syscall.OPEN_EXISTING, 0, 0)
	if err != nil {
		return
	}
	procSetStdHandle.Call(uintptr(std), uintptr(h)) // for C code and child processes
	*f = os.NewFile(uintptr(h), name)
}

// usable reports whether h is an open handle of a known kind.
func usable(h syscall.Handle) bool {
	if h == 0 || h == syscall.InvalidHandle {
		return false
	}
	t, err := syscall.GetFileType(h)
	return err == nil && t != syscall.FILE_TYPE_UNKNOWN
}
