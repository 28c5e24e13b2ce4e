package assist

import (
	"image"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// pointingSource is a countingSource with a pointer that a test moves.
type pointingSource struct {
	*countingSource
	mu    sync.Mutex
	at    image.Point
	shape uint32
	reads atomic.Int64
	drawn atomic.Bool // DrawPointer's last value
}

func (p *pointingSource) ReadPointer(known func(uint32) bool) (PointerState, *inputproto.PointerImage, error) {
	p.reads.Add(1)
	p.mu.Lock()
	st := PointerState{At: p.at, Visible: true, Shape: p.shape}
	p.mu.Unlock()
	if known(st.Shape) {
		return st, nil, nil
	}
	return st, pointerImage(80, 40, 79, 0, func(x, y int) (r, g, b, a uint8) { return 255, byte(x), byte(y), 255 }), nil
}

func (p *pointingSource) DrawPointer(on bool) { p.drawn.Store(on) }

func (p *pointingSource) move(x, y int, shape uint32) {
	p.mu.Lock()
	p.at, p.shape = image.Pt(x, y), shape
	p.mu.Unlock()
}

// desktopPointer returns the pointer messages the technician received.
func (tp *techPeer) desktopPointer() (positions, shapes []inputproto.Message) {
	for _, m := range tp.permissions {
		switch m.Type {
		case inputproto.TypePointerPosition:
			positions = append(positions, m)
		case inputproto.TypePointerShape:
			shapes = append(shapes, m)
		}
	}
	return positions, shapes
}

// TestPointerAfterViewConsent: the pointer is read and sent only after the
// user allowed viewing and the console asked to draw it (DrawPointer);
// the frames then leave it out; positions follow the pointer over the
// picture, a shape goes once per id and before the positions naming it;
// nothing is read or sent once the session stopped.
func TestPointerAfterViewConsent(t *testing.T) {
	src := &pointingSource{countingSource: newCountingSource(320, 240)}
	src.drawn.Store(true)
	src.move(160, 120, 5)
	consent := newScriptedConsenter()
	s, log, toDesk, fromDesk, done := newTestSession(t, Config{Consenter: consent, FPS: 30,
		NewSource: func() (Source, error) { src.opened.Add(1); return src, nil }})
	tech := newTechPeer(t, toDesk, fromDesk)

	toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex (IT)"}
	toDesk <- Signal{Type: SignalViewRequest}
	q := consent.next(t)
	if n := src.reads.Load(); n != 0 {
		t.Fatalf("pointer read %d times before the user allowed viewing", n)
	}
	q.answer <- true
	log.waitFor(t, StateViewing)
	tech.waitUntil("10 frames and the control channel", func() bool { return tech.frames >= 10 && tech.control != nil })
	// A console that does not draw the pointer gets it in the frames and
	// no pointer message.
	tech.mu.Lock()
	pos, shapes := tech.desktopPointer()
	tech.mu.Unlock()
	if len(pos)+len(shapes) != 0 || src.reads.Load() != 0 || !src.drawn.Load() {
		t.Fatalf("without DrawPointer: %d positions, %d shapes, %d reads, drawn into frames %v", len(pos), len(shapes), src.reads.Load(), src.drawn.Load())
	}

	// at: the last position maps back (as the desktop maps the
	// technician's pointer) to x, y of the picture.
	at := func(x, y int) func() bool {
		return func() bool {
			pos, _ := tech.desktopPointer()
			if len(pos) == 0 || !pos[len(pos)-1].Visible {
				return false
			}
			gx, gy := inputproto.ToRect(src.Bounds(), pos[len(pos)-1].X, pos[len(pos)-1].Y)
			return gx == x && gy == y
		}
	}
	tech.send(inputproto.Message{Type: inputproto.TypeDrawPointer, Draw: true})
	tech.waitUntil("the pointer at the centre", at(160, 120))
	if src.drawn.Load() {
		t.Error("frames still drawn with the pointer for a console that draws it")
	}
	src.move(319, 0, 5)
	tech.waitUntil("the pointer at the top right", func() bool {
		pos, _ := tech.desktopPointer()
		return len(pos) > 0 && pos[len(pos)-1].X == 65535 && pos[len(pos)-1].Y == 0
	})
	src.move(-5, 10, 5) // off the picture (another display): hidden
	tech.waitUntil("the pointer hidden", func() bool {
		pos, _ := tech.desktopPointer()
		return len(pos) > 0 && !pos[len(pos)-1].Visible
	})
	src.move(0, 239, 6)
	tech.waitUntil("the pointer at the bottom left with shape 6", func() bool {
		pos, _ := tech.desktopPointer()
		return len(pos) > 0 && pos[len(pos)-1] == inputproto.Message{Type: inputproto.TypePointerPosition, X: 0, Y: 65535, Visible: true, ShapeID: 6}
	})
	tech.mu.Lock()
	var ids []uint32
	shapeFirst := true
	seen := map[uint32]bool{}
	for _, m := range tech.permissions {
		switch m.Type {
		case inputproto.TypePointerShape:
			ids = append(ids, m.Shape.ID)
			seen[m.Shape.ID] = true
			if m.Shape.W != 64 || m.Shape.H != 32 || m.Shape.HotX != 63 || m.Shape.HotY != 0 {
				t.Errorf("80×40 shape scaled to %d×%d, hotspot %d,%d; want 64×32, 63,0", m.Shape.W, m.Shape.H, m.Shape.HotX, m.Shape.HotY)
			}
		case inputproto.TypePointerPosition:
			shapeFirst = shapeFirst && seen[m.ShapeID]
		}
	}
	tech.mu.Unlock()
	if len(ids) != 2 || ids[0] != 5 || ids[1] != 6 {
		t.Errorf("shapes sent %v, want [5 6]", ids)
	}
	if !shapeFirst {
		t.Error("a position named a shape not sent before it")
	}

	// Control revoked: viewing goes on, so does the pointer.
	s.RevokeControl()
	src.move(10, 10, 6)
	tech.waitUntil("the pointer after a revocation", at(10, 10))

	s.Stop()
	<-done
	n := src.reads.Load()
	src.move(100, 100, 7)
	// The session's goroutines are gone (Run returned): a read now would
	// be a leak; let a pointer interval pass several times over.
	time.Sleep(10 * pointerInterval)
	if m := src.reads.Load(); m != n {
		t.Errorf("pointer read %d times after the session stopped", m-n)
	}
	src.checkStopped(t)
}

func TestPointerPosition(t *testing.T) {
	left := image.Rect(-1280, -200, 0, 824) // a monitor left of and above the primary one
	tests := []struct {
		name    string
		b       image.Rectangle
		st      PointerState
		x, y    uint16
		visible bool
	}{
		{"top left", image.Rect(0, 0, 640, 480), PointerState{At: image.Pt(0, 0), Visible: true}, 0, 0, true},
		{"bottom right", image.Rect(0, 0, 640, 480), PointerState{At: image.Pt(639, 479), Visible: true}, 65535, 65535, true},
		{"centre of a negative-offset monitor", left, PointerState{At: image.Pt(-640, 312), Visible: true}, 32793, 32800, true},
		{"right of the display shown", image.Rect(0, 0, 640, 480), PointerState{At: image.Pt(640, 10), Visible: true}, 0, 0, false},
		{"hidden by the system", image.Rect(0, 0, 640, 480), PointerState{At: image.Pt(10, 10)}, 0, 0, false},
		{"one pixel wide", image.Rect(5, 5, 6, 6), PointerState{At: image.Pt(5, 5), Visible: true}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.Shape = 3
			m := pointerPosition(tt.b, tt.st)
			if m.Type != inputproto.TypePointerPosition || m.ShapeID != 3 || m.X != tt.x || m.Y != tt.y || m.Visible != tt.visible {
				t.Errorf("pointerPosition = %+v, want %d,%d visible %v", m, tt.x, tt.y, tt.visible)
			}
			if m.Visible { // the desktop's own mapping of the technician's pointer takes it back
				if x, y := inputproto.ToRect(tt.b, m.X, m.Y); image.Pt(x, y) != tt.st.At {
					t.Errorf("maps back to %d,%d, want %v", x, y, tt.st.At)
				}
			}
		})
	}
}

func TestPointerImageScales(t *testing.T) {
	px := func(x, y int) (r, g, b, a uint8) { return byte(x), byte(y), 0, 255 }
	for _, tt := range []struct{ w, h, hx, hy, ww, wh, whx, why int }{
		{32, 32, 4, 5, 32, 32, 4, 5},
		{64, 64, 63, 63, 64, 64, 63, 63},
		{128, 128, 127, 64, 64, 64, 63, 32},
		{256, 64, 0, 63, 64, 16, 0, 15},
		{10, 200, 9, 199, 3, 64, 2, 63},
	} {
		img := pointerImage(tt.w, tt.h, tt.hx, tt.hy, px)
		if img.W != tt.ww || img.H != tt.wh || img.HotX != tt.whx || img.HotY != tt.why || len(img.Pix) != img.W*img.H*4 {
			t.Errorf("%d×%d hot %d,%d → %d×%d hot %d,%d; want %d×%d hot %d,%d", tt.w, tt.h, tt.hx, tt.hy, img.W, img.H, img.HotX, img.HotY, tt.ww, tt.wh, tt.whx, tt.why)
		}
		if _, err := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePointerShape, Shape: img}); err != nil {
			t.Errorf("%d×%d: %v", tt.w, tt.h, err)
		}
	}
	if pointerImage(0, 5, 0, 0, px) != nil {
		t.Error("an empty cursor made an image")
	}
	if got := unpremultiply(64, 128); got != 128 {
		t.Errorf("unpremultiply(64, 128) = %d, want 128", got)
	}
}
