package xtest

import (
	"image"
	"image/color"
	"os/exec"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// TestReactorFlipsOnInput: a key press and a click from another client
// (xdotool, through XTest) each flip the square on the screen, and only
// the square.
func TestReactorFlipsOnInput(t *testing.T) {
	xdotool := testenv.LookPath(t, "xdotool", "xdotool")
	d := Start(t, 320, 200)
	bg := color.RGBA{0x20, 0x20, 0x20, 0xff}
	colours := [2]color.RGBA{{0xff, 0xff, 0xff, 0xff}, {0, 0, 0xff, 0xff}}
	r := NewReactor(t, d, bg, image.Rect(100, 50, 200, 150), colours)

	c := Conn(t, d)
	root := xproto.Setup(c).DefaultScreen(c).Root
	px := func(x, y int) color.RGBA {
		t.Helper()
		img, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(root), int16(x), int16(y), 1, 1, 0xffffffff).Reply()
		if err != nil {
			t.Fatal(err)
		}
		return color.RGBA{img.Data[2], img.Data[1], img.Data[0], 0xff}
	}
	check := func(want int) {
		t.Helper()
		if got := px(150, 100); got != colours[want] {
			t.Errorf("square = %v, want colour %d %v", got, want, colours[want])
		}
		if got := px(10, 10); got != bg {
			t.Errorf("background = %v, want %v", got, bg)
		}
		if got := r.Colour(); got != want {
			t.Errorf("Colour() = %d, want %d", got, want)
		}
	}
	check(0)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(xdotool, args...)
		cmd.Env = []string{"DISPLAY=" + d}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v: %s", args, err, out)
		}
	}
	run("key", "a")
	flips := r.WaitFlips(1, 5*time.Second)
	if len(flips) != 1 || flips[0].Colour != 1 || flips[0].Drawn.Before(flips[0].Event) {
		t.Fatalf("flips after a key = %+v, want one to colour 1", flips)
	}
	check(1)
	run("click", "1")
	flips = r.WaitFlips(2, 5*time.Second)
	if len(flips) != 2 || flips[1].Colour != 0 {
		t.Fatalf("flips after a click = %+v, want a second one to colour 0", flips)
	}
	check(0)
}
