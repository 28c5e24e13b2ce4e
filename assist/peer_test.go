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
