package client

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// TestGuidesChangedDelivered: guides.changed from the relay reaches
// Messages with its ETag; a type this client does not know (as
// guides.changed is to a client built before it) is skipped and the
// connection goes on — which is why older desktops ignore the push.
func TestGuidesChangedDelivered(t *testing.T) {
	url := fakeRelay(t, func(n int, ws *websocket.Conn) {
		if n > 0 {
			t.Errorf("the client reconnected (connection %d) after an unknown message", n)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"v":1,"type":"guides.renamed","data":{"etag":"e0"}}`)); err != nil {
			t.Errorf("fake relay write: %v", err)
		}
		write(t, ws, protocol.TypeGuidesChanged, "", "", &protocol.GuidesChanged{ETag: "e1"})
		hold(ws)
	})
	c := dial(t, url)
	m := next(t, c)
	if g, ok := m.Payload.(*protocol.GuidesChanged); !ok || g.ETag != "e1" {
		t.Fatalf("got %s %+v, want guides.changed e1", m.Type, m.Payload)
	}
}
