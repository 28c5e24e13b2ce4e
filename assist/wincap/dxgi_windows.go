package wincap

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// DXGI Desktop Duplication through the COM vtables, without cgo. The
// method indices below count the slots of each interface as declared in
// the Windows SDK headers (dxgi.h, dxgi1_2.h, d3d11.h), inherited ones
// first: IUnknown 0–2, IDXGIObject 3–6, ID3D11DeviceChild 3–6.
const (
	vRelease        = 2 // IUnknown
	vQueryInterface = 0

	vFactory1EnumAdapters1 = 12 // IDXGIFactory1 (IDXGIFactory 7–11)
	vAdapterEnumOutputs    = 7  // IDXGIAdapter
	vOutputGetDesc         = 7  // IDXGIOutput
	vOutput1DuplicateOut   = 22 // IDXGIOutput1 (IDXGIOutput 7–18, then 19–21)

	vDuplGetDesc          = 7 // IDXGIOutputDuplication
	vDuplAcquireNextFrame = 8
	vDuplGetDirtyRects    = 9
	vDuplGetMoveRects     = 10
	vDuplGetPointerShape  = 11
	vDuplReleaseFrame     = 14

	vDeviceCreateTexture2D = 5 // ID3D11Device

	vContextMap          = 14 // ID3D11DeviceContext
	vContextUnmap        = 15
	vContextCopyResource = 47
)

const (
	d3dDriverTypeUnknown = 0 // required when an adapter is given
	d3d11SDKVersion      = 7
	dxgiFormatB8G8R8A8   = 87
	d3d11UsageStaging    = 3
	d3d11CPUAccessRead   = 0x20000
	d3d11MapRead         = 1
	rotationUnspecified  = 0
	rotationIdentity     = 1
)

var (
	modDXGI                = windows.NewLazySystemDLL("dxgi.dll")
	procCreateDXGIFactory1 = modDXGI.NewProc("CreateDXGIFactory1")
	modD3D11               = windows.NewLazySystemDLL("d3d11.dll")
	procD3D11CreateDevice  = modD3D11.NewProc("D3D11CreateDevice")

	iidIDXGIFactory1   = windows.GUID{Data1: 0x770aae78, Data2: 0xf26f, Data3: 0x4dba, Data4: [8]byte{0xa8, 0x29, 0x25, 0x3c, 0x83, 0xd1, 0xb3, 0x87}}
	iidIDXGIOutput1    = windows.GUID{Data1: 0x00cddea8, Data2: 0x939b, Data3: 0x4b83, Data4: [8]byte{0xa3, 0x40, 0xa6, 0x85, 0x22, 0x66, 0x66, 0xcc}}
	iidID3D11Texture2D = windows.GUID{Data1: 0x6f15aaf2, Data2: 0xd208, Data3: 0x4e89, Data4: [8]byte{0x9a, 0xb4, 0x48, 0x95, 0x35, 0xd3, 0x4f, 0x9c}}
)

// com is a COM object: its first word points at its vtable. Objects live
// outside the Go heap, so *com values are never moved or collected.
type com struct{ vtbl *[64]uintptr }

func (o *com) release() {
	if o != nil {
		syscall.SyscallN(o.vtbl[vRelease], uintptr(unsafe.Pointer(o)))
	}
}

func (o *com) query(op string, iid *windows.GUID) (*com, error) {
	var out *com
	hr, _, _ := syscall.SyscallN(o.vtbl[vQueryInterface], uintptr(unsafe.Pointer(o)), uintptr(unsafe.Pointer(iid)), uintptr(unsafe.Pointer(&out)))
	if err := check(op, uint32(hr)); err != nil {
		return nil, err
	}
	return out, nil
}

// dxgiSource captures one output with Desktop Duplication. The desktop
// image is copied on the GPU into a CPU-readable staging texture; only
// the rectangles DXGI reports as moved or dirty are then copied into the
// frame, which persists between captures. The mouse pointer, which DXGI
// delivers apart from the image, is drawn in (see pointer).
type dxgiSource struct {
	mu  sync.Mutex
	log *slog.Logger

	output  *com // IDXGIOutput1
	device  *com // ID3D11Device
	ctx     *com // ID3D11DeviceContext
	dupl    *com // IDXGIOutputDuplication; nil while lost
	staging *com // ID3D11Texture2D

	bounds image.Rectangle
	w, h   int
	pix    []byte // the frame handed out, w*h*4 BGRA
	have   bool   // pix holds a whole desktop image
	lost   bool   // access was lost and not yet regained (logged once)
	full   bool   // the next image is copied whole (after regaining access)

	ptr pointer
	pointerToggle
	meta   []byte
	raw    []image.Rectangle
	dirty  []image.Rectangle
	closed bool
}

// newDXGI duplicates the output whose desktop coordinates are bounds and
// waits for its first image, so that a path that opens but delivers
// nothing (as some drivers and emulations do) counts as unavailable.
func newDXGI(bounds image.Rectangle, log *slog.Logger) (*dxgiSource, error) {
	if err := procCreateDXGIFactory1.Find(); err != nil {
		return nil, fmt.Errorf("load dxgi.dll: %w", err)
	}
	if err := procD3D11CreateDevice.Find(); err != nil {
		return nil, fmt.Errorf("load d3d11.dll: %w", err)
	}
	adapter, output, err := findOutput(bounds)
	if err != nil {
		return nil, err
	}
	defer adapter.release()
	s := &dxgiSource{log: log, bounds: bounds}
	s.output, err = output.query("IDXGIOutput::QueryInterface(IDXGIOutput1)", &iidIDXGIOutput1)
	output.release()
	if err != nil {
		return nil, err
	}
	if s.device, s.ctx, err = createDevice(adapter); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.duplicate(); err != nil {
		s.Close()
		return nil, err
	}
	if _, err := s.Capture(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// createDevice creates a Direct3D 11 device on adapter.
func createDevice(adapter *com) (device, ctx *com, err error) {
	levels := [...]uint32{0xb000, 0xa100, 0xa000, 0x9300, 0x9200, 0x9100} // 11_0 … 9_1
	var level uint32
	hr, _, _ := syscall.SyscallN(procD3D11CreateDevice.Addr(),
		uintptr(unsafe.Pointer(adapter)), d3dDriverTypeUnknown, 0, 0,
		uintptr(unsafe.Pointer(&levels[0])), uintptr(len(levels)), d3d11SDKVersion,
		uintptr(unsafe.Pointer(&device)), uintptr(unsafe.Pointer(&level)), uintptr(unsafe.Pointer(&ctx)))
	if err := check("D3D11CreateDevice", uint32(hr)); err != nil {
		return nil, nil, err
	}
	return device, ctx, nil
}

// findOutput walks the adapters and their outputs for the one attached to
// the desktop at bounds.
func findOutput(bounds image.Rectangle) (adapter, output *com, err error) {
	var factory *com
	hr, _, _ := syscall.SyscallN(procCreateDXGIFactory1.Addr(), uintptr(unsafe.Pointer(&iidIDXGIFactory1)), uintptr(unsafe.Pointer(&factory)))
	if err := check("CreateDXGIFactory1", uint32(hr)); err != nil {
		return nil, nil, err
	}
	defer factory.release()
	var seen []string
	for i := uintptr(0); ; i++ {
		var a *com
		hr, _, _ := syscall.SyscallN(factory.vtbl[vFactory1EnumAdapters1], uintptr(unsafe.Pointer(factory)), i, uintptr(unsafe.Pointer(&a)))
		if uint32(hr) == hrDXGINotFound {
			break
		}
		if err := check("IDXGIFactory1::EnumAdapters1", uint32(hr)); err != nil {
			return nil, nil, err
		}
		for j := uintptr(0); ; j++ {
			var o *com
			hr, _, _ := syscall.SyscallN(a.vtbl[vAdapterEnumOutputs], uintptr(unsafe.Pointer(a)), j, uintptr(unsafe.Pointer(&o)))
			if uint32(hr) == hrDXGINotFound {
				break
			}
			if err := check("IDXGIAdapter::EnumOutputs", uint32(hr)); err != nil {
				a.release()
				return nil, nil, err
			}
			var d outputDesc
			hr, _, _ = syscall.SyscallN(o.vtbl[vOutputGetDesc], uintptr(unsafe.Pointer(o)), uintptr(unsafe.Pointer(&d)))
			if check("IDXGIOutput::GetDesc", uint32(hr)) == nil {
				if d.Attached != 0 && d.Desktop.image() == bounds {
					return a, o, nil
				}
				seen = append(seen, d.Desktop.image().String())
			}
			o.release()
		}
		a.release()
	}
	return nil, nil, fmt.Errorf("no DXGI output attached to the desktop at %v (outputs at %v)", bounds, seen)
}

// duplicate (re)creates the duplication and, when the mode changed, the
// staging texture and frame.
func (s *dxgiSource) duplicate() error {
	var dupl *com
	hr, _, _ := syscall.SyscallN(s.output.vtbl[vOutput1DuplicateOut], uintptr(unsafe.Pointer(s.output)), uintptr(unsafe.Pointer(s.device)), uintptr(unsafe.Pointer(&dupl)))
	if err := check("IDXGIOutput1::DuplicateOutput", uint32(hr)); err != nil {
		return err
	}
	var d duplDesc
	syscall.SyscallN(dupl.vtbl[vDuplGetDesc], uintptr(unsafe.Pointer(dupl)), uintptr(unsafe.Pointer(&d)))
	if d.Rotation != rotationIdentity && d.Rotation != rotationUnspecified {
		// The duplicated image of a rotated monitor is in its native,
		// unrotated orientation; turning it is not implemented.
		dupl.release()
		return fmt.Errorf("monitor is rotated (DXGI_MODE_ROTATION %d)", d.Rotation)
	}
	var od outputDesc
	hr, _, _ = syscall.SyscallN(s.output.vtbl[vOutputGetDesc], uintptr(unsafe.Pointer(s.output)), uintptr(unsafe.Pointer(&od)))
	if err := check("IDXGIOutput::GetDesc", uint32(hr)); err != nil {
		dupl.release()
		return err
	}
	w, h := int(d.Width), int(d.Height)
	if w <= 0 || h <= 0 {
		dupl.release()
		return fmt.Errorf("duplication reports a %d×%d desktop", w, h)
	}
	if err := s.ensureStaging(w, h); err != nil {
		dupl.release()
		return err
	}
	s.bounds = od.Desktop.image()
	s.dupl = dupl
	return nil
}

// ensureStaging makes the staging texture and the frame w×h.
func (s *dxgiSource) ensureStaging(w, h int) error {
	if s.staging != nil && w == s.w && h == s.h {
		return nil
	}
	s.staging.release()
	s.staging = nil
	td := texture2DDesc{Width: uint32(w), Height: uint32(h), MipLevels: 1, ArraySize: 1, Format: dxgiFormatB8G8R8A8,
		SampleCount: 1, Usage: d3d11UsageStaging, CPUAccessFlags: d3d11CPUAccessRead}
	hr, _, _ := syscall.SyscallN(s.device.vtbl[vDeviceCreateTexture2D], uintptr(unsafe.Pointer(s.device)), uintptr(unsafe.Pointer(&td)), 0, uintptr(unsafe.Pointer(&s.staging)))
	if err := check("ID3D11Device::CreateTexture2D(staging)", uint32(hr)); err != nil {
		return err
	}
	s.w, s.h = w, h
	s.pix = make([]byte, w*h*4)
	s.ptr.at = image.Rectangle{} // it was drawn into the old frame
	s.have = false
	return nil
}

// Capture implements Source. With no new image since the last call (DXGI
// waits 0 ms for one) it returns the last frame with empty Dirty.
func (s *dxgiSource) Capture() (Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Frame{}, errors.New("capture: source closed")
	}
	deadline := time.Now().Add(time.Second)
	for {
		fresh, err := s.next()
		if err != nil {
			return Frame{}, err
		}
		if fresh {
			return s.frame(s.dirty), nil
		}
		if s.have {
			return s.frame([]image.Rectangle{}), nil
		}
		if time.Now().After(deadline) {
			return Frame{}, errors.New("DXGI delivered no desktop image within 1 s")
		}
	}
}

func (s *dxgiSource) frame(dirty []image.Rectangle) Frame {
	return Frame{Pix: s.pix, Stride: s.w * 4, Width: s.w, Height: s.h, Format: BGRA, Dirty: dirty}
}

// next acquires the next desktop image, if there is one, and copies its
// changes into s.pix. fresh reports whether it did.
func (s *dxgiSource) next() (fresh bool, err error) {
	if s.dupl == nil {
		// Lost earlier (desktop switch, UAC prompt, mode change): try to
		// regain it; until then the last image stands.
		if err := s.duplicate(); err != nil {
			if s.have {
				return false, nil
			}
			return false, err
		}
		s.log.Info("screen capture: DXGI duplication regained", "bounds", s.bounds.String())
		s.lost = false
		s.full = true
	}
	timeout := uintptr(0)
	if !s.have {
		timeout = 100
	}
	var info frameInfo
	var res *com
	hr, _, _ := syscall.SyscallN(s.dupl.vtbl[vDuplAcquireNextFrame], uintptr(unsafe.Pointer(s.dupl)), timeout, uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&res)))
	switch uint32(hr) {
	case hrDXGIWaitTimeout:
		return false, nil
	case hrDXGIAccessLost:
		s.dupl.release()
		s.dupl = nil
		if !s.lost {
			s.log.Info("screen capture: DXGI access lost, re-creating the duplication")
			s.lost = true
		}
		return false, nil
	}
	if err := check("IDXGIOutputDuplication::AcquireNextFrame", uint32(hr)); err != nil {
		return false, err
	}
	defer syscall.SyscallN(s.dupl.vtbl[vDuplReleaseFrame], uintptr(unsafe.Pointer(s.dupl)))
	defer res.release()
	moved := s.updatePointer(&info)
	if info.LastPresentTime == 0 && (!moved || !s.have) {
		return false, nil // nothing new, or only the pointer before any image
	}
	// The frame is kept without the pointer: take it out, apply the
	// changes, then draw it where it is now.
	wasAt := s.ptr.restore(s.pix, s.w*4)
	rects := s.dirty[:0]
	if info.LastPresentTime != 0 {
		rects = s.changedRects(&info)
		if !s.have || s.full {
			rects = append(rects[:0], image.Rect(0, 0, s.w, s.h))
		}
		if err := s.readback(res, rects); err != nil {
			return false, err
		}
	}
	var isAt image.Rectangle
	if !s.off.Load() {
		isAt = s.ptr.draw(s.pix, s.w*4, s.w, s.h)
	}
	for _, r := range []image.Rectangle{wasAt, isAt} {
		if !r.Empty() {
			rects = append(rects, r)
		}
	}
	s.dirty = rects
	s.have, s.full = true, false
	return true, nil
}

// readback copies the rectangles rs of the desktop image res (an
// IDXGIResource, or any interface of a B8G8R8A8 texture of the frame's
// size) into the frame, through the staging texture.
func (s *dxgiSource) readback(res *com, rs []image.Rectangle) error {
	tex, err := res.query("QueryInterface(ID3D11Texture2D)", &iidID3D11Texture2D)
	if err != nil {
		return err
	}
	syscall.SyscallN(s.ctx.vtbl[vContextCopyResource], uintptr(unsafe.Pointer(s.ctx)), uintptr(unsafe.Pointer(s.staging)), uintptr(unsafe.Pointer(tex)))
	tex.release()
	var m mappedSubresource
	hr, _, _ := syscall.SyscallN(s.ctx.vtbl[vContextMap], uintptr(unsafe.Pointer(s.ctx)), uintptr(unsafe.Pointer(s.staging)), 0, d3d11MapRead, 0, uintptr(unsafe.Pointer(&m)))
	if err := check("ID3D11DeviceContext::Map(staging)", uint32(hr)); err != nil {
		return err
	}
	defer syscall.SyscallN(s.ctx.vtbl[vContextUnmap], uintptr(unsafe.Pointer(s.ctx)), uintptr(unsafe.Pointer(s.staging)), 0)
	pitch := int(m.RowPitch)
	if pitch < s.w*4 || m.Data == nil {
		return fmt.Errorf("staging texture mapped with row pitch %d for %d pixels", pitch, s.w)
	}
	src := unsafe.Slice((*byte)(m.Data), pitch*(s.h-1)+s.w*4)
	copyRects(s.pix, s.w*4, src, pitch, rs)
	return nil
}

// updatePointer takes the pointer's position, visibility and, when it
// changed, shape from the frame, and reports whether any of them changed.
func (s *dxgiSource) updatePointer(info *frameInfo) bool {
	if info.LastMouseUpdateTime == 0 {
		return false
	}
	pos, visible := image.Pt(int(info.PointerX), int(info.PointerY)), info.PointerVisible != 0
	moved := pos != s.ptr.pos || visible != s.ptr.visible
	s.ptr.pos, s.ptr.visible = pos, visible
	if n := int(info.PointerShapeBufferSize); n > 0 {
		if cap(s.ptr.shape) < n {
			s.ptr.shape = make([]byte, n)
		}
		s.ptr.shape = s.ptr.shape[:n]
		var used uint32
		var si shapeInfo
		hr, _, _ := syscall.SyscallN(s.dupl.vtbl[vDuplGetPointerShape], uintptr(unsafe.Pointer(s.dupl)), uintptr(n),
			uintptr(unsafe.Pointer(&s.ptr.shape[0])), uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&si)))
		if check("GetFramePointerShape", uint32(hr)) == nil {
			s.ptr.info = si
			s.ptr.shape = s.ptr.shape[:used]
		} else {
			s.ptr.info = shapeInfo{} // draw nothing rather than a wrong shape
		}
		moved = true
	}
	return moved
}

// changedRects reads the frame's move and dirty rectangles, clamped to
// the frame; on any failure to read them it reports the whole frame.
func (s *dxgiSource) changedRects(info *frameInfo) []image.Rectangle {
	whole := append(s.dirty[:0], image.Rect(0, 0, s.w, s.h))
	n := int(info.TotalMetadataBufferSize)
	if n == 0 {
		return whole
	}
	if len(s.meta) < n {
		s.meta = make([]byte, n)
	}
	s.raw = s.raw[:0]
	var used uint32
	hr, _, _ := syscall.SyscallN(s.dupl.vtbl[vDuplGetMoveRects], uintptr(unsafe.Pointer(s.dupl)), uintptr(n), uintptr(unsafe.Pointer(&s.meta[0])), uintptr(unsafe.Pointer(&used)))
	if check("GetFrameMoveRects", uint32(hr)) != nil {
		return whole
	}
	for _, mr := range unsafe.Slice((*moveRect)(unsafe.Pointer(&s.meta[0])), int(used)/int(unsafe.Sizeof(moveRect{}))) {
		s.raw = append(s.raw, mr.Dst.image())
	}
	hr, _, _ = syscall.SyscallN(s.dupl.vtbl[vDuplGetDirtyRects], uintptr(unsafe.Pointer(s.dupl)), uintptr(n), uintptr(unsafe.Pointer(&s.meta[0])), uintptr(unsafe.Pointer(&used)))
	if check("GetFrameDirtyRects", uint32(hr)) != nil {
		return whole
	}
	for _, r := range unsafe.Slice((*rect)(unsafe.Pointer(&s.meta[0])), int(used)/int(unsafe.Sizeof(rect{}))) {
		s.raw = append(s.raw, r.image())
	}
	return clampRects(s.dirty, s.raw, s.w, s.h)
}

// Bounds implements Source.
func (s *dxgiSource) Bounds() image.Rectangle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bounds
}

// Path implements Source.
func (s *dxgiSource) Path() string { return "dxgi" }

// Close implements Source.
func (s *dxgiSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, o := range []**com{&s.dupl, &s.staging, &s.ctx, &s.device, &s.output} {
		(*o).release()
		*o = nil
	}
	return nil
}
