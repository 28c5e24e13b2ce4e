package assist

import (
	"context"
	"image"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// techPeer plays the technician's browser: it answers the desktop's
// offer, receives the VP8 track and the two data channels.
type techPeer struct {
	t  testing.TB
	pc *webrtc.PeerConnection

	mu          sync.Mutex
	frames      int // complete frames (RTP marker bit)
	keyframes   int
	keySizes    []image.Point // of every keyframe, in order
	lastPacket  time.Time
	ssrc        webrtc.SSRC
	control     *webrtc.DataChannel
	pointer     *webrtc.DataChannel
	permissions []inputproto.Message
	changed     chan struct{}
	seq         uint32
}

// newTechPeer answers the session over the in-memory signaling pipe. It
// forwards candidates both ways until the test ends.
func newTechPeer(t testing.TB, toDesk chan<- Signal, fromDesk <-chan Signal) *techPeer {
	t.Helper()
	api, err := newAPI(NetworkOptions{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	tp := &techPeer{t: t, pc: pc, changed: make(chan struct{}, 1)}
	t.Cleanup(func() { pc.Close() })
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			toDesk <- Signal{Type: SignalCandidate, Candidate: c.ToJSON()}
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		tp.mu.Lock()
		tp.ssrc = tr.SSRC()
		tp.mu.Unlock()
		startOfFrame := true
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			var vp8 codecs.VP8Packet
			payload, err := vp8.Unmarshal(pkt.Payload)
			if err != nil {
				t.Errorf("bad VP8 payload: %v", err)
				return
			}
			tp.mu.Lock()
			tp.lastPacket = time.Now()
			if startOfFrame {
				if vp8.S != 1 || vp8.PID != 0 || len(payload) < 3 {
					t.Errorf("frame does not start with partition 0: S=%d PID=%d", vp8.S, vp8.PID)
				} else if payload[0]&1 == 0 {
					if len(payload) < 6 || payload[3] != 0x9d || payload[4] != 0x01 || payload[5] != 0x2a {
						t.Errorf("keyframe without VP8 start code")
					}
					tp.keyframes++
					if sz, ok := vp8KeySize(payload); ok {
						tp.keySizes = append(tp.keySizes, sz)
					}
				}
			}
			startOfFrame = pkt.Marker
			if pkt.Marker {
				tp.frames++
			}
			tp.mu.Unlock()
			tp.notify()
		}
	})
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnOpen(func() {
			tp.mu.Lock()
			switch dc.Label() {
			case inputproto.ControlChannel:
				tp.control = dc
			case inputproto.PointerChannel:
				tp.pointer = dc
				if dc.Ordered() || dc.MaxRetransmits() == nil || *dc.MaxRetransmits() != 0 {
					t.Errorf("pointer channel ordered=%v maxRetransmits=%v, want unordered with 0", dc.Ordered(), dc.MaxRetransmits())
				}
			}
			tp.mu.Unlock()
			tp.notify()
		})
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			msg, err := inputproto.Decode(m.Data)
			if err != nil {
				t.Errorf("desktop sent bad message: %v", err)
				return
			}
			tp.mu.Lock()
			tp.permissions = append(tp.permissions, msg)
			tp.mu.Unlock()
			tp.notify()
		})
	})

	var once sync.Once
	answered := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var pending []webrtc.ICECandidateInit
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-fromDesk:
				switch s.Type {
				case SignalOffer:
					if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.SDP}); err != nil {
						t.Errorf("tech: set offer: %v", err)
						return
					}
					ans, err := pc.CreateAnswer(nil)
					if err != nil {
						t.Errorf("tech: answer: %v", err)
						return
					}
					if err := pc.SetLocalDescription(ans); err != nil {
						t.Errorf("tech: set answer: %v", err)
						return
					}
					for _, c := range pending {
						pc.AddICECandidate(c)
					}
					toDesk <- Signal{Type: SignalAnswer, SDP: ans.SDP}
					once.Do(func() { close(answered) })
				case SignalCandidate:
					select {
					case <-answered:
						pc.AddICECandidate(s.Candidate)
					default:
						pending = append(pending, s.Candidate)
					}
				default:
					tp.mu.Lock()
					tp.permissions = append(tp.permissions, inputproto.Message{Type: 0xff, Code: s.Type.String()})
					tp.mu.Unlock()
					tp.notify()
				}
			}
		}
	}()
	return tp
}

func (tp *techPeer) notify() {
	select {
	case tp.changed <- struct{}{}:
	default:
	}
}

// waitUntil polls cond (under tp.mu) until it holds.
func (tp *techPeer) waitUntil(what string, cond func() bool) {
	tp.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		tp.mu.Lock()
		ok := cond()
		tp.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-tp.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			tp.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// signals reports whether the desktop sent signal typ (recorded by the
// signaling goroutine).
func (tp *techPeer) sawSignal(typ SignalType) bool {
	for _, m := range tp.permissions {
		if m.Type == 0xff && m.Code == typ.String() {
			return true
		}
	}
	return false
}

func (tp *techPeer) counts() (frames, keyframes int) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.frames, tp.keyframes
}

func (tp *techPeer) sendPLI() {
	tp.mu.Lock()
	ssrc := tp.ssrc
	tp.mu.Unlock()
	if err := tp.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}}); err != nil {
		tp.t.Fatalf("send PLI: %v", err)
	}
}

func (tp *techPeer) send(m inputproto.Message) {
	tp.t.Helper()
	if m.Type == inputproto.TypePointerMove {
		tp.seq++
		m.Seq = tp.seq
	}
	b, err := inputproto.Marshal(m)
	if err != nil {
		tp.t.Fatal(err)
	}
	tp.mu.Lock()
	dc := tp.control
	if m.Type == inputproto.TypePointerMove {
		dc = tp.pointer
	}
	tp.mu.Unlock()
	if err := dc.Send(b); err != nil {
		tp.t.Fatalf("send %v: %v", m.Type, err)
	}
}

// lastDisplays is the last Displays message the desktop sent.
func (tp *techPeer) lastDisplays() (inputproto.DisplayList, bool) {
	for i := len(tp.permissions) - 1; i >= 0; i-- {
		if m := tp.permissions[i]; m.Type == inputproto.TypeDisplays {
			return *m.Displays, true
		}
	}
	return inputproto.DisplayList{}, false
}

func (tp *techPeer) lastPermission() (inputproto.Message, bool) {
	for i := len(tp.permissions) - 1; i >= 0; i-- {
		if tp.permissions[i].Type == inputproto.TypePermission {
			return tp.permissions[i], true
		}
	}
	return inputproto.Message{}, false
}
