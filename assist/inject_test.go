//go:build linux

package assist

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

func TestToDesktop(t *testing.T) {
	tests := []struct {
		name   string
		bounds [4]int // x0, y0, x1, y1
		nx, ny uint16
		wx, wy int
	}{
		{"top left", [4]int{0, 0, 1920, 1080}, 0, 0, 0, 0},
		{"bottom right", [4]int{0, 0, 1920, 1080}, 65535, 65535, 1919, 1079},
		{"centre", [4]int{0, 0, 1920, 1080}, 32768, 32768, 960, 540},
		{"second monitor", [4]int{1920, 0, 3200, 1024}, 0, 65535, 1920, 1023},
		{"second monitor right", [4]int{1920, 0, 3200, 1024}, 65535, 0, 3199, 0},
		// Windows: a monitor left of the primary one has negative
		// virtual-screen coordinates, one above it negative y.
		{"left of primary, top left", [4]int{-800, 0, 0, 600}, 0, 0, -800, 0},
		{"left of primary, bottom right", [4]int{-800, 0, 0, 600}, 65535, 65535, -1, 599},
		{"left of primary, centre", [4]int{-800, 0, 0, 600}, 32768, 32768, -400, 300},
		{"above and left", [4]int{-1280, -1024, 0, 0}, 0, 0, -1280, -1024},
		{"above and left, bottom right", [4]int{-1280, -1024, 0, 0}, 65535, 65535, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := rect(tt.bounds)
			x, y := toDesktop(b, tt.nx, tt.ny)
			if x != tt.wx || y != tt.wy {
				t.Errorf("toDesktop(%v, %d, %d) = %d,%d, want %d,%d", b, tt.nx, tt.ny, x, y, tt.wx, tt.wy)
			}
		})
	}
}

func TestKeyMapCoversBrief(t *testing.T) {
	codes := []string{"KeyA", "KeyZ", "Digit0", "Digit9", "F1", "F12", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight",
		"Enter", "Escape", "Backspace", "Tab", "Space", "ShiftLeft", "ShiftRight", "ControlLeft", "ControlRight",
		"AltLeft", "AltRight", "MetaLeft", "Minus", "Equal", "BracketLeft", "BracketRight", "Backslash", "Semicolon",
		"Quote", "Backquote", "Comma", "Period", "Slash", "Home", "End", "PageUp", "PageDown", "Delete", "Insert"}
	for _, c := range codes {
		if _, ok := robotgoKey(c); !ok {
			t.Errorf("no mapping for %s", c)
		}
	}
	for _, c := range []string{"", "Key", "KeyAA", "Keya", "Digit", "DigitX", "Fn", "F13x"} {
		if k, ok := robotgoKey(c); ok {
			t.Errorf("robotgoKey(%q) = %q, want no mapping", c, k)
		}
	}
}

// TestRobotgoInjectsIntoXvfb injects with robotgo into a private Xvfb and
// checks what the X server delivered, through a window of the test's own
// X client (not robotgo's return values).
func TestRobotgoInjectsIntoXvfb(t *testing.T) {
	d := xtest.Start(t, 640, 480)
	t.Setenv("DISPLAY", d)
	rec := xtest.NewRecorder(t, d)
	inj, err := NewRobotgoInjector(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inj.Close() }) // before the server is killed
	must := func(in Input) {
		t.Helper()
		if err := inj.Inject(in); err != nil {
			t.Fatalf("Inject(%+v): %v", in, err)
		}
	}

	must(Input{Kind: InputMove, X: 123, Y: 321})
	if x, y := xtest.Pointer(t, d); x != 123 || y != 321 {
		t.Errorf("pointer at %d,%d after move, want 123,321", x, y)
	}

	// Buttons: moved to the given position first.
	must(Input{Kind: InputButton, X: 200, Y: 100, Button: inputproto.ButtonLeft, Down: true})
	must(Input{Kind: InputButton, X: 200, Y: 100, Button: inputproto.ButtonLeft})
	must(Input{Kind: InputButton, X: 10, Y: 20, Button: inputproto.ButtonRight, Down: true})
	must(Input{Kind: InputButton, X: 10, Y: 20, Button: inputproto.ButtonRight})
	must(Input{Kind: InputButton, X: 10, Y: 20, Button: inputproto.ButtonMiddle, Down: true})
	must(Input{Kind: InputButton, X: 10, Y: 20, Button: inputproto.ButtonMiddle})
	must(Input{Kind: InputWheel, DY: 2})  // down: X button 5, twice
	must(Input{Kind: InputWheel, DY: -1}) // up: X button 4
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev := rec.WaitFor(ctx, 12)
	type btn struct {
		b    int
		down bool
		x, y int
	}
	want := []btn{{1, true, 200, 100}, {1, false, 200, 100}, {3, true, 10, 20}, {3, false, 10, 20}, {2, true, 10, 20}, {2, false, 10, 20},
		{5, true, 10, 20}, {5, false, 10, 20}, {5, true, 10, 20}, {5, false, 10, 20}, {4, true, 10, 20}, {4, false, 10, 20}}
	if len(ev) != len(want) {
		t.Fatalf("got %d events %+v, want %d", len(ev), ev, len(want))
	}
	for i, w := range want {
		e := ev[i]
		if e.Kind != "button" || e.Button != w.b || e.Down != w.down || e.X != w.x || e.Y != w.y {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
	}

	// Keys: KeyboardEvent.code → the keysym the server reports.
	keys := []struct {
		code   string
		keysym uint32
	}{
		{"KeyA", 'a'}, {"KeyZ", 'z'}, {"Digit1", '1'}, {"Digit0", '0'},
		{"Enter", 0xff0d}, {"Escape", 0xff1b}, {"Backspace", 0xff08}, {"Tab", 0xff09}, {"Space", ' '},
		{"ArrowUp", 0xff52}, {"ArrowDown", 0xff54}, {"ArrowLeft", 0xff51}, {"ArrowRight", 0xff53},
		{"Home", 0xff50}, {"End", 0xff57}, {"PageUp", 0xff55}, {"PageDown", 0xff56}, {"Delete", 0xffff}, {"Insert", 0xff63},
		{"F1", 0xffbe}, {"F5", 0xffc2}, {"F12", 0xffc9},
		{"Pause", 0xff13}, {"ScrollLock", 0xff14}, {"NumLock", 0xff7f},
		{"ShiftLeft", 0xffe1}, {"ControlLeft", 0xffe3}, {"AltLeft", 0xffe9},
		{"Minus", '-'}, {"Equal", '='}, {"BracketLeft", '['}, {"BracketRight", ']'}, {"Backslash", '\\'},
		{"Semicolon", ';'}, {"Quote", '\''}, {"Backquote", '`'}, {"Comma", ','}, {"Period", '.'}, {"Slash", '/'},
	}
	for _, k := range keys {
		t.Run(k.code, func(t *testing.T) {
			before := len(rec.Events())
			must(Input{Kind: InputKey, Code: k.code, Down: true})
			must(Input{Kind: InputKey, Code: k.code})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			ev := rec.WaitFor(ctx, before+2)[before:]
			if len(ev) != 2 {
				t.Fatalf("events %+v", ev)
			}
			if ev[0].Kind != "key" || !ev[0].Down || ev[0].Keysym != k.keysym || ev[1].Down || ev[1].Keysym != k.keysym {
				t.Errorf("events = %+v, want keysym %#x down and up", ev, k.keysym)
			}
		})
	}

	// A modifier held by the technician applies to the next key.
	before := len(rec.Events())
	must(Input{Kind: InputKey, Code: "ShiftLeft", Down: true})
	must(Input{Kind: InputKey, Code: "KeyB", Down: true})
	must(Input{Kind: InputKey, Code: "KeyB"})
	must(Input{Kind: InputKey, Code: "ShiftLeft"})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	ev = rec.WaitFor(ctx2, before+4)[before:]
	if len(ev) != 4 || ev[1].Keysym != 'b' || ev[1].State&1 == 0 {
		t.Errorf("shift+b events = %+v, want b with the Shift modifier", ev)
	}

	if err := inj.Inject(Input{Kind: InputKey, Code: "NoSuchKey", Down: true}); err == nil {
		t.Error("unknown key code: no error")
	}
}

// TestRobotgoFollowsDisplay checks that robotgo talks to the display the
// injector was created for, not to the first one it ever opened.
func TestRobotgoFollowsDisplay(t *testing.T) {
	for _, size := range [][2]int{{300, 200}, {400, 300}} {
		d := xtest.Start(t, size[0], size[1])
		inj, err := NewRobotgoInjector(d)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { inj.Close() })
		if err := inj.Inject(Input{Kind: InputMove, X: size[0] - 7, Y: size[1] - 9}); err != nil {
			t.Fatal(err)
		}
		if x, y := xtest.Pointer(t, d); x != size[0]-7 || y != size[1]-9 {
			t.Errorf("display %s: pointer at %d,%d, want %d,%d", d, x, y, size[0]-7, size[1]-9)
		}
	}
}

func rect(b [4]int) image.Rectangle { return image.Rect(b[0], b[1], b[2], b[3]) }

// TestEveryMappedKeyReachesXvfb presses every KeyboardEvent.code the
// keymap knows and checks that the X server received a key press and
// release for it (robotgo silently ignores names it does not know).
func TestEveryMappedKeyReachesXvfb(t *testing.T) {
	d := xtest.Start(t, 320, 240)
	rec := xtest.NewRecorder(t, d)
	inj, err := NewRobotgoInjector(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inj.Close() })
	var codes []string
	for c := range keyNames {
		codes = append(codes, c)
	}
	for c := range platformKeyNames {
		codes = append(codes, c)
	}
	for c := 'A'; c <= 'Z'; c++ {
		codes = append(codes, "Key"+string(c))
	}
	for c := '0'; c <= '9'; c++ {
		codes = append(codes, "Digit"+string(c))
	}
	for _, code := range codes {
		before := len(rec.Events())
		if err := inj.Inject(Input{Kind: InputKey, Code: code, Down: true}); err != nil {
			t.Errorf("%s down: %v", code, err)
			continue
		}
		if err := inj.Inject(Input{Kind: InputKey, Code: code}); err != nil {
			t.Errorf("%s up: %v", code, err)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ev := rec.WaitFor(ctx, before+2)[before:]
		cancel()
		if len(ev) != 2 || ev[0].Kind != "key" || !ev[0].Down || ev[1].Down {
			t.Errorf("%s: X server received %+v, want a key press and release", code, ev)
		}
	}
}
