package protocol

import (
	"strings"
	"testing"
)

// TestSessionStartRecording: session.start carries recording only when
// set (older desktops and consoles see the message they know), and a
// desktop decodes it, with the documented example's shape.
func TestSessionStartRecording(t *testing.T) {
	for _, on := range []bool{true, false} {
		b, err := Encode(TypeSessionStart, "", "s-1", &SessionStart{SessionID: "s-1", RequestID: "r-1", Peer: "Alex from IT", Role: RoleOfferer, ICEServers: []ICEServer{}, Recording: on})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), `"recording":true`); got != on {
			t.Errorf("recording=%v encodes as %s", on, b)
		}
		m, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Payload.(*SessionStart).Recording; got != on {
			t.Errorf("recording=%v decodes as %v", on, got)
		}
	}
	m, err := Decode([]byte(`{"v":1,"type":"session.start","session":"s-1","data":{"session_id":"s-1","request_id":"r-1","peer":"Alex from IT","role":"offerer","recording":true,"ice_servers":[]}}`))
	if err != nil || !m.Payload.(*SessionStart).Recording {
		t.Errorf("the documented session.start: %+v, %v", m.Payload, err)
	}
}
