package assist

import (
	"errors"
	"io"
	"math/rand/v2"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3"
)

// rtpMTU is the payload budget per RTP packet (the RTP header is added by
// pion; SRTP and the transport add their own overhead on top).
const rtpMTU = 1200

// vp8Writer packetizes VP8 frames onto a TrackLocalStaticRTP with RTP
// timestamps taken from the capture time. The screen is only encoded when
// it changes, so frames are irregular: a fixed per-frame duration (as
// TrackLocalStaticSample uses) would make the viewer's timestamps drift
// from real time and its jitter buffer hold frames back.
type vp8Writer struct {
	track   *webrtc.TrackLocalStaticRTP
	pay     codecs.VP8Payloader
	seq     uint16
	tsBase  uint32
	started bool
}

func newVP8Writer(track *webrtc.TrackLocalStaticRTP) *vp8Writer {
	return &vp8Writer{
		track:  track,
		pay:    codecs.VP8Payloader{EnablePictureID: true},
		seq:    uint16(rand.Uint32()),
		tsBase: rand.Uint32(),
	}
}

// write sends one frame captured at the given offset from the stream's start.
func (w *vp8Writer) write(f encodedFrame) error {
	ts := w.tsBase + uint32(f.At*90000/time.Second)
	payloads := w.pay.Payload(rtpMTU, f.Data)
	for i, p := range payloads {
		pkt := rtp.Packet{
			Header: rtp.Header{
				Version:        2,
				Marker:         i == len(payloads)-1,
				SequenceNumber: w.seq,
				Timestamp:      ts,
			},
			Payload: p,
		}
		w.seq++
		if err := w.track.WriteRTP(&pkt); err != nil {
			if errors.Is(err, io.ErrClosedPipe) {
				return nil // no viewer bound yet, or closing
			}
			return err
		}
	}
	return nil
}
