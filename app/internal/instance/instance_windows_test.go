package instance_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/lifeline-desk/lifeline/app/internal/instance"
)

func TestWindowsPipeName(t *testing.T) {
	name, err := instance.PipeName("test.app")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, `\\.\pipe\test.app-`) || !strings.Contains(name, "-S-1-5-") {
		t.Errorf("pipe name %q: want \\\\.\\pipe\\test.app-<session>-<user SID>", name)
	}
}

// TestWindowsSameProcess: the portable test's steps, without its
// XDG_RUNTIME_DIR: second Acquire is refused and activates the first,
// several times over; after Release the name is free again.
func TestWindowsSameProcess(t *testing.T) {
	id := fmt.Sprintf("test.app.%d", time.Now().UnixNano())
	first, err := instance.Acquire(id)
	if err != nil {
		t.Fatal(err)
	}
	activated := make(chan struct{}, 8)
	first.OnActivate(func() { activated <- struct{}{} })
	for i := range 3 {
		if _, err := instance.Acquire(id); !errors.Is(err, instance.ErrRunning) {
			t.Fatalf("copy %d: %v", i+2, err)
		}
		select {
		case <-activated:
		case <-time.After(2 * time.Second):
			t.Fatalf("first copy was not asked to show itself by copy %d", i+2)
		}
	}
	first.Release()
	select {
	case <-activated:
		t.Error("Release counted as another copy starting")
	default:
	}
	again, err := instance.Acquire(id)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}

// TestWindowsSecondProcess: a second copy started as its own process
// reaches the first over the named pipe, is told it is running, and the
// first is asked to come forward.
func TestWindowsSecondProcess(t *testing.T) {
	if os.Getenv("LIFELINE_INSTANCE_CHILD") != "" {
		t.Skip("the child's half runs in TestWindowsChild")
	}
	id := fmt.Sprintf("test.app.%d", time.Now().UnixNano())
	first, err := instance.Acquire(id)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	activated := make(chan struct{}, 1)
	first.OnActivate(func() { activated <- struct{}{} })
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(exe, "-test.run", "^TestWindowsChild$", "-test.v")
	child.Env = append(os.Environ(), "LIFELINE_INSTANCE_CHILD="+id)
	out, err := child.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestWindowsChild") {
		t.Fatalf("second copy: %v\n%s", err, out)
	}
	select {
	case <-activated:
	case <-time.After(5 * time.Second):
		t.Fatal("first copy was not asked to show itself")
	}
}

// TestWindowsChild is the second process of TestWindowsSecondProcess.
func TestWindowsChild(t *testing.T) {
	id := os.Getenv("LIFELINE_INSTANCE_CHILD")
	if id == "" {
		t.Skip("started by TestWindowsSecondProcess")
	}
	l, err := instance.Acquire(id)
	if !errors.Is(err, instance.ErrRunning) {
		if l != nil {
			l.Release()
		}
		t.Fatalf("Acquire in the second process: %v, want ErrRunning", err)
	}
}

// TestWindowsSimultaneousStarts: of copies starting at the same moment,
// exactly one becomes the running copy; it is free again after Release.
func TestWindowsSimultaneousStarts(t *testing.T) {
	id := fmt.Sprintf("test.app.%d", time.Now().UnixNano())
	const n = 4
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		locks []*instance.Lock
		other []error
	)
	for range n {
		wg.Go(func() {
			l, err := instance.Acquire(id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				locks = append(locks, l)
			case !errors.Is(err, instance.ErrRunning):
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	if len(locks) != 1 || len(other) > 0 {
		t.Errorf("%d copies running, errors %v; want exactly one", len(locks), other)
	}
	for _, l := range locks {
		l.Release()
	}
	again, err := instance.Acquire(id)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}

// TestWindowsSilentClient: a process of the same user that connects to the
// pipe and sends nothing neither keeps a later copy from reaching the
// running one nor keeps the running one from quitting.
func TestWindowsSilentClient(t *testing.T) {
	id := fmt.Sprintf("test.app.%d", time.Now().UnixNano())
	first, err := instance.Acquire(id)
	if err != nil {
		t.Fatal(err)
	}
	activated := make(chan struct{}, 8)
	first.OnActivate(func() { activated <- struct{}{} })
	name, _ := instance.PipeName(id)
	p, _ := windows.UTF16PtrFromString(name)
	silent, err := windows.CreateFile(p, windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer windows.CloseHandle(silent)
	select { // the silent one counts as a start once cut off
	case <-activated:
	case <-time.After(5 * time.Second):
		t.Fatal("a client that sends nothing holds the pipe")
	}
	start := time.Now()
	if _, err := instance.Acquire(id); !errors.Is(err, instance.ErrRunning) {
		t.Fatalf("copy after the silent client: %v", err)
	}
	select {
	case <-activated:
	case <-time.After(3 * time.Second):
		t.Fatal("first copy was not asked to show itself")
	}
	t.Logf("second copy got through in %v", time.Since(start))

	// The first copy opens its pipe again once it has served the second
	// copy; until then a client is told the pipe is busy, as any client
	// that comes at that moment is.
	var silent2 windows.Handle
	for deadline := time.Now().Add(2 * time.Second); ; {
		silent2, err = windows.CreateFile(p, windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, 0, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) || time.Now().After(deadline) {
			t.Fatalf("connect again: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer windows.CloseHandle(silent2)
	start = time.Now()
	first.Release()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Release with a silent client connected took %v", took)
	}
}
