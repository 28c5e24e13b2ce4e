package xtest

import (
	"image"
	"image/color"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/jezek/xgb/xinerama"
	"github.com/jezek/xgb/xproto"

	"github.com/lifeline-desk/lifeline/internal/testenv"
)

func TestStartPaintAndRead(t *testing.T) {
	d := Start(t, 320, 200)
	if !strings.HasPrefix(d, ":") {
		t.Fatalf("display = %q", d)
	}
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for i := range img.Pix {
		img.Pix[i] = []byte{0xff, 0x20, 0x10, 0xff}[i%4]
	}
	img.Set(5, 7, color.RGBA{0, 0, 0xff, 0xff})
	Paint(t, d, img)

	c := Conn(t, d)
	s := xproto.Setup(c).DefaultScreen(c)
	if s.WidthInPixels != 320 || s.HeightInPixels != 200 {
		t.Errorf("screen %dx%d, want 320x200", s.WidthInPixels, s.HeightInPixels)
	}
	r, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(s.Root), 0, 0, 8, 8, 0xffffffff).Reply()
	if err != nil {
		t.Fatal(err)
	}
	px := func(x, y int) [3]byte {
		o := (y*8 + x) * 4
		return [3]byte{r.Data[o+2], r.Data[o+1], r.Data[o]}
	}
	if got := px(0, 0); got != [3]byte{0xff, 0x20, 0x10} {
		t.Errorf("pixel (0,0) = %x", got)
	}
	if got := px(5, 7); got != [3]byte{0, 0, 0xff} {
		t.Errorf("pixel (5,7) = %x", got)
	}
}

func TestTwoServersAreIndependent(t *testing.T) {
	a, b := Start(t, 100, 100), Start(t, 200, 100)
	if a == b {
		t.Fatalf("both servers on %s", a)
	}
}

func TestRecorderSeesXdotool(t *testing.T) {
	xdotool := testenv.LookPath(t, "xdotool", "xdotool")
	d := Start(t, 320, 200)
	rec := NewRecorder(t, d)
	if ev := rec.Sync(t); len(ev) != 0 {
		t.Fatalf("events before any input: %+v", ev)
	}
	run := func(args ...string) {
		cmd := exec.Command(xdotool, args...)
		cmd.Env = []string{"DISPLAY=" + d}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v: %s", args, err, out)
		}
	}
	run("mousemove", "40", "50")
	if x, y := Pointer(t, d); x != 40 || y != 50 {
		t.Errorf("pointer at %d,%d, want 40,50", x, y)
	}
	run("click", "1")
	run("key", "a")
	// xdotool has exited, so the X server has its events: Sync returns
	// them all without waiting.
	ev := rec.Sync(t)
	if len(ev) != 4 {
		t.Fatalf("events = %+v", ev)
	}
	if ev[0].Kind != "button" || ev[0].Button != 1 || !ev[0].Down || ev[0].X != 40 || ev[0].Y != 50 {
		t.Errorf("first event = %+v", ev[0])
	}
	if ev[2].Kind != "key" || ev[2].Keysym != 'a' || !ev[2].Down {
		t.Errorf("third event = %+v", ev[2])
	}
}

// TestStartMonitors checks that the monitors given are what Xinerama
// reports, in order, on a screen that covers them all.
func TestStartMonitors(t *testing.T) {
	ms := []image.Rectangle{image.Rect(800, 0, 1824, 768), image.Rect(0, 0, 800, 600)}
	d := StartMonitors(t, ms...)
	c := Conn(t, d)
	s := xproto.Setup(c).DefaultScreen(c)
	if s.WidthInPixels != 1824 || s.HeightInPixels != 768 {
		t.Errorf("screen %dx%d, want 1824x768", s.WidthInPixels, s.HeightInPixels)
	}
	if err := xinerama.Init(c); err != nil {
		t.Fatal(err)
	}
	r, err := xinerama.QueryScreens(c).Reply()
	if err != nil {
		t.Fatal(err)
	}
	var got []image.Rectangle
	for _, h := range r.ScreenInfo {
		got = append(got, image.Rect(int(h.XOrg), int(h.YOrg), int(h.XOrg)+int(h.Width), int(h.YOrg)+int(h.Height)))
	}
	if !slices.Equal(got, ms) {
		t.Errorf("Xinerama heads %v, want %v", got, ms)
	}
}
