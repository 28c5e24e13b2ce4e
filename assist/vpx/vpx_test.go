package vpx

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// vp8Key parses the VP8 frame tag (RFC 6386 section 9.1) and, for a
// keyframe, the start code and dimensions.
func vp8Key(t *testing.T, b []byte) (key bool, w, h int) {
	t.Helper()
	if len(b) < 3 {
		t.Fatalf("frame too short: %d bytes", len(b))
	}
	if b[0]&1 != 0 {
		return false, 0, 0
	}
	if len(b) < 10 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		t.Fatalf("keyframe without start code: % x", b[:min(len(b), 10)])
	}
	return true, int(binary.LittleEndian.Uint16(b[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(b[8:]) & 0x3fff)
}

func noise(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	p := make([]byte, w*h*4)
	for i := range p {
		// A gradient with moderate noise: compressible, but costly at high quality.
		p[i] = byte(i/(w*4)) + byte(r.Uint32()&31)
	}
	return p
}

func TestEncodeKeyframesAndSize(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		format PixelFormat
		wantW  int
		wantH  int
	}{
		{"bgra same size", Config{SrcWidth: 320, SrcHeight: 240}, BGRA, 320, 240},
		{"rgba same size", Config{SrcWidth: 320, SrcHeight: 240}, RGBA, 320, 240},
		{"scaled down", Config{SrcWidth: 640, SrcHeight: 480, Width: 320, Height: 240}, BGRA, 320, 240},
		{"odd size", Config{SrcWidth: 333, SrcHeight: 201}, BGRA, 333, 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEncoder(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			pix := noise(tt.cfg.SrcWidth, tt.cfg.SrcHeight, 1)
			stride := tt.cfg.SrcWidth * 4
			var keys []bool
			for i := range 6 {
				// Change a band each frame so the encoder has work to do.
				for j := i * stride; j < (i+4)*stride; j++ {
					pix[j] ^= 0x55
				}
				f, err := e.Encode(pix, stride, tt.format, int64(i*33), 33, i == 4)
				if err != nil {
					t.Fatal(err)
				}
				if f.Data == nil {
					t.Fatalf("frame %d dropped", i)
				}
				k, w, h := vp8Key(t, f.Data)
				if k != f.Keyframe {
					t.Errorf("frame %d: header says key=%v, encoder says %v", i, k, f.Keyframe)
				}
				if k && (w != tt.wantW || h != tt.wantH) {
					t.Errorf("frame %d: keyframe size %dx%d, want %dx%d", i, w, h, tt.wantW, tt.wantH)
				}
				keys = append(keys, k)
			}
			want := []bool{true, false, false, false, true, false}
			for i := range want {
				if keys[i] != want[i] {
					t.Errorf("keyframes = %v, want %v", keys, want)
					break
				}
			}
		})
	}
}

func TestSetBitrateChangesFrameSize(t *testing.T) {
	size := func(kbps int) int {
		e, err := NewEncoder(Config{SrcWidth: 320, SrcHeight: 240, BitrateKbps: 2000})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		total := 0
		for i := range 30 {
			if i == 10 {
				if err := e.SetBitrate(kbps); err != nil {
					t.Fatal(err)
				}
			}
			f, err := e.Encode(noise(320, 240, uint64(i)), 320*4, BGRA, int64(i*33), 33, false)
			if err != nil {
				t.Fatal(err)
			}
			if i >= 20 {
				total += len(f.Data)
			}
		}
		return total
	}
	low, high := size(100), size(3000)
	if low*2 > high {
		t.Errorf("bytes at 100 kbit/s = %d, at 3000 kbit/s = %d; want a clear difference", low, high)
	}
}

func TestInvalidInput(t *testing.T) {
	if _, err := NewEncoder(Config{}); err == nil {
		t.Error("NewEncoder with zero size: no error")
	}
	if _, err := NewEncoder(Config{SrcWidth: 100, SrcHeight: 100, Width: 200, Height: 200}); err == nil {
		t.Error("NewEncoder upscaling: no error")
	}
	e, err := NewEncoder(Config{SrcWidth: 64, SrcHeight: 64})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode(make([]byte, 10), 256, BGRA, 0, 33, false); err == nil {
		t.Error("Encode with short buffer: no error")
	}
	e.Close()
	if _, err := e.Encode(make([]byte, 64*64*4), 256, BGRA, 0, 33, false); err != ErrClosed {
		t.Errorf("Encode after Close: %v, want ErrClosed", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestDropFrameThresholdHoldsBitrate(t *testing.T) {
	e, err := NewEncoder(Config{SrcWidth: 320, SrcHeight: 240, BitrateKbps: 100, DropFrameThreshold: 30, MaxQuantizer: 63})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	dropped := 0
	for i := range 30 {
		f, err := e.Encode(noise(320, 240, uint64(i)), 320*4, BGRA, int64(i*33), 33, false)
		if err != nil {
			t.Fatal(err)
		}
		if f.Data == nil {
			dropped++
		}
	}
	if dropped == 0 {
		t.Error("no frame dropped at 100 kbit/s of changing noise")
	}
}
