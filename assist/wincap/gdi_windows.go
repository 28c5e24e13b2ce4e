package wincap

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	modUser32              = windows.NewLazySystemDLL("user32.dll")
	procGetDC              = modUser32.NewProc("GetDC")
	procReleaseDC          = modUser32.NewProc("ReleaseDC")
	modGDI32               = windows.NewLazySystemDLL("gdi32.dll")
	procCreateCompatibleDC = modGDI32.NewProc("CreateCompatibleDC")
	procCreateDIBSection   = modGDI32.NewProc("CreateDIBSection")
	procSelectObject       = modGDI32.NewProc("SelectObject")
	procBitBlt             = modGDI32.NewProc("BitBlt")
	procGdiFlush           = modGDI32.NewProc("GdiFlush")
	procDeleteObject       = modGDI32.NewProc("DeleteObject")
	procDeleteDC           = modGDI32.NewProc("DeleteDC")
	procGetCursorInfo      = modUser32.NewProc("GetCursorInfo")
	procGetIconInfo        = modUser32.NewProc("GetIconInfo")
	procDrawIconEx         = modUser32.NewProc("DrawIconEx")
	procLoadCursorW        = modUser32.NewProc("LoadCursorW")
)

const (
	srcCopy    = 0x00CC0020
	captureBlt = 0x40000000 // include layered (translucent) windows
	biRGB      = 0
	dibRGB     = 0

	cursorShowing = 1
	diNormal      = 3
	idcArrow      = 32512
)

// cursorInfo is a CURSORINFO.
type cursorInfo struct {
	Size, Flags uint32
	Cursor      uintptr
	X, Y        int32
}

// iconInfo is an ICONINFO.
type iconInfo struct {
	Icon               int32
	XHotspot, YHotspot uint32
	Mask, Color        uintptr
}

// bitmapInfoHeader is a BITMAPINFOHEADER (a BITMAPINFO without colour
// table is enough for 32 bits per pixel).
type bitmapInfoHeader struct {
	Size                         uint32
	Width, Height                int32
	Planes, BitCount             uint16
	Compression, SizeImage       uint32
	XPelsPerMeter, YPelsPerMeter int32
	ClrUsed, ClrImportant        uint32
}

// gdiSource captures with BitBlt from the screen's device context into
// one DIB section it keeps for its lifetime: the frame is the DIB's
// memory (BGRA, top-down), so nothing is allocated or converted per frame.
// The mouse pointer is drawn in with DrawIconEx.
// Every Windows session has GDI, and Wine implements it.
type gdiSource struct {
	mu     sync.Mutex
	bounds image.Rectangle
	screen uintptr                 // HDC of the whole virtual screen
	dibDC                          // the frame: s.mem, s.pix
	hot    map[uintptr]image.Point // hotspots of the cursors seen
	subst  map[uintptr]uintptr     // cursors this process cannot draw → the arrow
	pointerToggle
}

func newGDI(b image.Rectangle) (*gdiSource, error) {
	if b.Empty() {
		return nil, fmt.Errorf("empty display bounds %v", b)
	}
	s := &gdiSource{bounds: b, hot: map[uintptr]image.Point{}, subst: map[uintptr]uintptr{}}
	s.screen, _, _ = procGetDC.Call(0)
	if s.screen == 0 {
		return nil, errors.New("GetDC(screen) failed")
	}
	var err error
	if s.dibDC, err = newDIBDC(s.screen, b.Dx(), b.Dy()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// dibDC is a memory device context with a top-down 32-bit DIB section
// of w×h selected into it, whose pixels (BGRA) are pix.
type dibDC struct {
	mem    uintptr // memory HDC with bitmap selected
	bitmap uintptr
	old    uintptr // the memory DC's original bitmap
	pix    []byte
}

// newDIBDC makes a dibDC compatible with the device context dc (0: the
// screen).
func newDIBDC(dc uintptr, w, h int) (dibDC, error) {
	var d dibDC
	d.mem, _, _ = procCreateCompatibleDC.Call(dc)
	if d.mem == 0 {
		return dibDC{}, errors.New("CreateCompatibleDC failed")
	}
	hdr := bitmapInfoHeader{Width: int32(w), Height: -int32(h), Planes: 1, BitCount: 32, Compression: biRGB}
	hdr.Size = uint32(unsafe.Sizeof(hdr))
	var bits unsafe.Pointer
	d.bitmap, _, _ = syscall.SyscallN(procCreateDIBSection.Addr(), d.mem, uintptr(unsafe.Pointer(&hdr)), dibRGB, uintptr(unsafe.Pointer(&bits)), 0, 0)
	if d.bitmap == 0 || bits == nil {
		d.release()
		return dibDC{}, fmt.Errorf("CreateDIBSection %d×%d failed", w, h)
	}
	d.old, _, _ = procSelectObject.Call(d.mem, d.bitmap)
	d.pix = unsafe.Slice((*byte)(bits), w*h*4)
	return d, nil
}

// release frees what newDIBDC made; it is safe on a zero or released dibDC.
func (d *dibDC) release() {
	d.pix = nil
	if d.old != 0 {
		procSelectObject.Call(d.mem, d.old)
		d.old = 0
	}
	if d.bitmap != 0 {
		procDeleteObject.Call(d.bitmap)
		d.bitmap = 0
	}
	if d.mem != 0 {
		procDeleteDC.Call(d.mem)
		d.mem = 0
	}
}

// Capture implements Source. GDI says nothing about what changed, so
// Dirty is nil.
func (s *gdiSource) Capture() (Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pix == nil {
		return Frame{}, errors.New("capture: source closed")
	}
	b := s.bounds
	ok, _, err := syscall.SyscallN(procBitBlt.Addr(), s.mem, 0, 0, uintptr(b.Dx()), uintptr(b.Dy()),
		s.screen, uintptr(int32(b.Min.X)), uintptr(int32(b.Min.Y)), srcCopy|captureBlt)
	if ok == 0 {
		return Frame{}, fmt.Errorf("capture screen: BitBlt: %w", err)
	}
	if !s.off.Load() {
		s.drawCursor()
	}
	procGdiFlush.Call() // the DIB's memory is complete only after the batch is flushed
	return Frame{Pix: s.pix, Stride: b.Dx() * 4, Width: b.Dx(), Height: b.Dy(), Format: BGRA}, nil
}

// drawCursor draws the mouse pointer, which BitBlt leaves out, into the
// memory DC, so the technician sees where the user points.
func (s *gdiSource) drawCursor() {
	ci := cursorInfo{}
	ci.Size = uint32(unsafe.Sizeof(ci))
	if ok, _, _ := syscall.SyscallN(procGetCursorInfo.Addr(), uintptr(unsafe.Pointer(&ci))); ok == 0 || ci.Flags&cursorShowing == 0 || ci.Cursor == 0 {
		return
	}
	cur := ci.Cursor
	hot, ok := s.hot[cur]
	if !ok {
		if len(s.hot) > 64 { // cursors are few; a program that makes new ones forever must not grow this
			clear(s.hot)
			clear(s.subst)
		}
		var ii iconInfo
		if r, _, _ := syscall.SyscallN(procGetIconInfo.Addr(), cur, uintptr(unsafe.Pointer(&ii))); r == 0 {
			// Wine hands out the handle of a cursor that belongs to
			// another process (its desktop), which this one cannot use:
			// show where the pointer is with the standard arrow.
			arrow, _, _ := procLoadCursorW.Call(0, idcArrow)
			if arrow == 0 || arrow == cur {
				return
			}
			if r, _, _ := syscall.SyscallN(procGetIconInfo.Addr(), arrow, uintptr(unsafe.Pointer(&ii))); r == 0 {
				return
			}
			s.subst[cur] = arrow
		}
		for _, bm := range []uintptr{ii.Mask, ii.Color} {
			if bm != 0 {
				procDeleteObject.Call(bm)
			}
		}
		hot = image.Pt(int(ii.XHotspot), int(ii.YHotspot))
		s.hot[cur] = hot
	}
	if a, ok := s.subst[cur]; ok {
		cur = a
	}
	x := int(ci.X) - hot.X - s.bounds.Min.X
	y := int(ci.Y) - hot.Y - s.bounds.Min.Y
	syscall.SyscallN(procDrawIconEx.Addr(), s.mem, uintptr(int32(x)), uintptr(int32(y)), cur, 0, 0, 0, 0, diNormal)
}

// Bounds implements Source.
func (s *gdiSource) Bounds() image.Rectangle { return s.bounds }

// Path implements Source.
func (s *gdiSource) Path() string { return "gdi" }

// Close implements Source.
func (s *gdiSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dibDC.release()
	if s.screen != 0 {
		procReleaseDC.Call(0, s.screen)
		s.screen = 0
	}
	return nil
}
