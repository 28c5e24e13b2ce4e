package assist

import (
	"fmt"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// TestXShmReadPointer reads the pointer apart from the frames on a real X
// server: its position, a shape with a hotspot inside it (once, then only
// the id while known), and frames without it once DrawPointer(false).
func TestXShmReadPointer(t *testing.T) {
	_, inj, src, changedNear := pointerScreen(t)
	known := map[uint32]bool{}
	for _, p := range []image.Point{{100, 100}, {250, 60}} {
		if err := inj.Inject(Input{Kind: InputMove, X: p.X, Y: p.Y}); err != nil {
			t.Fatal(err)
		}
		st, img, err := src.ReadPointer(func(id uint32) bool { return known[id] })
		if err != nil {
			t.Fatal(err)
		}
		if st.At != p || !st.Visible {
			t.Errorf("pointer read at %v (visible %v), want %v", st.At, st.Visible, p)
		}
		if known[st.Shape] {
			if img != nil {
				t.Errorf("shape %d sent again", st.Shape)
			}
		} else {
			if img == nil || img.W < 2 || img.H < 2 || len(img.Pix) != img.W*img.H*4 {
				t.Fatalf("shape %d: image %+v", st.Shape, img)
			}
			opaque := 0
			for i := 3; i < len(img.Pix); i += 4 {
				if img.Pix[i] != 0 {
					opaque++
				}
			}
			if opaque == 0 {
				t.Errorf("shape %d is fully transparent", st.Shape)
			}
			known[st.Shape] = true
		}

		src.DrawPointer(false)
		f, err := src.Capture()
		if err != nil {
			t.Fatal(err)
		}
		if n := changedNear(f, p.X, p.Y); n != 0 {
			t.Errorf("DrawPointer(false): %d pixels of the pointer at %v in the frame", n, p)
		}
		src.DrawPointer(true)
		if f, err = src.Capture(); err != nil {
			t.Fatal(err)
		}
		if n := changedNear(f, p.X, p.Y); n < 10 {
			t.Errorf("DrawPointer(true): only %d pixels differ around the pointer at %v", n, p)
		}
	}
	if len(known) == 0 {
		t.Error("no shape read")
	}
}

// TestPointerXvfbSession: a session on a real X server (XShm capture,
// real pion peers): no pointer message before the console asks, after
// view consent; then the X pointer's positions, with its XFixes shape
// first; nothing once the session stopped.
func TestPointerXvfbSession(t *testing.T) {
	d := xtest.Start(t, 640, 480)
	t.Setenv("DISPLAY", d)
	xtest.Fill(t, d, color.RGBA{0x30, 0x60, 0x90, 0xff})
	c := xtest.Conn(t, d)
	root := xproto.Setup(c).DefaultScreen(c).Root
	warp := func(x, y int) {
		t.Helper()
		if err := xproto.WarpPointerChecked(c, 0, root, 0, 0, 0, 0, int16(x), int16(y)).Check(); err != nil {
			t.Fatal(err)
		}
	}
	consent := newScriptedConsenter()
	s, log, toDesk, fromDesk, done := newTestSession(t, Config{Consenter: consent})
	tech := newTechPeer(t, toDesk, fromDesk)
	toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex (IT)"}
	toDesk <- Signal{Type: SignalViewRequest}
	consent.next(t).answer <- true
	log.waitFor(t, StateViewing)
	tech.waitUntil("frames and the control channel", func() bool { return tech.frames >= 1 && tech.control != nil })
	warp(123, 45)
	tech.mu.Lock()
	pos, shapes := tech.desktopPointer()
	tech.mu.Unlock()
	if len(pos)+len(shapes) != 0 {
		t.Fatalf("%d positions and %d shapes before the console asked", len(pos), len(shapes))
	}

	tech.send(inputproto.Message{Type: inputproto.TypeDrawPointer, Draw: true})
	b := image.Rect(0, 0, 640, 480)
	for _, p := range []image.Point{{123, 45}, {600, 400}, {0, 479}} {
		warp(p.X, p.Y)
		tech.waitUntil(fmt.Sprintf("the pointer at %v", p), func() bool {
			pos, _ := tech.desktopPointer()
			if len(pos) == 0 || !pos[len(pos)-1].Visible {
				return false
			}
			x, y := inputproto.ToRect(b, pos[len(pos)-1].X, pos[len(pos)-1].Y)
			return image.Pt(x, y) == p
		})
	}
	tech.mu.Lock()
	pos, shapes = tech.desktopPointer()
	tech.mu.Unlock()
	if len(shapes) == 0 || shapes[0].Shape.ID != pos[0].ShapeID {
		t.Errorf("shapes %d, first position's shape %d: the shape does not come first", len(shapes), pos[0].ShapeID)
	}
	s.Stop()
	<-done
	tech.mu.Lock()
	before, _ := tech.desktopPointer()
	tech.mu.Unlock()
	warp(10, 10)
	time.Sleep(10 * pointerInterval)
	tech.mu.Lock()
	after, _ := tech.desktopPointer()
	tech.mu.Unlock()
	if len(after) != len(before) {
		t.Errorf("%d pointer positions after the session stopped: %+v", len(after)-len(before), after[len(before):])
	}
}
