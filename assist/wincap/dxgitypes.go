package wincap

import "unsafe"

// DXGI and D3D11 structures, laid out as in the SDK headers (amd64).
type outputDesc struct {
	DeviceName [32]uint16
	Desktop    rect
	Attached   int32
	Rotation   uint32
	Monitor    uintptr
}

type duplDesc struct {
	Width, Height          uint32
	RefreshNum, RefreshDen uint32
	Format                 uint32
	ScanlineOrdering       uint32
	Scaling                uint32
	Rotation               uint32
	InSystemMemory         int32
}

type frameInfo struct {
	LastPresentTime           int64
	LastMouseUpdateTime       int64
	AccumulatedFrames         uint32
	RectsCoalesced            int32
	ProtectedContentMaskedOut int32
	PointerX, PointerY        int32
	PointerVisible            int32
	TotalMetadataBufferSize   uint32
	PointerShapeBufferSize    uint32
}

type texture2DDesc struct {
	Width, Height, MipLevels, ArraySize uint32
	Format                              uint32
	SampleCount, SampleQuality          uint32
	Usage, BindFlags, CPUAccessFlags    uint32
	MiscFlags                           uint32
}

type mappedSubresource struct {
	Data                 unsafe.Pointer
	RowPitch, DepthPitch uint32
}
