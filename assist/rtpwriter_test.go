package assist

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3"
)

// BenchmarkVP8Writer measures packetising one encoded frame onto an
// unbound video track (what the track does with a bound viewer is the same
// whatever packetises). Sizes: a changed 720p and 1080p office frame (see
// BENCHMARKS.md) and a 1080p keyframe.
func BenchmarkVP8Writer(b *testing.B) {
	for _, sz := range []struct {
		name string
		n    int
	}{{"6KB", 5879}, {"18KB", 18183}, {"120KB", 120000}} {
		b.Run(sz.name, func(b *testing.B) {
			track := mustTrack(b)
			data := make([]byte, sz.n)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range data {
				data[i] = byte(r.Uint32())
			}
			w := newVP8Writer(track)
			at := time.Duration(0)
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				at += 33 * time.Millisecond
				if err := w.write(encodedFrame{Data: data, At: at}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rtpRecorder keeps what the writer sends.
type rtpRecorder struct{ pkts []*rtp.Packet }

func (r *rtpRecorder) WriteRTP(p *rtp.Packet) error {
	c := *p
	c.Payload = append([]byte(nil), p.Payload...)
	r.pkts = append(r.pkts, &c)
	return nil
}

// TestVP8WriterTimestampsFollowCapture checks the packetisation: each frame
// at the RTP time of its capture, however irregular the frames, sequence
// numbers without gaps, packets within the MTU, the marker on a frame's
// last packet and the frame reassembled whole from its VP8 payloads.
func TestVP8WriterTimestampsFollowCapture(t *testing.T) {
	rec := &rtpRecorder{}
	w := newVP8Writer(rec)
	frames := []encodedFrame{
		{Data: bytes.Repeat([]byte{1}, 5000), At: 40 * time.Millisecond},
		{Data: bytes.Repeat([]byte{2}, 300), At: 73 * time.Millisecond},
		{Data: bytes.Repeat([]byte{3}, 2500), At: 30*time.Second + 5*time.Millisecond}, // after an idle screen
	}
	var got [][]*rtp.Packet
	for _, f := range frames {
		n := len(rec.pkts)
		if err := w.write(f); err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.pkts[n:])
	}
	ts0 := got[0][0].Timestamp
	seq := got[0][0].SequenceNumber
	for i, pkts := range got {
		wantTS := ts0 + uint32((frames[i].At-frames[0].At)*90000/time.Second)
		var data []byte
		for j, p := range pkts {
			if p.Timestamp != wantTS {
				t.Errorf("frame %d packet %d: timestamp %d, want %d", i, j, p.Timestamp, wantTS)
			}
			if p.SequenceNumber != seq {
				t.Errorf("frame %d packet %d: sequence %d, want %d", i, j, p.SequenceNumber, seq)
			}
			seq++
			if size := p.MarshalSize(); size > rtpMTU {
				t.Errorf("frame %d packet %d: %d bytes, over the MTU %d", i, j, size, rtpMTU)
			}
			if p.Marker != (j == len(pkts)-1) {
				t.Errorf("frame %d packet %d of %d: marker %v", i, j, len(pkts), p.Marker)
			}
			var vp8 codecs.VP8Packet
			payload, err := vp8.Unmarshal(p.Payload)
			if err != nil {
				t.Fatalf("frame %d packet %d: %v", i, j, err)
			}
			if (vp8.S == 1) != (j == 0) {
				t.Errorf("frame %d packet %d: start of partition %d", i, j, vp8.S)
			}
			data = append(data, payload...)
		}
		if !bytes.Equal(data, frames[i].Data) {
			t.Errorf("frame %d: reassembled %d bytes, want the %d written", i, len(data), len(frames[i].Data))
		}
	}
}

// TestVP8WriterPictureIDs: every packet of every frame carries the frame's
// 15-bit picture ID, one more per frame, and still carries one across the
// wrap from 0x7fff to 0. Chrome chooses how it finds a frame's references
// by whether the frame has a picture ID; one frame without (pion's
// payloader leaves it out of picture 0, the stream's first frame) made it
// hold back every following delta frame until the next keyframe.
func TestVP8WriterPictureIDs(t *testing.T) {
	rec := &rtpRecorder{}
	w := newVP8Writer(rec)
	w.pkt = rtp.NewPacketizer(rtpMTU, 0, 0, &vp8Payloader{pictureID: 0x7ffd}, rtp.NewRandomSequencer(), vp8Codec.ClockRate)
	want := []uint16{0x7ffd, 0x7ffe, 0x7fff, 0, 1}
	for i := range want {
		n := len(rec.pkts)
		if err := w.write(encodedFrame{Data: bytes.Repeat([]byte{byte(i)}, 1500), At: time.Duration(i) * 33 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		for j, p := range rec.pkts[n:] {
			var vp8 codecs.VP8Packet
			if _, err := vp8.Unmarshal(p.Payload); err != nil {
				t.Fatalf("frame %d packet %d: %v", i, j, err)
			}
			if vp8.I != 1 || vp8.PictureID != want[i] {
				t.Errorf("frame %d packet %d: picture ID present %d, %#x; want %#x", i, j, vp8.I, vp8.PictureID, want[i])
			}
		}
	}
	// The first frame of a new writer has one too.
	rec = &rtpRecorder{}
	if err := newVP8Writer(rec).write(encodedFrame{Data: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	var vp8 codecs.VP8Packet
	if _, err := vp8.Unmarshal(rec.pkts[0].Payload); err != nil || vp8.I != 1 {
		t.Errorf("first frame: picture ID present %d (%v)", vp8.I, err)
	}
	if (&vp8Payloader{}).Payload(vp8DescriptorSize, []byte{1}) != nil || (&vp8Payloader{}).Payload(rtpMTU, nil) != nil {
		t.Error("no room or no data should give no payloads")
	}
}

// TestVP8WriterUnboundTrack checks that a track without a viewer (or one
// closing) takes frames without an error.
func TestVP8WriterUnboundTrack(t *testing.T) {
	for _, out := range []rtpPacketWriter{closedPipe{}, mustTrack(t)} {
		if err := newVP8Writer(out).write(encodedFrame{Data: make([]byte, 3000)}); err != nil {
			t.Errorf("%T: write = %v", out, err)
		}
	}
	if err := newVP8Writer(failingWriter{}).write(encodedFrame{Data: make([]byte, 10)}); !errors.Is(err, errWriteFailed) {
		t.Errorf("write to a failing track = %v, want %v", err, errWriteFailed)
	}
}

type closedPipe struct{}

func (closedPipe) WriteRTP(*rtp.Packet) error { return io.ErrClosedPipe }

var errWriteFailed = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) WriteRTP(*rtp.Packet) error { return errWriteFailed }

func mustTrack(t testing.TB) *webrtc.TrackLocalStaticRTP {
	track, err := webrtc.NewTrackLocalStaticRTP(vp8Codec.RTPCodecCapability, "screen", "lifeline")
	if err != nil {
		t.Fatal(err)
	}
	return track
}
