package vpx

/*
#include <stdlib.h>
#include <string.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8dx.h>
#include <libyuv/convert.h>
#include <libyuv/convert_from_argb.h>
#include <libyuv/scale.h>
#include <libyuv/compare.h>

static int lldec_init(vpx_codec_ctx_t *ctx) {
	return vpx_codec_dec_init(ctx, vpx_codec_vp8_dx(), NULL, 0);
}

// lldec_decode decodes one frame; *img is its picture (NULL when the
// decoder gave none). Returns 0 or the libvpx error.
static int lldec_decode(vpx_codec_ctx_t *ctx, const uint8_t *data, size_t n, vpx_image_t **img) {
	vpx_codec_err_t err = vpx_codec_decode(ctx, data, (unsigned int)n, NULL, 0);
	if (err) return err;
	vpx_codec_iter_t iter = NULL;
	*img = vpx_codec_get_frame(ctx, &iter);
	return 0;
}

// llluma converts 4-byte pixels to the I420 luma the encoder would see
// (the same libyuv conversion and bilinear scaling) into y, w×h packed.
static int llluma(const uint8_t *pix, int stride, int rgba, int sw, int sh,
                  uint8_t *y, int w, int h) {
	int cs = (sw + 1) / 2;
	size_t sy = (size_t)sw * sh, sc = (size_t)cs * ((sh + 1) / 2);
	uint8_t *tmp = malloc(sy + 2 * sc);
	if (!tmp) return -1;
	uint8_t *u = tmp + sy, *v = u + sc;
	int r = rgba ? ABGRToI420(pix, stride, tmp, sw, u, cs, v, cs, sw, sh)
	             : ARGBToI420(pix, stride, tmp, sw, u, cs, v, cs, sw, sh);
	if (!r) {
		if (sw == w && sh == h) memcpy(y, tmp, sy);
		else ScalePlane(tmp, sw, sw, sh, y, w, w, h, kFilterBilinear);
	}
	free(tmp);
	return r;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// Decoder is a VP8 decoder. VP8 decoding is bit-exact, so what it returns
// is the picture a browser shows for the same stream: benchmarks compare it
// with the source to measure what the technician can read.
type Decoder struct {
	ctx  *C.vpx_codec_ctx_t
	luma []byte
}

// NewDecoder creates a VP8 decoder. Call Close to free it.
func NewDecoder() (*Decoder, error) {
	ctx := (*C.vpx_codec_ctx_t)(C.calloc(1, C.size_t(unsafe.Sizeof(C.vpx_codec_ctx_t{}))))
	if ctx == nil {
		return nil, errors.New("vpx: out of memory")
	}
	if rc := C.lldec_init(ctx); rc != 0 {
		C.free(unsafe.Pointer(ctx))
		return nil, fmt.Errorf("vpx: init decoder: %s", C.GoString(C.vpx_codec_err_to_string(C.vpx_codec_err_t(rc))))
	}
	return &Decoder{ctx: ctx}, nil
}

// Decode decodes one frame and returns its luma plane (w×h bytes, rows
// packed; valid until the next call).
func (d *Decoder) Decode(frame []byte) (y []byte, w, h int, err error) {
	if d.ctx == nil {
		return nil, 0, 0, ErrClosed
	}
	if len(frame) == 0 {
		return nil, 0, 0, errors.New("vpx: empty frame")
	}
	var img *C.vpx_image_t
	rc := C.lldec_decode(d.ctx, (*C.uint8_t)(unsafe.Pointer(&frame[0])), C.size_t(len(frame)), &img)
	runtime.KeepAlive(frame)
	if rc != 0 {
		return nil, 0, 0, fmt.Errorf("vpx: decode: %s", C.GoString(C.vpx_codec_err_to_string(C.vpx_codec_err_t(rc))))
	}
	if img == nil {
		return nil, 0, 0, errors.New("vpx: decoder gave no picture")
	}
	w, h = int(img.d_w), int(img.d_h)
	stride := int(img.stride[0])
	if cap(d.luma) < w*h {
		d.luma = make([]byte, w*h)
	}
	d.luma = d.luma[:w*h]
	plane := unsafe.Slice((*byte)(unsafe.Pointer(img.planes[0])), stride*(h-1)+w)
	for r := range h {
		copy(d.luma[r*w:(r+1)*w], plane[r*stride:])
	}
	return d.luma, w, h, nil
}

// Close frees the decoder. It is safe to call more than once.
func (d *Decoder) Close() error {
	if d.ctx == nil {
		return nil
	}
	C.vpx_codec_destroy(d.ctx)
	C.free(unsafe.Pointer(d.ctx))
	d.ctx = nil
	return nil
}

// Luma returns the luma plane the encoder sees for a frame of 4-byte
// pixels (sw×sh, rows of stride bytes) encoded at w×h: the same libyuv
// conversion and, when the sizes differ, the same bilinear scaling.
func Luma(pix []byte, stride int, f PixelFormat, sw, sh, w, h int) ([]byte, error) {
	if sw <= 0 || sh <= 0 || w <= 0 || h <= 0 || w > sw || h > sh || stride < sw*4 || len(pix) < stride*(sh-1)+sw*4 {
		return nil, fmt.Errorf("vpx: invalid luma request %dx%d → %dx%d (stride %d, %d bytes)", sw, sh, w, h, stride, len(pix))
	}
	y := make([]byte, w*h)
	rgba := 0
	if f == RGBA {
		rgba = 1
	}
	rc := C.llluma((*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(stride), C.int(rgba), C.int(sw), C.int(sh),
		(*C.uint8_t)(unsafe.Pointer(&y[0])), C.int(w), C.int(h))
	runtime.KeepAlive(pix)
	if rc != 0 {
		return nil, errors.New("vpx: libyuv conversion failed")
	}
	return y, nil
}

// SSIM is libyuv's structural similarity of two w×h luma planes (rows
// packed): 1 for identical pictures; text stays legible above ≈ 0.95.
func SSIM(a, b []byte, w, h int) float64 {
	if w <= 0 || h <= 0 || len(a) < w*h || len(b) < w*h {
		return 0
	}
	s := C.CalcFrameSsim((*C.uint8_t)(unsafe.Pointer(&a[0])), C.int(w), (*C.uint8_t)(unsafe.Pointer(&b[0])), C.int(w), C.int(w), C.int(h))
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	return float64(s)
}

// PSNR is libyuv's peak signal-to-noise ratio of two w×h luma planes in
// dB (128 for identical pictures).
func PSNR(a, b []byte, w, h int) float64 {
	if w <= 0 || h <= 0 || len(a) < w*h || len(b) < w*h {
		return 0
	}
	s := C.CalcFramePsnr((*C.uint8_t)(unsafe.Pointer(&a[0])), C.int(w), (*C.uint8_t)(unsafe.Pointer(&b[0])), C.int(w), C.int(w), C.int(h))
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	return float64(s)
}
