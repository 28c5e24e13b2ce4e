// Package vpx is a small cgo binding to libvpx's VP8 encoder in realtime
// mode, with libyuv doing the BGRA/RGBA → I420 conversion (and optional
// downscaling) in the same cgo call.
//
// It needs the Debian packages libvpx-dev and libyuv-dev.
//
// The encoder is configured for interactive screen sharing:
// VPX_DL_REALTIME, VP8E_SET_CPUUSED, rc_end_usage=VPX_CBR,
// g_error_resilient, g_lag_in_frames=0 and a bounded keyframe distance.
// The bitrate can be changed while encoding (SetBitrate) and a keyframe
// can be forced per frame.
//
// An Encoder is not safe for concurrent use.
package vpx

/*
#cgo pkg-config: vpx
#cgo LDFLAGS: -lyuv
#include <stdlib.h>
#include <string.h>
#include <vpx/vpx_encoder.h>
#include <vpx/vp8cx.h>
#include <libyuv/convert.h>
#include <libyuv/scale.h>

typedef struct {
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t cfg;
	vpx_image_t img;      // encoder-size I420 image (wraps buf)
	uint8_t *buf;         // encoder-size I420 planes
	uint8_t *src;         // source-size I420 planes, only when scaling
	int src_w, src_h;
	int64_t pts;
} llenc;

static int llenc_init(llenc *e, int src_w, int src_h, int w, int h, int fps,
                      int kbps, int cpuused, int threads, int kf_max,
                      int screen, int min_q, int max_q, int drop, int static_thresh) {
	memset(e, 0, sizeof(*e));
	vpx_codec_err_t err = vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &e->cfg, 0);
	if (err) return err;
	e->cfg.g_w = w;
	e->cfg.g_h = h;
	e->cfg.g_timebase.num = 1;
	e->cfg.g_timebase.den = 1000; // pts in milliseconds
	e->cfg.g_threads = threads;
	e->cfg.g_lag_in_frames = 0;
	e->cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	e->cfg.g_pass = VPX_RC_ONE_PASS;
	e->cfg.rc_end_usage = VPX_CBR;
	e->cfg.rc_target_bitrate = kbps;
	e->cfg.rc_min_quantizer = min_q;
	e->cfg.rc_max_quantizer = max_q;
	e->cfg.rc_undershoot_pct = 95;
	e->cfg.rc_overshoot_pct = 15;
	e->cfg.rc_buf_sz = 1000;
	e->cfg.rc_buf_initial_sz = 500;
	e->cfg.rc_buf_optimal_sz = 600;
	e->cfg.rc_dropframe_thresh = drop;
	e->cfg.kf_mode = VPX_KF_AUTO;
	e->cfg.kf_min_dist = 0;
	e->cfg.kf_max_dist = kf_max;
	err = vpx_codec_enc_init(&e->ctx, vpx_codec_vp8_cx(), &e->cfg, 0);
	if (err) return err;
	vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, cpuused);
	vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0);
	vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, static_thresh);
	vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300);
	if (threads > 1) vpx_codec_control(&e->ctx, VP8E_SET_TOKEN_PARTITIONS, VP8_TWO_TOKENPARTITION);
	if (screen) vpx_codec_control(&e->ctx, VP8E_SET_SCREEN_CONTENT_MODE, screen);

	size_t ysz = (size_t)w * h;
	size_t csz = (size_t)((w + 1) / 2) * ((h + 1) / 2);
	e->buf = malloc(ysz + 2 * csz);
	if (!e->buf) { vpx_codec_destroy(&e->ctx); return VPX_CODEC_MEM_ERROR; }
	vpx_img_wrap(&e->img, VPX_IMG_FMT_I420, w, h, 1, e->buf);
	e->src_w = src_w;
	e->src_h = src_h;
	if (src_w != w || src_h != h) {
		size_t sy = (size_t)src_w * src_h;
		size_t sc = (size_t)((src_w + 1) / 2) * ((src_h + 1) / 2);
		e->src = malloc(sy + 2 * sc);
		if (!e->src) { free(e->buf); vpx_codec_destroy(&e->ctx); return VPX_CODEC_MEM_ERROR; }
	}
	return 0;
}

static void llenc_free(llenc *e) {
	vpx_codec_destroy(&e->ctx);
	free(e->buf);
	free(e->src);
}

static int llenc_set_bitrate(llenc *e, int kbps) {
	e->cfg.rc_target_bitrate = kbps;
	return vpx_codec_enc_config_set(&e->ctx, &e->cfg);
}

// llenc_encode converts pix (4 bytes per pixel; rgba!=0 means R,G,B,A byte
// order, otherwise B,G,R,A) to I420, scales it if needed and encodes it.
// The compressed frame is copied to out (capacity outcap). Returns the
// number of bytes written, 0 when the encoder produced nothing, or a
// negative value on error (-1000-n for buffer too small, -err otherwise).
static int llenc_encode(llenc *e, const uint8_t *pix, int stride, int rgba,
                        int64_t pts, int64_t dur, int force_key, int sharp_q, int static_thresh,
                        uint8_t *out, int outcap, int *is_key) {
	int w = e->cfg.g_w, h = e->cfg.g_h;
	uint8_t *y, *u, *v;
	int sw = e->src_w, sh = e->src_h;
	if (e->src) {
		y = e->src; u = y + sw * sh; v = u + ((sw + 1) / 2) * ((sh + 1) / 2);
	} else {
		y = e->img.planes[0]; u = e->img.planes[1]; v = e->img.planes[2];
	}
	int cs = (sw + 1) / 2;
	int r = rgba ? ABGRToI420(pix, stride, y, sw, u, cs, v, cs, sw, sh)
	             : ARGBToI420(pix, stride, y, sw, u, cs, v, cs, sw, sh);
	if (r) return -2000;
	if (e->src) {
		r = I420Scale(y, sw, u, cs, v, cs, sw, sh,
		              e->img.planes[0], e->img.stride[0],
		              e->img.planes[1], e->img.stride[1],
		              e->img.planes[2], e->img.stride[2],
		              w, h, kFilterBilinear);
		if (r) return -2001;
	}
	vpx_enc_frame_flags_t flags = force_key ? VPX_EFLAG_FORCE_KF : 0;
	unsigned int min_q = e->cfg.rc_min_quantizer, max_q = e->cfg.rc_max_quantizer;
	if (sharp_q > 0) {
		// One frame at a fine quantizer whatever its size, every
		// macroblock coded: a still screen made sharp.
		e->cfg.rc_min_quantizer = sharp_q < (int)min_q ? (unsigned int)sharp_q : min_q;
		e->cfg.rc_max_quantizer = sharp_q;
		vpx_codec_enc_config_set(&e->ctx, &e->cfg);
		vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 0);
	}
	vpx_codec_err_t err = vpx_codec_encode(&e->ctx, &e->img, pts, dur, flags, VPX_DL_REALTIME);
	if (sharp_q > 0) {
		e->cfg.rc_min_quantizer = min_q;
		e->cfg.rc_max_quantizer = max_q;
		vpx_codec_enc_config_set(&e->ctx, &e->cfg);
		vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, static_thresh);
	}
	if (err) return -(int)err;
	vpx_codec_iter_t iter = NULL;
	const vpx_codec_cx_pkt_t *pkt;
	int n = 0;
	*is_key = 0;
	while ((pkt = vpx_codec_get_cx_data(&e->ctx, &iter)) != NULL) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
		if (n + (int)pkt->data.frame.sz > outcap) return -1000 - (n + (int)pkt->data.frame.sz);
		memcpy(out + n, pkt->data.frame.buf, pkt->data.frame.sz);
		n += pkt->data.frame.sz;
		if (pkt->data.frame.flags & VPX_FRAME_IS_KEY) *is_key = 1;
	}
	return n;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// PixelFormat is the byte order of the 4-byte pixels handed to Encode.
type PixelFormat int

const (
	// BGRA is B,G,R,A in memory: what X11 ZPixmap images hold on
	// little-endian machines (libyuv calls it "ARGB").
	BGRA PixelFormat = iota
	// RGBA is R,G,B,A in memory, as in Go's image.RGBA (libyuv "ABGR").
	RGBA
)

// Config configures an Encoder. Zero fields take the defaults noted.
type Config struct {
	// SrcWidth and SrcHeight are the size of the frames passed to Encode.
	SrcWidth, SrcHeight int
	// Width and Height are the encoded size; zero means the source size.
	// When smaller than the source, frames are scaled with libyuv.
	Width, Height int
	// FPS is the nominal frame rate, used for rate control (default 30).
	FPS int
	// BitrateKbps is the target bitrate in kbit/s (default 1000).
	BitrateKbps int
	// CPUUsed is VP8E_SET_CPUUSED, -16..16, higher |n| is faster. In
	// realtime mode a positive value lets libvpx raise the speed on its own
	// whenever a frame takes more than (16-n)/16 of the frame time, a
	// negative value fixes the speed at -n. Default -4: from speed 5 on the
	// motion search misses text scrolled by more than one line between two
	// frames (a wheel notch, a scroll seen at a lower frame rate) and those
	// frames get 2.6-3.4× larger at a lower SSIM; speed 4 costs about
	// 20 % more CPU than 6. See assist/BENCHMARKS.md (BenchmarkEncoderLevers).
	CPUUsed int
	// Threads is g_threads (default 1).
	Threads int
	// KeyframeMaxDist is kf_max_dist in frames (default 3000; keyframes
	// are normally produced on the viewer's request).
	KeyframeMaxDist int
	// ScreenContent is VP8E_SET_SCREEN_CONTENT_MODE: 0 off, 1 on, 2 on
	// with a more aggressive rate control.
	ScreenContent int
	// StaticThreshold is VP8E_SET_STATIC_THRESHOLD: a macroblock whose
	// prediction error is below it is coded as unchanged (default 1: only
	// exact matches).
	StaticThreshold int
	// MinQuantizer and MaxQuantizer bound the quantizer (defaults 4 and 56).
	MinQuantizer, MaxQuantizer int
	// DropFrameThreshold is rc_dropframe_thresh: the buffer fullness (in
	// percent) under which the rate control drops a frame to hold the
	// bitrate (Encode then returns a Frame without Data). 0 never drops.
	DropFrameThreshold int
}

// ErrClosed is returned by methods of a closed Encoder.
var ErrClosed = errors.New("vpx: encoder closed")

// ErrFrameLost means a frame was encoded but could not be returned; the
// decoder's reference chain is broken, so the caller should force a
// keyframe next.
var ErrFrameLost = errors.New("vpx: encoded frame lost")

// Encoder is a VP8 realtime encoder.
type Encoder struct {
	c      *C.llenc
	cfg    Config
	out    []byte
	closed bool
}

func (c *Config) defaults() error {
	if c.SrcWidth <= 0 || c.SrcHeight <= 0 {
		return fmt.Errorf("vpx: invalid source size %dx%d", c.SrcWidth, c.SrcHeight)
	}
	if c.Width == 0 || c.Height == 0 {
		c.Width, c.Height = c.SrcWidth, c.SrcHeight
	}
	if c.Width > c.SrcWidth || c.Height > c.SrcHeight || c.Width < 16 || c.Height < 16 {
		return fmt.Errorf("vpx: invalid encoded size %dx%d for source %dx%d", c.Width, c.Height, c.SrcWidth, c.SrcHeight)
	}
	if c.FPS <= 0 {
		c.FPS = 30
	}
	if c.BitrateKbps <= 0 {
		c.BitrateKbps = 1000
	}
	if c.CPUUsed == 0 {
		c.CPUUsed = -4
	}
	if c.CPUUsed < -16 || c.CPUUsed > 16 {
		return fmt.Errorf("vpx: CPUUsed %d out of range -16..16", c.CPUUsed)
	}
	if c.Threads <= 0 {
		c.Threads = 1
	}
	if c.StaticThreshold <= 0 {
		c.StaticThreshold = 1
	}
	if c.ScreenContent < 0 || c.ScreenContent > 2 {
		return fmt.Errorf("vpx: ScreenContent %d out of range 0..2", c.ScreenContent)
	}
	if c.KeyframeMaxDist <= 0 {
		c.KeyframeMaxDist = 3000
	}
	if c.MinQuantizer == 0 {
		c.MinQuantizer = 4
	}
	if c.MaxQuantizer == 0 {
		c.MaxQuantizer = 56
	}
	return nil
}

// NewEncoder creates a VP8 encoder. Call Close to free it.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	c := (*C.llenc)(C.calloc(1, C.size_t(unsafe.Sizeof(C.llenc{}))))
	if c == nil {
		return nil, errors.New("vpx: out of memory")
	}
	if rc := C.llenc_init(c, C.int(cfg.SrcWidth), C.int(cfg.SrcHeight), C.int(cfg.Width), C.int(cfg.Height),
		C.int(cfg.FPS), C.int(cfg.BitrateKbps), C.int(cfg.CPUUsed), C.int(cfg.Threads),
		C.int(cfg.KeyframeMaxDist), C.int(cfg.ScreenContent), C.int(cfg.MinQuantizer), C.int(cfg.MaxQuantizer), C.int(cfg.DropFrameThreshold),
		C.int(cfg.StaticThreshold)); rc != 0 {
		C.free(unsafe.Pointer(c))
		return nil, fmt.Errorf("vpx: init encoder: %s", C.GoString(C.vpx_codec_err_to_string(C.vpx_codec_err_t(rc))))
	}
	// The output buffer holds a raw I420 frame plus slack: a VP8 frame
	// larger than that would be pathological; if it happens the buffer grows.
	return &Encoder{c: c, cfg: cfg, out: make([]byte, cfg.Width*cfg.Height*3/2+65536)}, nil
}

// Config returns the effective configuration (defaults filled in).
func (e *Encoder) Config() Config { return e.cfg }

// Frame is one encoded VP8 frame.
type Frame struct {
	Data     []byte // owned by the caller
	Keyframe bool
}

// Encode converts and encodes one frame. pix holds SrcHeight rows of
// stride bytes, 4 bytes per pixel in format f. ptsMillis is the
// presentation time in milliseconds and must increase. If forceKey is set
// the frame is a keyframe. A returned Frame with nil Data means the
// encoder dropped the frame.
func (e *Encoder) Encode(pix []byte, stride int, f PixelFormat, ptsMillis, durMillis int64, forceKey bool) (Frame, error) {
	return e.encode(pix, stride, f, ptsMillis, durMillis, forceKey, 0)
}

// EncodeSharp encodes one frame as Encode does but at quantizer q (0..63,
// lower is finer) whatever it costs, with every macroblock coded: for a
// screen that has stopped changing, whose picture the rate control left
// coarse. The following frames are rate-controlled again.
func (e *Encoder) EncodeSharp(pix []byte, stride int, f PixelFormat, ptsMillis, durMillis int64, q int) (Frame, error) {
	if q < 1 || q > 63 {
		return Frame{}, fmt.Errorf("vpx: sharp quantizer %d out of range 1..63", q)
	}
	return e.encode(pix, stride, f, ptsMillis, durMillis, false, q)
}

func (e *Encoder) encode(pix []byte, stride int, f PixelFormat, ptsMillis, durMillis int64, forceKey bool, sharpQ int) (Frame, error) {
	if e.closed {
		return Frame{}, ErrClosed
	}
	if stride < e.cfg.SrcWidth*4 || len(pix) < stride*(e.cfg.SrcHeight-1)+e.cfg.SrcWidth*4 {
		return Frame{}, fmt.Errorf("vpx: frame buffer too small: %d bytes, stride %d for %dx%d", len(pix), stride, e.cfg.SrcWidth, e.cfg.SrcHeight)
	}
	if durMillis <= 0 {
		durMillis = 1
	}
	rgba, key := 0, 0
	if f == RGBA {
		rgba = 1
	}
	fk := 0
	if forceKey {
		fk = 1
	}
	{
		var isKey C.int
		n := C.llenc_encode(e.c, (*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(stride), C.int(rgba),
			C.int64_t(ptsMillis), C.int64_t(durMillis), C.int(fk), C.int(sharpQ), C.int(e.cfg.StaticThreshold),
			(*C.uint8_t)(unsafe.Pointer(&e.out[0])), C.int(len(e.out)), &isKey)
		runtime.KeepAlive(pix)
		switch {
		case n >= 0:
			key = int(isKey)
			if n == 0 {
				return Frame{}, nil
			}
			data := make([]byte, int(n))
			copy(data, e.out[:n])
			return Frame{Data: data, Keyframe: key != 0}, nil
		case n <= -1000 && n > -2000:
			// Output buffer too small: the frame is already encoded, so
			// we cannot re-run it. Grow and ask for a keyframe next time
			// by reporting the loss.
			e.out = make([]byte, 2*int(-n-1000))
			return Frame{}, fmt.Errorf("%w: output buffer too small (%d bytes needed)", ErrFrameLost, int(-n-1000))
		case n <= -2000:
			return Frame{}, errors.New("vpx: libyuv conversion failed")
		default:
			return Frame{}, fmt.Errorf("vpx: encode: %s", C.GoString(C.vpx_codec_err_to_string(C.vpx_codec_err_t(-n))))
		}
	}
}

// SetBitrate changes the target bitrate while encoding.
func (e *Encoder) SetBitrate(kbps int) error {
	if e.closed {
		return ErrClosed
	}
	if kbps < 50 {
		kbps = 50
	}
	if rc := C.llenc_set_bitrate(e.c, C.int(kbps)); rc != 0 {
		return fmt.Errorf("vpx: set bitrate %d: %s", kbps, C.GoString(C.vpx_codec_err_to_string(C.vpx_codec_err_t(rc))))
	}
	e.cfg.BitrateKbps = kbps
	return nil
}

// Close frees the encoder. It is safe to call more than once.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	C.llenc_free(e.c)
	C.free(unsafe.Pointer(e.c))
	e.c = nil
	return nil
}
