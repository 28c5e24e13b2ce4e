package instance_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/instance"
)

func TestSecondCopyActivatesFirst(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	first, err := instance.Acquire("test.app")
	if err != nil {
		t.Fatal(err)
	}
	activated := make(chan struct{}, 1)
	first.OnActivate(func() { activated <- struct{}{} })
	if _, err := instance.Acquire("test.app"); !errors.Is(err, instance.ErrRunning) {
		t.Fatalf("second copy: %v", err)
	}
	select {
	case <-activated:
	case <-time.After(2 * time.Second):
		t.Fatal("first copy was not asked to show itself")
	}
	first.Release()
	again, err := instance.Acquire("test.app")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}
