package vpx

import (
	"bytes"
	"math"
	"testing"
)

// TestDecodeMeasuresQuality encodes a picture at a high and a starved
// bitrate, decodes both streams and checks that SSIM and PSNR against the
// encoder's own luma rank them: identical planes score 1 (and the PSNR
// ceiling), the generous stream close to it, the starved one clearly lower.
func TestDecodeMeasuresQuality(t *testing.T) {
	const w, h = 320, 240
	src := noise(w, h, 9)
	ref, err := Luma(src, w*4, BGRA, w, h, w, h)
	if err != nil {
		t.Fatal(err)
	}
	if s := SSIM(ref, ref, w, h); math.Abs(s-1) > 1e-9 {
		t.Errorf("SSIM of a plane with itself = %v, want 1", s)
	}
	quality := func(kbps int) (ssim, psnr float64) {
		e, err := NewEncoder(Config{SrcWidth: w, SrcHeight: h, BitrateKbps: kbps, MaxQuantizer: 63})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		d, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for i := range 10 {
			f, err := e.Encode(src, w*4, BGRA, int64(i*33), 33, i == 0)
			if err != nil {
				t.Fatal(err)
			}
			if f.Data == nil {
				continue
			}
			y, dw, dh, err := d.Decode(f.Data)
			if err != nil {
				t.Fatal(err)
			}
			if dw != w || dh != h {
				t.Fatalf("decoded %dx%d, want %dx%d", dw, dh, w, h)
			}
			ssim, psnr = SSIM(ref, y, w, h), PSNR(ref, y, w, h)
		}
		return ssim, psnr
	}
	hiS, hiP := quality(8000)
	loS, loP := quality(60)
	t.Logf("SSIM %.4f / %.4f, PSNR %.1f / %.1f dB (8 Mbit/s / 60 kbit/s)", hiS, loS, hiP, loP)
	if hiS < 0.95 || hiS <= loS || hiP <= loP+3 {
		t.Errorf("quality does not follow the bitrate: SSIM %.4f vs %.4f, PSNR %.1f vs %.1f", hiS, loS, hiP, loP)
	}
	if _, _, _, err := (&Decoder{}).Decode([]byte{1}); err != ErrClosed {
		t.Errorf("Decode on a closed decoder: %v, want ErrClosed", err)
	}
	d, _ := NewDecoder()
	defer d.Close()
	if _, _, _, err := d.Decode(bytes.Repeat([]byte{0xff}, 40)); err == nil {
		t.Error("Decode of garbage: no error")
	}
}

func TestLumaScales(t *testing.T) {
	src := noise(64, 64, 1)
	y, err := Luma(src, 64*4, RGBA, 64, 64, 32, 32)
	if err != nil || len(y) != 32*32 {
		t.Fatalf("Luma scaled: %d bytes, %v", len(y), err)
	}
	if _, err := Luma(src, 64*4, RGBA, 64, 64, 128, 128); err == nil {
		t.Error("Luma upscaling: no error")
	}
}
