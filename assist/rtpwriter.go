package assist

import (
	"errors"
	"io"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// rtpMTU is the size of one RTP packet, header included, as pion's own
// sample track uses it; SRTP and the transport add their overhead on top.
const rtpMTU = 1200

// rtpPacketWriter is where packets go: the session's TrackLocalStaticRTP,
// which stamps each with its binding's SSRC and payload type.
type rtpPacketWriter interface {
	WriteRTP(*rtp.Packet) error
}

// vp8Writer packetises VP8 frames with pion's packetizer, each at the RTP
// timestamp of its capture time. The screen is only encoded when it
// changes, so frames are irregular: TrackLocalStaticSample's fixed
// duration per sample would make the viewer's timestamps drift from real
// time and its jitter buffer hold frames back; instead the packetizer's
// clock skips to each frame's capture time.
type vp8Writer struct {
	out rtpPacketWriter
	pkt rtp.Packetizer
	at  time.Duration // capture time of the previous frame
}

func newVP8Writer(out rtpPacketWriter) *vp8Writer {
	return &vp8Writer{
		out: out,
		pkt: rtp.NewPacketizer(rtpMTU, 0, 0, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), vp8Codec.ClockRate),
	}
}

// write sends one frame captured at the given offset from the stream's
// start. A track nobody is bound to yet (or any more) takes it silently.
func (w *vp8Writer) write(f encodedFrame) error {
	w.pkt.SkipSamples(rtpTicks(f.At) - rtpTicks(w.at))
	w.at = f.At
	for _, p := range w.pkt.Packetize(f.Data, 0) {
		if err := w.out.WriteRTP(p); err != nil {
			if errors.Is(err, io.ErrClosedPipe) {
				return nil // no viewer bound yet, or closing
			}
			return err
		}
	}
	return nil
}

// rtpTicks is d in the video clock's units.
func rtpTicks(d time.Duration) uint32 {
	return uint32(d * time.Duration(vp8Codec.ClockRate) / time.Second)
}
