//go:build amd64

package wincap

import (
	"testing"
	"unsafe"
)

// TestDXGILayouts checks the Go structures against the sizes and offsets
// of the SDK's (dxgi.h, dxgi1_2.h, d3d11.h) on amd64. Wine exercises
// outputDesc, texture2DDesc and mappedSubresource; the duplication ones
// it never fills, so this is what checks them before a real Windows does.
func TestDXGILayouts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uintptr
	}{
		{"DXGI_OUTPUT_DESC", unsafe.Sizeof(outputDesc{}), 96},
		{"DXGI_OUTPUT_DESC.DesktopCoordinates", unsafe.Offsetof(outputDesc{}.Desktop), 64},
		{"DXGI_OUTPUT_DESC.Monitor", unsafe.Offsetof(outputDesc{}.Monitor), 88},
		{"DXGI_OUTDUPL_DESC", unsafe.Sizeof(duplDesc{}), 36},
		{"DXGI_OUTDUPL_DESC.Rotation", unsafe.Offsetof(duplDesc{}.Rotation), 28},
		{"DXGI_OUTDUPL_FRAME_INFO", unsafe.Sizeof(frameInfo{}), 48},
		{"DXGI_OUTDUPL_FRAME_INFO.AccumulatedFrames", unsafe.Offsetof(frameInfo{}.AccumulatedFrames), 16},
		{"DXGI_OUTDUPL_FRAME_INFO.PointerPosition", unsafe.Offsetof(frameInfo{}.PointerX), 28},
		{"DXGI_OUTDUPL_FRAME_INFO.PointerPosition.Visible", unsafe.Offsetof(frameInfo{}.PointerVisible), 36},
		{"DXGI_OUTDUPL_FRAME_INFO.TotalMetadataBufferSize", unsafe.Offsetof(frameInfo{}.TotalMetadataBufferSize), 40},
		{"DXGI_OUTDUPL_MOVE_RECT", unsafe.Sizeof(moveRect{}), 24},
		{"DXGI_OUTDUPL_MOVE_RECT.DestinationRect", unsafe.Offsetof(moveRect{}.Dst), 8},
		{"DXGI_OUTDUPL_POINTER_SHAPE_INFO", unsafe.Sizeof(shapeInfo{}), 24},
		{"RECT", unsafe.Sizeof(rect{}), 16},
		{"D3D11_TEXTURE2D_DESC", unsafe.Sizeof(texture2DDesc{}), 44},
		{"D3D11_MAPPED_SUBRESOURCE", unsafe.Sizeof(mappedSubresource{}), 16},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d bytes, want %d", tc.name, tc.got, tc.want)
		}
	}
}
