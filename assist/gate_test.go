package assist

import (
	"image"
	"log/slog"
	"testing"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

func newTestGate(t *testing.T) (*inputGate, *countingInjector) {
	t.Helper()
	inj := &countingInjector{}
	g := newInputGate(inj, nil, slog.New(slog.DiscardHandler))
	g.setBounds(image.Rect(0, 0, 640, 480))
	return g, inj
}

func marshal(t *testing.T, m inputproto.Message) []byte {
	t.Helper()
	b, err := inputproto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGateWithoutGrant checks that the gate injects nothing before a
// grant, after a withdrawal, or for a grant asked before a withdrawal.
func TestGateWithoutGrant(t *testing.T) {
	g, inj := newTestGate(t)
	key := marshal(t, inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "KeyA"})
	g.handle(key, false)
	gen := g.generation()
	g.withdraw() // the user revokes while the question is open
	if ok, err := g.grant(gen); ok || err != nil {
		t.Fatalf("grant of a question asked before the revocation = %v, %v; want void", ok, err)
	}
	g.handle(key, false)
	var st Stats
	g.count(&st)
	if n := len(inj.Inputs()); n != 0 || st.InputDropped != 2 {
		t.Errorf("injected %d, dropped %d; want 0 and 2", n, st.InputDropped)
	}
}

// TestGateCapsWheel checks that a wheel event scrolls at most
// maxWheelSteps notches each way, and that a cut is counted.
func TestGateCapsWheel(t *testing.T) {
	tests := []struct {
		dx, dy     int16
		want       Input
		wantCapped uint64
	}{
		{0, 3, Input{Kind: InputWheel, DY: 3}, 0},
		{-maxWheelSteps, maxWheelSteps, Input{Kind: InputWheel, DX: -maxWheelSteps, DY: maxWheelSteps}, 0},
		{0, 30000, Input{Kind: InputWheel, DY: maxWheelSteps}, 1},
		{-32768, 0, Input{Kind: InputWheel, DX: -maxWheelSteps}, 1},
		{maxWheelSteps + 1, -maxWheelSteps - 1, Input{Kind: InputWheel, DX: maxWheelSteps, DY: -maxWheelSteps}, 1},
	}
	for _, tt := range tests {
		g, inj := newTestGate(t)
		if ok, err := g.grant(g.generation()); !ok || err != nil {
			t.Fatalf("grant = %v, %v", ok, err)
		}
		g.handle(marshal(t, inputproto.Message{Type: inputproto.TypeWheel, DX: tt.dx, DY: tt.dy}), false)
		var st Stats
		g.count(&st)
		got := inj.Inputs()
		if len(got) != 1 || got[0] != tt.want || st.WheelCapped != tt.wantCapped {
			t.Errorf("wheel %d,%d: injected %+v, capped %d; want %+v, %d", tt.dx, tt.dy, got, st.WheelCapped, tt.want, tt.wantCapped)
		}
	}
}
