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
)

const (
	srcCopy    = 0x00CC0020
	captureBlt = 0x40000000 // include layered (translucent) windows
	biRGB      = 0
	dibRGB     = 0
)

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
// Every Windows session has GDI, and Wine implements it.
type gdiSource struct {
	mu     sync.Mutex
	bounds image.Rectangle
	screen uintptr // HDC of the whole virtual screen
	mem    uintptr // memory HDC with bitmap selected
	bitmap uintptr
	old    uintptr // the memory DC's original bitmap
	pix    []byte
}

func newGDI(b image.Rectangle) (*gdiSource, error) {
	if b.Empty() {
		return nil, fmt.Errorf("empty display bounds %v", b)
	}
	s := &gdiSource{bounds: b}
	s.screen, _, _ = procGetDC.Call(0)
	if s.screen == 0 {
		return nil, errors.New("GetDC(screen) failed")
	}
	s.mem, _, _ = procCreateCompatibleDC.Call(s.screen)
	if s.mem == 0 {
		s.Close()
		return nil, errors.New("CreateCompatibleDC failed")
	}
	hdr := bitmapInfoHeader{Width: int32(b.Dx()), Height: -int32(b.Dy()), Planes: 1, BitCount: 32, Compression: biRGB}
	hdr.Size = uint32(unsafe.Sizeof(hdr))
	var bits unsafe.Pointer
	s.bitmap, _, _ = syscall.SyscallN(procCreateDIBSection.Addr(), s.mem, uintptr(unsafe.Pointer(&hdr)), dibRGB, uintptr(unsafe.Pointer(&bits)), 0, 0)
	if s.bitmap == 0 || bits == nil {
		s.Close()
		return nil, fmt.Errorf("CreateDIBSection %d×%d failed", b.Dx(), b.Dy())
	}
	s.old, _, _ = procSelectObject.Call(s.mem, s.bitmap)
	s.pix = unsafe.Slice((*byte)(bits), b.Dx()*b.Dy()*4)
	return s, nil
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
	procGdiFlush.Call() // the DIB's memory is complete only after the batch is flushed
	return Frame{Pix: s.pix, Stride: b.Dx() * 4, Width: b.Dx(), Height: b.Dy(), Format: BGRA}, nil
}

// Bounds implements Source.
func (s *gdiSource) Bounds() image.Rectangle { return s.bounds }

// Path implements Source.
func (s *gdiSource) Path() string { return "gdi" }

// Close implements Source.
func (s *gdiSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pix = nil
	if s.old != 0 {
		procSelectObject.Call(s.mem, s.old)
		s.old = 0
	}
	if s.bitmap != 0 {
		procDeleteObject.Call(s.bitmap)
		s.bitmap = 0
	}
	if s.mem != 0 {
		procDeleteDC.Call(s.mem)
		s.mem = 0
	}
	if s.screen != 0 {
		procReleaseDC.Call(0, s.screen)
		s.screen = 0
	}
	return nil
}
