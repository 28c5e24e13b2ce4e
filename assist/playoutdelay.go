package assist

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// playoutDelayURI is the RTP header extension that tells the receiver the
// least and most playout delay it may add, in units of 10 ms. With both 0
// Chrome renders a frame as soon as it is decoded instead of at its
// estimated render time (≈ 10 ms more, and after a still screen it held
// frames 0.2–1.4 s): BenchmarkInputToPixel, assist/BENCHMARKS.md. A
// jittery path then shows its jitter as judder rather than as delay,
// which is the right trade for a technician steering a remote mouse.
const playoutDelayURI = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"

// playoutDelayFactory makes the interceptor that stamps the video with it.
type playoutDelayFactory struct{}

func (playoutDelayFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &playoutDelay{}, nil
}

// playoutDelay stamps every outgoing packet of a stream that negotiated
// the extension with playout delay min = max = 0.
type playoutDelay struct{ interceptor.NoOp }

func (*playoutDelay) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	id := 0
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == playoutDelayURI {
			id = e.ID
		}
	}
	if id == 0 {
		return w
	}
	zero := []byte{0, 0, 0}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if err := h.SetExtension(uint8(id), zero); err != nil {
			return 0, err
		}
		return w.Write(h, payload, a)
	})
}
