package wincap

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

var procGetObjectW = modGDI32.NewProc("GetObjectW")

// maxCursor bounds the cursor image a PointerReader renders.
const maxCursor = 256

// bitmap is a BITMAP (GetObject of an HBITMAP).
type bitmap struct {
	Type, Width, Height, WidthBytes int32
	Planes, BitsPixel               uint16
	Bits                            uintptr
}

// Pointer is the mouse pointer as GetCursorInfo reports it.
type Pointer struct {
	At      image.Point // the hotspot, in virtual-screen coordinates
	Visible bool
	Cursor  uintptr // HCURSOR: the same handle for the same shape
}

// PointerShape is a cursor's image: straight-alpha RGBA, rows top down.
type PointerShape struct {
	W, H, HotX, HotY int
	Pix              []byte
}

// PointerReader reads the mouse pointer apart from any capture (for a
// viewer that draws the pointer itself): its position with GetCursorInfo
// and, when asked, its shape, drawn with DrawIconEx into a small DIB once
// on black and once on white to recover colour and alpha (and the pixels
// a monochrome cursor inverts, shown as black). Safe for one goroutine
// at a time besides Close.
type PointerReader struct {
	mu     sync.Mutex
	dibDC  // maxCursor² BGRA, top-down
	closed bool
}

// NewPointerReader prepares the DIB cursors are drawn into.
func NewPointerReader() (*PointerReader, error) {
	d, err := newDIBDC(0, maxCursor, maxCursor)
	if err != nil {
		return nil, fmt.Errorf("the cursor's bitmap: %w", err)
	}
	r := &PointerReader{dibDC: d}
	return r, nil
}

// Read reads the pointer; unless known(cursor) it also draws its shape
// (nil if the cursor cannot be drawn).
func (r *PointerReader) Read(known func(cursor uintptr) bool) (Pointer, *PointerShape, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return Pointer{}, nil, errors.New("read pointer: reader closed")
	}
	ci := cursorInfo{}
	ci.Size = uint32(unsafe.Sizeof(ci))
	if ok, _, err := syscall.SyscallN(procGetCursorInfo.Addr(), uintptr(unsafe.Pointer(&ci))); ok == 0 {
		return Pointer{}, nil, err
	}
	p := Pointer{At: image.Pt(int(ci.X), int(ci.Y)), Visible: ci.Flags&cursorShowing != 0 && ci.Cursor != 0, Cursor: ci.Cursor}
	if !p.Visible || known(p.Cursor) {
		return p, nil, nil
	}
	return p, r.shape(p.Cursor), nil
}

// shape draws cursor cur; a cursor of another process (as Wine hands
// out) is drawn as the standard arrow, which is what it most likely is.
func (r *PointerReader) shape(cur uintptr) *PointerShape {
	var ii iconInfo
	if ok, _, _ := syscall.SyscallN(procGetIconInfo.Addr(), cur, uintptr(unsafe.Pointer(&ii))); ok == 0 {
		arrow, _, _ := procLoadCursorW.Call(0, idcArrow)
		if arrow == 0 || arrow == cur {
			return nil
		}
		if ok, _, _ := syscall.SyscallN(procGetIconInfo.Addr(), arrow, uintptr(unsafe.Pointer(&ii))); ok == 0 {
			return nil
		}
		cur = arrow
	}
	var bm bitmap
	procGetObjectW.Call(ii.Mask, unsafe.Sizeof(bm), uintptr(unsafe.Pointer(&bm)))
	for _, h := range []uintptr{ii.Mask, ii.Color} {
		if h != 0 {
			procDeleteObject.Call(h)
		}
	}
	w, h := int(bm.Width), int(bm.Height)
	if ii.Color == 0 { // monochrome: the AND mask above the XOR mask
		h /= 2
	}
	if w <= 0 || h <= 0 {
		return nil
	}
	w, h = min(w, maxCursor), min(h, maxCursor)
	on := func(bg byte) []byte {
		clear(r.pix)
		if bg != 0 {
			for i := range r.pix {
				r.pix[i] = bg
			}
		}
		syscall.SyscallN(procDrawIconEx.Addr(), r.mem, 0, 0, cur, uintptr(w), uintptr(h), 0, 0, diNormal)
		procGdiFlush.Call()
		out := make([]byte, w*h*4)
		for y := range h {
			copy(out[y*w*4:(y+1)*w*4], r.pix[y*maxCursor*4:])
		}
		return out
	}
	black, white := on(0), on(0xff)
	s := &PointerShape{W: w, H: h, HotX: min(int(ii.XHotspot), w-1), HotY: min(int(ii.YHotspot), h-1), Pix: make([]byte, w*h*4)}
	for i := 0; i < len(black); i += 4 {
		// On black a pixel is c·a, on white c·a + 255·(1-a): a = 255 - (white - black).
		// A pixel that inverts (white darker than black) is shown black.
		a := 0
		for c := range 3 {
			a = max(a, 255-(int(white[i+c])-int(black[i+c])))
		}
		a = min(a, 255)
		s.Pix[i+3] = byte(a)
		if a == 0 {
			continue
		}
		for c := range 3 { // BGR → RGB, un-premultiplied
			v := int(black[i+2-c]) * 255 / a
			if int(white[i+2-c]) < int(black[i+2-c]) {
				v = 0
			}
			s.Pix[i+c] = byte(min(v, 255))
		}
	}
	return s
}

// Close releases the DIB.
func (r *PointerReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.dibDC.release()
	return nil
}

// pointerToggle is embedded by the sources that draw the pointer into
// their frames: DrawPointer(false) leaves it out, for a viewer that draws
// it from a PointerReader.
type pointerToggle struct{ off atomic.Bool }

// DrawPointer sets whether Capture draws the pointer into frames (the default).
func (t *pointerToggle) DrawPointer(on bool) { t.off.Store(!on) }
