package auth

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"
)

// ErrBusy is returned by HashGate.Acquire when no hashing slot came free
// in time, or when the key already has its share of slots.
var ErrBusy = errors.New("too many password checks at once")

// HashGate bounds the password hashes computed at once: each argon2id
// hash holds Params.MemoryKiB (64 MiB by default) while it runs, so an
// unbounded flood of logins is an out-of-memory kill.
//
// A caller waits a short while for a slot, then gives up with ErrBusy;
// when as many callers wait as there are slots, a new one is refused at
// once, so a flood is answered fast.
// One key (a client address) may hold or wait for at most PerKey slots,
// so one client cannot queue up in front of everyone. One slot is kept
// for priority callers (an address and account with no recent failure),
// they are served first, and no normal caller starts while one hashes: a
// technician logging in during a flood of wrong passwords shares the CPU
// with at most one hash that was already running.
type HashGate struct {
	slots, reserve, perKey int
	wait                   time.Duration

	mu       sync.Mutex
	busy     int
	prioBusy int // slots held by priority callers
	keys     map[string]int
	waiters  []*gateWaiter
}

type gateWaiter struct {
	prio    bool
	ready   chan struct{}
	granted bool // under mu
}

// GateConfig configures a HashGate; zero fields get defaults.
type GateConfig struct {
	Slots  int           // hashes at once; default one per CPU (each uses 2 threads), 2 to 8
	Wait   time.Duration // longest wait for a slot; default 750 ms
	PerKey int           // slots held or awaited per key; default 2
}

// NewHashGate returns a gate.
func NewHashGate(c GateConfig) *HashGate {
	if c.Slots <= 0 {
		c.Slots = min(max(2, runtime.GOMAXPROCS(0)), 8)
	}
	if c.Wait <= 0 {
		c.Wait = 750 * time.Millisecond
	}
	if c.PerKey <= 0 {
		c.PerKey = 2
	}
	return &HashGate{slots: c.Slots, reserve: min(1, c.Slots-1), perKey: c.PerKey, wait: c.Wait, keys: make(map[string]int)}
}

// Slots is how many hashes may run at once.
func (g *HashGate) Slots() int { return g.slots }

// free reports whether a caller of priority prio may take a slot now: a
// normal caller leaves the reserved slot free and does not start while a
// priority caller hashes (its hash would halve the other's CPU). Called
// with mu held.
func (g *HashGate) free(prio bool) bool {
	if prio {
		return g.busy < g.slots
	}
	return g.busy < g.slots-g.reserve && g.prioBusy == 0
}

// takeLocked counts a slot taken.
func (g *HashGate) takeLocked(prio bool) {
	g.busy++
	if prio {
		g.prioBusy++
	}
}

// Acquire takes a slot for key, waiting at most the gate's wait; the
// returned release gives it back. prio marks a caller with a clean
// record. It fails with ErrBusy, or ctx's error.
func (g *HashGate) Acquire(ctx context.Context, key string, prio bool) (release func(), err error) {
	g.mu.Lock()
	if g.keys[key] >= g.perKey {
		g.mu.Unlock()
		return nil, ErrBusy
	}
	g.keys[key]++
	if g.free(prio) && (prio || len(g.waiters) == 0) {
		g.takeLocked(prio)
		g.mu.Unlock()
		return g.releaser(key, prio), nil
	}
	if len(g.waiters) >= g.slots {
		g.dropKeyLocked(key)
		g.mu.Unlock()
		return nil, ErrBusy
	}
	w := &gateWaiter{prio: prio, ready: make(chan struct{})}
	g.waiters = append(g.waiters, w)
	g.mu.Unlock()

	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case <-w.ready:
		return g.releaser(key, prio), nil
	case <-t.C:
		err = ErrBusy
	case <-ctx.Done():
		err = ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if w.granted { // granted just as the wait ended
		return g.releaser(key, prio), nil
	}
	for i, x := range g.waiters {
		if x == w {
			g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
			break
		}
	}
	g.dropKeyLocked(key)
	return nil, err
}

func (g *HashGate) dropKeyLocked(key string) {
	if g.keys[key]--; g.keys[key] <= 0 {
		delete(g.keys, key)
	}
}

func (g *HashGate) releaser(key string, prio bool) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.busy--
			if prio {
				g.prioBusy--
			}
			g.dropKeyLocked(key)
			g.grantLocked()
		})
	}
}

// grantLocked hands free slots to waiters: priority ones first, then
// the others in arrival order.
func (g *HashGate) grantLocked() {
	for len(g.waiters) > 0 {
		i := -1
		for j, w := range g.waiters {
			if w.prio {
				i = j
				break
			}
		}
		if i < 0 {
			i = 0
		}
		w := g.waiters[i]
		if !g.free(w.prio) {
			return
		}
		g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
		g.takeLocked(w.prio)
		w.granted = true
		close(w.ready)
	}
}
