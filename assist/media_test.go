package assist

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

func TestApplyRTCP(t *testing.T) {
	tests := []struct {
		name    string
		pkts    []rtcp.Packet
		start   int
		want    int
		wantKey bool
	}{
		{"PLI asks for a keyframe", []rtcp.Packet{&rtcp.PictureLossIndication{}}, 800, 800, true},
		{"FIR asks for a keyframe", []rtcp.Packet{&rtcp.FullIntraRequest{}}, 800, 800, true},
		{"REMB lowers", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 500_000}}, 1000, 450, false},
		{"REMB capped at the maximum", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 50_000_000}}, 1000, 1000, false},
		{"REMB floored at the minimum", []rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 10_000}}, 1000, 150, false},
		{"heavy loss cuts", []rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{FractionLost: 64}}}}, 1000, 875, false},
		{"no loss grows", []rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{FractionLost: 0}}}}, 800, 840, false},
		{"moderate loss holds", []rtcp.Packet{&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{FractionLost: 13}}}}, 800, 800, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVideo(videoConfig{BitrateKbps: 1000, StartKbps: 1000}, nil, nil, nil)
			v.bitrate.Store(int64(tt.start))
			applyRTCP(v, tt.pkts)
			if got := v.Bitrate(); got != tt.want {
				t.Errorf("bitrate = %d, want %d", got, tt.want)
			}
			if got := v.forceKey.Load(); got != tt.wantKey {
				t.Errorf("keyframe requested = %v, want %v", got, tt.wantKey)
			}
		})
	}
}

// slowSource makes every capture take longer than a 30 fps frame.
type slowSource struct {
	*countingSource
	delay time.Duration
}

func (s slowSource) Capture() (Frame, error) {
	time.Sleep(s.delay)
	return s.countingSource.Capture()
}

// TestAdaptsWhenBehind checks that the pipeline lowers its frame rate and
// then its resolution when frames take longer than their budget, instead
// of letting latency grow.
func TestAdaptsWhenBehind(t *testing.T) {
	src := slowSource{newCountingSource(320, 240), 55 * time.Millisecond}
	v := newVideo(videoConfig{FPS: 30, Adapt: true}, src, func(encodedFrame) error { return nil }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := v.Stats()
	if st.Level < 2 {
		t.Errorf("quality level = %d after 2 s of 55 ms frames, want ≥ 2 (≤ 15 fps)", st.Level)
	}
	if st.Encoded == 0 {
		t.Error("nothing encoded")
	}
}
