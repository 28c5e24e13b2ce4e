package assist

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/pion/webrtc/v3"
)

// TestPendingCandidatesCapped checks that the technician's candidates
// kept before the answer stop at maxPendingCandidates: the first ones are
// kept (a browser sends its host candidates first), the rest counted.
func TestPendingCandidatesCapped(t *testing.T) {
	api, err := newAPI(NetworkOptions{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	p := newPeer(api, newInputGate(nil, nil, slog.New(slog.DiscardHandler)), newTestTransfers(nil, nil), func() bool { return false }, slog.New(slog.DiscardHandler))
	const extra = 10
	for i := range maxPendingCandidates + extra {
		p.addCandidate(webrtc.ICECandidateInit{Candidate: fmt.Sprintf("candidate:%d 1 udp 2130706431 127.0.0.1 %d typ host", i, 50000+i)})
	}
	p.addCandidate(webrtc.ICECandidateInit{}) // end of candidates: not one
	var st Stats
	p.count(&st)
	if len(p.pending) != maxPendingCandidates || st.CandidatesDropped != extra {
		t.Fatalf("kept %d, dropped %d; want %d and %d", len(p.pending), st.CandidatesDropped, maxPendingCandidates, extra)
	}
	if first := p.pending[0].Candidate; first != "candidate:0 1 udp 2130706431 127.0.0.1 50000 typ host" {
		t.Errorf("first kept candidate = %q, want the first sent", first)
	}
	p.close()
}

func TestLocalPair(t *testing.T) {
	host := func(addr string) *webrtc.ICECandidate {
		return &webrtc.ICECandidate{Typ: webrtc.ICECandidateTypeHost, Address: addr}
	}
	typed := func(typ webrtc.ICECandidateType, addr string) *webrtc.ICECandidate {
		return &webrtc.ICECandidate{Typ: typ, Address: addr}
	}
	for _, tt := range []struct {
		name string
		pair *webrtc.ICECandidatePair
		want bool
	}{
		{"loopback", &webrtc.ICECandidatePair{Local: host("127.0.0.1"), Remote: host("127.0.0.1")}, true},
		{"office LAN, browser prflx", &webrtc.ICECandidatePair{Local: host("192.168.1.20"), Remote: typed(webrtc.ICECandidateTypePrflx, "192.168.1.31")}, true},
		{"IPv6 link-local", &webrtc.ICECandidatePair{Local: host("fe80::1"), Remote: host("fe80::2")}, true},
		{"public address", &webrtc.ICECandidatePair{Local: host("10.0.0.2"), Remote: host("203.0.113.7")}, false},
		{"through TURN", &webrtc.ICECandidatePair{Local: typed(webrtc.ICECandidateTypeRelay, "10.0.0.2"), Remote: host("10.0.0.3")}, false},
		{"through a NAT", &webrtc.ICECandidatePair{Local: typed(webrtc.ICECandidateTypeSrflx, "198.51.100.4"), Remote: host("10.0.0.3")}, false},
		{"none", nil, false},
	} {
		if got := localPair(tt.pair); got != tt.want {
			t.Errorf("%s: localPair = %v, want %v", tt.name, got, tt.want)
		}
	}
}
