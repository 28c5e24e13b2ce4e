package relayd

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// clientSocket dials /ws/client of a relay started with Run.
func clientSocket(t *testing.T, addr string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws://"+addr+"/ws/client", nil)
	if err == nil {
		t.Cleanup(func() { ws.CloseNow() })
	}
	return ws, resp, err
}

// reply sends a request.submit on ws and returns the relay's answer.
func reply(t *testing.T, ws *websocket.Conn) protocol.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, _ := protocol.Encode(protocol.TypeRequestSubmit, "s", "", &protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Ana"}, Description: "printer"})
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		m, err := protocol.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == protocol.TypeRequestAccepted || m.Type == protocol.TypeError {
			return m
		}
	}
}

// The socket limits are the relay's settings (flags and LIFELINE_*
// variables), not only a method of the server.
func TestSocketLimitsFromOptions(t *testing.T) {
	r := startRun(t, Options{Sockets: server.SocketLimits{ClientConnsPerAddr: 2, MaxWaitingPerAddr: 1}})
	a, _, err := clientSocket(t, r.addr)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := clientSocket(t, r.addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, resp, err := clientSocket(t, r.addr); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third socket of one address with a cap of 2: %v %v, want HTTP 429", err, resp)
	}
	if m := reply(t, a); m.Type != protocol.TypeRequestAccepted {
		t.Fatalf("first request: %s %+v", m.Type, m.Payload)
	}
	if m := reply(t, b); m.Type != protocol.TypeError || m.Payload.(*protocol.Error).Code != protocol.CodeQueueFull {
		t.Fatalf("second request with a cap of 1 per address: %s %+v, want queue_full", m.Type, m.Payload)
	}
}

// --key-file keeps the server secret outside the data directory: the
// relay's code hashes are keyed with it, no relay.key appears in the data
// directory, and a key file other users can read is refused.
func TestKeyFileOutsideDataDir(t *testing.T) {
	base := t.TempDir()
	dataDir, keyFile := filepath.Join(base, "data"), filepath.Join(base, "secrets", "lifeline.key")
	key := make([]byte, auth.KeyFileSize)
	rand.Read(key)
	os.MkdirAll(filepath.Dir(keyFile), 0o700)
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := UserAdd(ctx, dataDir, "alex", "Alex", "alex-long-password", true); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, Options{DataDir: dataDir, KeyFile: keyFile})
	api := relaytest.SignIn(t, "http://"+r.addr, "alex", "alex-long-password")
	var out struct{ Code string }
	if st := api.Call("POST", "/api/codes", nil, &out); st != http.StatusCreated {
		t.Fatalf("create code: %d", st)
	}
	r.stop()

	st, err := store.OpenSQLite(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	active, err := st.ActiveCodes(ctx, time.Now())
	if err != nil || len(active) != 1 {
		t.Fatalf("codes %v %v", active, err)
	}
	sec, _ := auth.NewSecrets(key)
	h, _ := codes.NewHasher(sec.CodeKey())
	if !bytes.Equal(active[0].Hash, h.Hash(out.Code)) {
		t.Fatal("the stored code hash is not keyed with the key file's secret")
	}
	if _, err := os.Stat(filepath.Join(dataDir, auth.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a key file appeared in the data directory: %v", err)
	}

	// World-readable (or group-readable): the relay does not start.
	for _, mode := range []os.FileMode{0o644, 0o640} {
		os.Chmod(keyFile, mode)
		err := Run(ctx, Options{Listen: "127.0.0.1:0", DataDir: dataDir, KeyFile: keyFile, TURNListen: "off"}, quiet())
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+keyFile) {
			t.Fatalf("key file mode %04o: Run returned %v, want a refusal that says chmod 600", mode, err)
		}
	}
}
