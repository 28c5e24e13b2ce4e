package wincap

import (
	"bytes"
	"flag"
	"image"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// painted is set by TestUnderWine, which paints the pattern on the X
// server Wine draws its desktop on. On a real Windows desktop the screen
// shows whatever it shows, so the colour checks are left out.
var painted = flag.Bool("painted", false, "the screen shows pattern(patternW, patternH)")

// TestWindowsCapture opens display 0 the way assist does and checks that
// the path taken is DXGI exactly when DXGI duplication works here, that
// the log names it (and why DXGI was not taken), and that the frame shows
// the screen.
func TestWindowsCapture(t *testing.T) {
	b, err := displayBounds(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("display 0 at %v", b)
	cursor := image.Pt(300, 100) // in the red quarter, away from the samples
	if *painted {
		if ok, _, err := syscall.SyscallN(windows.NewLazySystemDLL("user32.dll").NewProc("SetCursorPos").Addr(), uintptr(cursor.X), uintptr(cursor.Y)); ok == 0 {
			t.Fatalf("SetCursorPos: %v", err)
		}
	}
	dx, dxErr := newDXGI(b, slog.New(slog.DiscardHandler))
	if dxErr != nil {
		t.Logf("DXGI Desktop Duplication unavailable: %v", dxErr)
	} else {
		t.Log("DXGI Desktop Duplication works")
		dx.Close()
	}

	var logBuf bytes.Buffer
	s, err := Open(0, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := logBuf.String()
	t.Logf("log:\n%s", log)
	want := "dxgi"
	if dxErr != nil {
		want = "gdi"
		if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "path=dxgi") {
			t.Errorf("the log does not say why DXGI was not taken")
		}
	}
	if s.Path() != want {
		t.Fatalf("Open took %s, want %s", s.Path(), want)
	}
	if !strings.Contains(log, "level=INFO msg=\"screen capture\" display=0 path="+want) {
		t.Errorf("the log does not name the path taken (%s)", want)
	}
	if s.Bounds() != b {
		t.Errorf("Bounds() = %v, want %v", s.Bounds(), b)
	}

	for i := range 3 { // DXGI: the first frame is whole, later ones reuse it
		f, err := s.Capture()
		if err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
		if f.Width != b.Dx() || f.Height != b.Dy() || f.Stride < f.Width*4 || len(f.Pix) < f.Stride*(f.Height-1)+f.Width*4 {
			t.Fatalf("capture %d: frame %d×%d stride %d, %d bytes; want %d×%d", i, f.Width, f.Height, f.Stride, len(f.Pix), b.Dx(), b.Dy())
		}
		if !*painted {
			continue
		}
		if b != image.Rect(0, 0, patternW, patternH) {
			t.Fatalf("display at %v, want the painted %d×%d", b, patternW, patternH)
		}
		for _, p := range patternSamples {
			if got := rgbAt(f, p.x, p.y); got != p.rgb {
				t.Errorf("capture %d (%s, %v): pixel (%d,%d) = %v, want %v", i, s.Path(), f.Format, p.x, p.y, got, p.rgb)
			}
		}
		// The pointer is drawn in: some pixel of the 32×32 cell below
		// its hotspot is not the red underneath.
		drawn := 0
		for y := cursor.Y - 8; y < cursor.Y+32; y++ {
			for x := cursor.X - 8; x < cursor.X+32; x++ {
				if rgbAt(f, x, y) != [3]byte{0xff, 0, 0} {
					drawn++
				}
			}
		}
		if i == 0 {
			ci := cursorInfo{}
			ci.Size = uint32(unsafe.Sizeof(ci))
			syscall.SyscallN(procGetCursorInfo.Addr(), uintptr(unsafe.Pointer(&ci)))
			t.Logf("GetCursorInfo: %+v", ci)
			t.Logf("%s: %d pixels of the pointer drawn around %v", s.Path(), drawn, cursor)
		}
		if s.Path() == "gdi" && drawn == 0 {
			t.Errorf("capture %d (%s): no pointer drawn at %v", i, s.Path(), cursor)
		}
	}
}

// TestWindowsCaptureEnv starts from the last resort, kbinani/screenshot,
// as LIFELINE_CAPTURE=gdi-screenshot asks.
func TestWindowsCaptureEnv(t *testing.T) {
	t.Setenv(CaptureEnv, "gdi-screenshot")
	var logBuf bytes.Buffer
	s, err := Open(0, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != "gdi-screenshot" || strings.Contains(logBuf.String(), "path=dxgi") {
		t.Fatalf("Open took %s:\n%s", s.Path(), logBuf.String())
	}
	f, err := s.Capture()
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != RGBA {
		t.Errorf("format %v, want RGBA", f.Format)
	}
	if *painted {
		for _, p := range patternSamples {
			if got := rgbAt(f, p.x, p.y); got != p.rgb {
				t.Errorf("pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.rgb)
			}
		}
	}
}

// BenchmarkWindowsCapture measures full-screen captures per second of
// each path that works here.
func BenchmarkWindowsCapture(b *testing.B) {
	bounds, err := displayBounds(0)
	if err != nil {
		b.Fatal(err)
	}
	paths := []opener{
		{"gdi", func() (Source, error) { return newGDI(bounds) }},
		{"screenshot", func() (Source, error) { return newScreenshot(bounds), nil }},
		{"dxgi", func() (Source, error) { return newDXGI(bounds, slog.New(slog.DiscardHandler)) }},
	}
	for _, p := range paths {
		b.Run(p.path, func(b *testing.B) {
			s, err := p.open()
			if err != nil {
				b.Skipf("%s unavailable: %v", p.path, err)
			}
			defer s.Close()
			for b.Loop() {
				if _, err := s.Capture(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// subresourceData is a D3D11_SUBRESOURCE_DATA.
type subresourceData struct {
	Mem               unsafe.Pointer
	Pitch, SlicePitch uint32
}

var iidIDXGIResource = windows.GUID{Data1: 0x035f3ab4, Data2: 0x482e, Data3: 0x4e50, Data4: [8]byte{0xb4, 0x1f, 0x8a, 0x7f, 0x8b, 0xd8, 0x96, 0x0b}}

// TestWindowsD3D11Readback runs the DXGI path from the desktop image on:
// a B8G8R8A8 texture handed over as an IDXGIResource (as AcquireNextFrame
// does) is copied through the staging texture into the frame, whole and
// by rectangles. Wine implements all of this (only the duplication itself
// is missing), so the vtable slots and structure layouts past
// DuplicateOutput are checked there too.
func TestWindowsD3D11Readback(t *testing.T) {
	b, err := displayBounds(0)
	if err != nil {
		t.Fatal(err)
	}
	adapter, output, err := findOutput(b)
	if err != nil {
		t.Fatal(err)
	}
	output.release()
	defer adapter.release()
	s := &dxgiSource{log: slog.New(slog.DiscardHandler)}
	defer s.Close()
	if s.device, s.ctx, err = createDevice(adapter); err != nil {
		t.Fatal(err)
	}
	const w, h = 37, 21 // an odd width, so that mapped rows are likely padded
	if err := s.ensureStaging(w, h); err != nil {
		t.Fatal(err)
	}
	img := pattern(w, h)
	bgra := make([]byte, w*h*4)
	for i := 0; i < len(bgra); i += 4 {
		bgra[i], bgra[i+1], bgra[i+2], bgra[i+3] = img.Pix[i+2], img.Pix[i+1], img.Pix[i], 0xff
	}
	bgra[(5*w+30)*4] = 0x42 // one odd pixel, to catch transposed copies
	td := texture2DDesc{Width: w, Height: h, MipLevels: 1, ArraySize: 1, Format: dxgiFormatB8G8R8A8, SampleCount: 1,
		BindFlags: 0x8 /* D3D11_BIND_SHADER_RESOURCE */}
	init := subresourceData{Mem: unsafe.Pointer(&bgra[0]), Pitch: w * 4}
	var tex *com
	hr, _, _ := syscall.SyscallN(s.device.vtbl[vDeviceCreateTexture2D], uintptr(unsafe.Pointer(s.device)), uintptr(unsafe.Pointer(&td)), uintptr(unsafe.Pointer(&init)), uintptr(unsafe.Pointer(&tex)))
	if err := check("CreateTexture2D", uint32(hr)); err != nil {
		t.Fatal(err)
	}
	res, err := tex.query("QueryInterface(IDXGIResource)", &iidIDXGIResource)
	tex.release()
	if err != nil {
		t.Fatal(err)
	}
	defer res.release()

	if err := s.readback(res, []image.Rectangle{image.Rect(0, 0, w, h)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.pix, bgra) {
		t.Fatalf("whole readback differs from the texture")
	}
	part := image.Rect(25, 3, 33, 9)
	for i := range s.pix {
		s.pix[i] = 0x11
	}
	if err := s.readback(res, []image.Rectangle{part}); err != nil {
		t.Fatal(err)
	}
	for y := range h {
		for x := range w {
			o := (y*w + x) * 4
			want := []byte{0x11, 0x11, 0x11, 0x11}
			if image.Pt(x, y).In(part) {
				want = bgra[o : o+4]
			}
			if got := s.pix[o : o+4]; !bytes.Equal(got, want) {
				t.Fatalf("pixel (%d,%d) after a partial readback = %x, want %x", x, y, got, want)
			}
		}
	}
}
