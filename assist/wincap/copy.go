package wincap

import (
	"fmt"
	"image"
)

// rect is a Windows RECT.
type rect struct{ Left, Top, Right, Bottom int32 }

func (r rect) image() image.Rectangle {
	return image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom))
}

// moveRect is a DXGI_OUTDUPL_MOVE_RECT: the pixels at Dst came from the
// same-sized area at (SrcX, SrcY).
type moveRect struct {
	SrcX, SrcY int32
	Dst        rect
}

// clampRects intersects rs with the w×h frame, drops empty ones, and
// appends the result to out[:0]. A driver may report rectangles that
// reach past the surface (seen after mode changes); copying them as given
// would read or write out of bounds.
func clampRects(out []image.Rectangle, rs []image.Rectangle, w, h int) []image.Rectangle {
	out = out[:0]
	frame := image.Rect(0, 0, w, h)
	for _, r := range rs {
		if r = r.Canon().Intersect(frame); !r.Empty() {
			out = append(out, r)
		}
	}
	return out
}

// copyRects copies the rectangles rs (already clamped to the frame) of a
// 4-byte-per-pixel image from src, whose rows are srcPitch bytes apart
// (a mapped GPU texture pads its rows), to dst, whose rows are dstStride
// bytes apart.
func copyRects(dst []byte, dstStride int, src []byte, srcPitch int, rs []image.Rectangle) {
	for _, r := range rs {
		x0, x1 := r.Min.X*4, r.Max.X*4
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(dst[y*dstStride+x0:y*dstStride+x1], src[y*srcPitch+x0:y*srcPitch+x1])
		}
	}
}

// HRESULTs this package tells apart.
const (
	hrOK                    = 0
	hrEAccessDenied         = 0x80070005
	hrENotImpl              = 0x80004001
	hrENoInterface          = 0x80004002
	hrEInvalidArg           = 0x80070057
	hrDXGIInvalidCall       = 0x887A0001
	hrDXGINotFound          = 0x887A0002
	hrDXGIMoreData          = 0x887A0003
	hrDXGIUnsupported       = 0x887A0004
	hrDXGIDeviceRemoved     = 0x887A0005
	hrDXGINotAvailable      = 0x887A0022 // DXGI_ERROR_NOT_CURRENTLY_AVAILABLE
	hrDXGIAccessLost        = 0x887A0026
	hrDXGIWaitTimeout       = 0x887A0027
	hrDXGISessionDisconnect = 0x887A0028
)

var hrNames = map[uint32]string{
	hrEAccessDenied:         "E_ACCESSDENIED (secure desktop such as UAC or the lock screen)",
	hrENotImpl:              "E_NOTIMPL",
	hrENoInterface:          "E_NOINTERFACE",
	hrEInvalidArg:           "E_INVALIDARG",
	hrDXGIInvalidCall:       "DXGI_ERROR_INVALID_CALL",
	hrDXGINotFound:          "DXGI_ERROR_NOT_FOUND",
	hrDXGIMoreData:          "DXGI_ERROR_MORE_DATA",
	hrDXGIUnsupported:       "DXGI_ERROR_UNSUPPORTED",
	hrDXGIDeviceRemoved:     "DXGI_ERROR_DEVICE_REMOVED",
	hrDXGINotAvailable:      "DXGI_ERROR_NOT_CURRENTLY_AVAILABLE (too many duplications of this output)",
	hrDXGIAccessLost:        "DXGI_ERROR_ACCESS_LOST",
	hrDXGIWaitTimeout:       "DXGI_ERROR_WAIT_TIMEOUT",
	hrDXGISessionDisconnect: "DXGI_ERROR_SESSION_DISCONNECTED",
}

// hresultError is a failed COM call.
type hresultError struct {
	op string
	hr uint32
}

func (e *hresultError) Error() string {
	if n, ok := hrNames[e.hr]; ok {
		return fmt.Sprintf("%s: %s (0x%08X)", e.op, n, e.hr)
	}
	return fmt.Sprintf("%s: HRESULT 0x%08X", e.op, e.hr)
}

// check returns nil for a successful HRESULT (high bit clear) and an
// *hresultError otherwise.
func check(op string, hr uint32) error {
	if hr&0x80000000 == 0 {
		return nil
	}
	return &hresultError{op: op, hr: hr}
}
