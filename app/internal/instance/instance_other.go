//go:build !windows

package instance

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// SocketPath is where the copy with the given id listens.
func SocketPath(id string) string {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, fmt.Sprintf("%s-%d.sock", id, os.Getuid()))
}

// Acquire becomes the running copy, or returns ErrRunning after asking the
// running copy to come to the front.
func Acquire(id string) (*Lock, error) {
	path := SocketPath(id)
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.SetDeadline(time.Now().Add(time.Second))
		c.Write([]byte(activateMsg))
		c.Close()
		return nil, ErrRunning
	}
	os.Remove(path) // stale socket of a copy that crashed
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	wait := func() bool {
		c, err := ln.Accept()
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	return newLock(wait, func() { ln.Close() }, func() { os.Remove(path) }), nil
}
