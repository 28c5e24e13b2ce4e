// Package instance keeps the desktop app to one running copy: the first
// one listens on a local socket, and a second one asks it to come to the
// front and then exits.
package instance

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrRunning means another copy is running and has been asked to show
// itself.
var ErrRunning = errors.New("already running")

// Lock is held by the running copy.
type Lock struct {
	ln       net.Listener
	path     string
	mu       sync.Mutex
	activate func()
	done     chan struct{}
}

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
		c.Write([]byte("activate\n"))
		c.Close()
		return nil, ErrRunning
	}
	os.Remove(path) // stale socket of a copy that crashed
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	l := &Lock{ln: ln, path: path, done: make(chan struct{})}
	go l.serve()
	return l, nil
}

func (l *Lock) serve() {
	defer close(l.done)
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		c.Close()
		l.mu.Lock()
		fn := l.activate
		l.mu.Unlock()
		if fn != nil {
			fn()
		}
	}
}

// OnActivate sets what happens when another copy starts.
func (l *Lock) OnActivate(fn func()) {
	l.mu.Lock()
	l.activate = fn
	l.mu.Unlock()
}

// Release stops listening and waits for the listener goroutine.
func (l *Lock) Release() {
	l.ln.Close()
	<-l.done
	os.Remove(l.path)
}
