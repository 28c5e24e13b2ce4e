package assist

import (
	"errors"
	"io"
	"time"

	"github.com/pion/rtp"
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
		pkt: rtp.NewPacketizer(rtpMTU, 0, 0, &vp8Payloader{}, rtp.NewRandomSequencer(), vp8Codec.ClockRate),
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

// vp8Payloader splits a VP8 frame into RTP payloads (RFC 7741), each with
// the 15-bit picture ID of its frame. pion's codecs.VP8Payloader leaves the
// picture ID out of picture 0 — the stream's first frame, and again after
// every wrap — and Chrome, which picks its frame-reference finder by
// whether a frame has a picture ID, then starts afresh on the next frame
// and holds every delta frame back until the keyframe it asks for: the
// console showed only keyframes. Here every frame has one.
type vp8Payloader struct {
	pictureID uint16
}

// vp8DescriptorSize is the payload descriptor: X|S|PID, I, and M|picture ID (2 bytes).
const vp8DescriptorSize = 4

// Payload implements rtp.Payloader.
func (p *vp8Payloader) Payload(mtu uint16, frame []byte) [][]byte {
	room := int(mtu) - vp8DescriptorSize
	if room <= 0 || len(frame) == 0 {
		return nil
	}
	var out [][]byte
	for first := true; len(frame) > 0; first = false {
		n := min(room, len(frame))
		b := make([]byte, vp8DescriptorSize+n)
		b[0] = 0x80 // X: extension byte follows
		if first {
			b[0] |= 0x10 // S: start of the frame's first partition
		}
		b[1] = 0x80                             // I: picture ID present
		b[2] = 0x80 | byte(p.pictureID>>8&0x7f) // M: 15 bits
		b[3] = byte(p.pictureID)
		copy(b[vp8DescriptorSize:], frame[:n])
		out = append(out, b)
		frame = frame[n:]
	}
	p.pictureID = (p.pictureID + 1) & 0x7fff
	return out
}
