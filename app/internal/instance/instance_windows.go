package instance

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// readTimeout bounds how long the running copy waits for another copy's
// message.
const readTimeout = time.Second

// PipeName is the named pipe the copy with the given id listens on: one per
// user and Windows session (fast user switching and Remote Desktop give the
// same user several), e.g. \\.\pipe\dev.lifeline.desktop-1-S-1-5-21-….
func PipeName(id string) (string, error) {
	sid, session, err := identity()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`\\.\pipe\%s-%d-%s`, id, session, sid), nil
}

func identity() (sid string, session uint32, err error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", 0, fmt.Errorf("read the current user: %w", err)
	}
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &session); err != nil {
		return "", 0, fmt.Errorf("read the Windows session: %w", err)
	}
	return tu.User.Sid.String(), session, nil
}

// Acquire becomes the running copy, or returns ErrRunning after asking the
// running copy to come to the front.
//
// The running copy owns the pipe's one instance, created with
// FILE_FLAG_FIRST_PIPE_INSTANCE so that of two copies starting at once only
// one can, and serves it with plain blocking calls on its own goroutine. A
// named pipe disappears with the process that made it, so a crash leaves
// nothing behind. (go-winio's overlapped listener was tried: under Wine 8 a
// client connects to the listener's idle first instance, which nobody
// accepts on, so the running copy never hears of the second.)
func Acquire(id string) (*Lock, error) {
	path, err := PipeName(id)
	if err != nil {
		return nil, err
	}
	if askRunning(path) {
		return nil, ErrRunning
	}
	h, err := listen(path)
	if err != nil {
		// Another copy starting at the same moment made the pipe first:
		// ask it instead.
		if askRunning(path) {
			return nil, ErrRunning
		}
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	// stopped asks the serving goroutine to end; idle says it is not in
	// (or about to enter) ConnectNamedPipe, so nothing needs waking.
	var stopped, idle atomic.Bool
	wait := func() bool {
		for !stopped.Load() {
			// ERROR_PIPE_CONNECTED: a copy connected before this call;
			// ERROR_NO_DATA: it did and has left again. Both are a start.
			err := windows.ConnectNamedPipe(h, nil)
			if err != nil && !errors.Is(err, windows.ERROR_PIPE_CONNECTED) && !errors.Is(err, windows.ERROR_NO_DATA) {
				if stopped.Load() {
					break
				}
				time.Sleep(50 * time.Millisecond)
				windows.DisconnectNamedPipe(h)
				continue
			}
			// Read what the other copy sent before disconnecting, so
			// its write never fails half-way; a client that connects and
			// sends nothing is cut off after readTimeout (disconnecting
			// ends the blocked read) so it cannot hold the one instance.
			fired := make(chan struct{})
			cut := time.AfterFunc(readTimeout, func() { windows.DisconnectNamedPipe(h); close(fired) })
			var buf [64]byte
			var n uint32
			windows.ReadFile(h, buf[:], &n, nil)
			if !cut.Stop() {
				<-fired
			}
			windows.DisconnectNamedPipe(h)
			if stopped.Load() {
				break
			}
			return true
		}
		idle.Store(true)
		return false
	}
	stop := func() {
		stopped.Store(true)
		// ConnectNamedPipe blocks; connecting to it ourselves is what ends
		// it. Retry while another copy holds the one instance.
		for range 40 {
			if idle.Load() {
				return
			}
			c, err := dial(path)
			if err == nil {
				windows.CloseHandle(c)
				return
			}
			if !errors.Is(err, windows.ERROR_PIPE_BUSY) {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
	return newLock(wait, stop, func() { windows.CloseHandle(h) }), nil
}

// listen creates the pipe's only instance, readable by the running copy,
// writable by this user's processes (and SYSTEM) on this computer only.
func listen(path string) (windows.Handle, error) {
	sid, _, err := identity()
	if err != nil {
		return 0, err
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;GA;;;" + sid + ")(A;;GA;;;SY)")
	if err != nil {
		return 0, fmt.Errorf("pipe permissions: %w", err)
	}
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, err
	}
	return windows.CreateNamedPipe(name,
		windows.PIPE_ACCESS_INBOUND|windows.FILE_FLAG_FIRST_PIPE_INSTANCE,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		1, 0, 64, 0, sa)
}

// dial opens the pipe for writing.
func dial(path string) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, err
	}
	return windows.CreateFile(name, windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, 0, 0)
}

// askRunning asks the copy listening on path, if any, to come forward, and
// reports whether there is one.
func askRunning(path string) bool {
	deadline := time.Now().Add(time.Second)
	for {
		h, err := dial(path)
		switch {
		case err == nil:
			var n uint32
			windows.WriteFile(h, []byte(activateMsg), &n, nil)
			windows.CloseHandle(h)
			return true
		case errors.Is(err, windows.ERROR_PIPE_BUSY):
			// The running copy is answering another start; wait for
			// it, and if it stays busy, it is running all the same.
			if time.Now().After(deadline) {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		default:
			return false // ERROR_FILE_NOT_FOUND: no copy runs
		}
	}
}
