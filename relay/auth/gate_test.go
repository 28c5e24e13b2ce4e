package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestHashGateBounds(t *testing.T) {
	g := NewHashGate(GateConfig{Slots: 2, Wait: 50 * time.Millisecond, PerKey: 1})
	ctx := context.Background()
	// A normal caller gets Slots-1; the last slot is for priority callers.
	rel1, err := g.Acquire(ctx, "a", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Acquire(ctx, "b", false); !errors.Is(err, ErrBusy) {
		t.Fatalf("second normal caller: %v, want busy", err)
	}
	// One key holds at most PerKey.
	if _, err := g.Acquire(ctx, "a", true); !errors.Is(err, ErrBusy) {
		t.Fatalf("second slot for one key: %v, want busy", err)
	}
	rel2, err := g.Acquire(ctx, "c", true)
	if err != nil {
		t.Fatalf("priority caller: %v", err)
	}
	// Full: a priority caller waits, and is served before a normal one
	// that waited longer.
	normal := make(chan error, 1)
	go func() {
		rel, err := g.Acquire(ctx, "d", false)
		if err == nil {
			rel()
		}
		normal <- err
	}()
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.waiters) == 1 })
	prio := make(chan func(), 1)
	go func() {
		rel, err := g.Acquire(ctx, "e", true)
		if err != nil {
			t.Error(err)
		}
		prio <- rel
	}()
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.waiters) == 2 })
	rel2()
	relP := <-prio
	if err := <-normal; !errors.Is(err, ErrBusy) {
		t.Fatalf("normal waiter: %v, want busy after its wait", err)
	}
	relP()
	rel1()
	rel1() // a second release is harmless
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy != 0 || g.prioBusy != 0 || len(g.keys) != 0 || len(g.waiters) != 0 {
		t.Fatalf("gate not empty: busy %d keys %v waiters %d", g.busy, g.keys, len(g.waiters))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
