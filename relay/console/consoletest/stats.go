package consoletest

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/draw"
	"image/png"
	"strings"
)

// InboundVideo is the browser's own account of the video it receives:
// the inbound-rtp statistics of kind video (WebRTC getStats) of a peer
// connection that TrackPeerConnections kept. Counters are cumulative
// since the stream began; compare two readings for rates.
type InboundVideo struct {
	Timestamp            float64 `json:"timestamp"` // ms, the browser's clock
	FramesReceived       float64 `json:"framesReceived"`
	FramesDecoded        float64 `json:"framesDecoded"`
	FramesDropped        float64 `json:"framesDropped"`
	FramesPerSecond      float64 `json:"framesPerSecond"` // decoded over the last second
	KeyFramesDecoded     float64 `json:"keyFramesDecoded"`
	BytesReceived        float64 `json:"bytesReceived"`
	PacketsLost          float64 `json:"packetsLost"`
	FreezeCount          float64 `json:"freezeCount"`
	TotalFreezesDuration float64 `json:"totalFreezesDuration"` // s
	FrameWidth           float64 `json:"frameWidth"`
	FrameHeight          float64 `json:"frameHeight"`
	JitterBufferDelay    float64 `json:"jitterBufferDelay"` // s, summed over JitterBufferEmittedCount frames
	JitterBufferEmitted  float64 `json:"jitterBufferEmittedCount"`
	TotalDecodeTime      float64 `json:"totalDecodeTime"` // s
}

// InboundVideo reads the video inbound-rtp statistics of the newest open
// tracked peer connection that has them; ok is false if none has.
func (tb *Tab) InboundVideo() (s InboundVideo, ok bool) {
	tb.T.Helper()
	p := Eval[*InboundVideo](tb, `(async () => { let found = null;
		for (const pc of (window.__pcs || [])) {
			if (pc.connectionState === 'closed') continue;
			(await pc.getStats()).forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') found = s; });
		}
		return found && JSON.parse(JSON.stringify(found)); })()`)
	if p == nil {
		return InboundVideo{}, false
	}
	return *p, true
}

// VideoFrame draws the current frame of video (a JavaScript expression
// for a <video>) on a canvas at its intrinsic size and returns it: the
// decoded picture the technician sees, before the page scales it.
func VideoFrame(tb *Tab, video string) *image.RGBA {
	tb.T.Helper()
	url := Eval[string](tb, `(() => { const v = `+video+`;
		const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
		c.getContext('2d').drawImage(v, 0, 0); return c.toDataURL('image/png'); })()`)
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(url, prefix) {
		tb.T.Fatalf("video frame: not a PNG data URL: %.40q", url)
	}
	b, err := base64.StdEncoding.DecodeString(url[len(prefix):])
	if err != nil {
		tb.T.Fatalf("video frame: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.T.Fatalf("video frame: %v", err)
	}
	if rgba, ok := img.(*image.RGBA); ok {
		return rgba
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba
}
