// Package instance keeps the desktop app to one running copy per user
// session: the first one listens on a local endpoint (a unix socket, or a
// named pipe on Windows), and a second one asks it to come to the front and
// then exits.
package instance

import (
	"errors"
	"sync"
)

// ErrRunning means another copy is running and has been asked to show
// itself.
var ErrRunning = errors.New("already running")

// activateMsg is what a second copy sends.
const activateMsg = "activate\n"

// Lock is held by the running copy.
type Lock struct {
	// wait blocks until another copy has asked; false once stop was called.
	wait func() bool
	// stop makes wait return false; cleanup runs once it has.
	stop, cleanup func()
	mu            sync.Mutex
	activate      func()
	done          chan struct{}
}

func newLock(wait func() bool, stop, cleanup func()) *Lock {
	l := &Lock{wait: wait, stop: stop, cleanup: cleanup, done: make(chan struct{})}
	go l.serve()
	return l
}

func (l *Lock) serve() {
	defer close(l.done)
	for l.wait() {
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
	l.stop()
	<-l.done
	if l.cleanup != nil {
		l.cleanup()
	}
}
