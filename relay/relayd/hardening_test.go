package relayd

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// running is a relay started with Run.
type running struct {
	addr, metrics string
	stop          func()
}

func startRun(t *testing.T, o Options) running {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(t.TempDir(), "data")
	}
	if o.TURNListen == "" {
		o.TURNListen = "off"
	}
	ready, mready := make(chan string, 1), make(chan string, 1)
	o.Ready = func(a string) { ready <- a }
	o.MetricsReady = func(a string) { mready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o, quiet()) }()
	var r running
	for r.addr == "" || (o.MetricsListen != "" && r.metrics == "") {
		select {
		case r.addr = <-ready:
		case r.metrics = <-mready:
		case err := <-done:
			cancel()
			t.Fatalf("Run: %v", err)
		case <-time.After(20 * time.Second):
			cancel()
			t.Fatal("relay did not start")
		}
	}
	var stopped bool
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("relay did not stop")
		}
	}
	t.Cleanup(r.stop)
	return r
}

// trickle writes msg one byte every gap until the relay closes the
// connection; it returns how many bytes went out and when the relay cut.
func trickle(t *testing.T, c net.Conn, msg string, gap time.Duration) (sent int, cut time.Duration) {
	t.Helper()
	start := time.Now()
	closed := make(chan struct{})
	go func() { // the relay's close shows as EOF (or reset) on read
		io.Copy(io.Discard, c)
		close(closed)
	}()
	tick := time.NewTicker(gap)
	defer tick.Stop()
	for sent < len(msg) {
		select {
		case <-closed:
			return sent, time.Since(start)
		case <-tick.C:
			if _, err := c.Write([]byte{msg[sent]}); err != nil {
				return sent, time.Since(start)
			}
			sent++
		}
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
	}
	return sent, time.Since(start)
}

// TestSlowlorisCut: a client that sends its request header one byte at a
// time is cut at ReadHeaderTimeout, long before its header is complete,
// and one that trickles a request body is cut at ReadTimeout; a WebSocket
// outlives ReadTimeout.
func TestSlowlorisCut(t *testing.T) {
	limits := server.HTTPLimits{ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second}
	r := startRun(t, Options{HTTP: limits})

	t.Run("header", func(t *testing.T) {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		hdr := "GET /healthz HTTP/1.1\r\nHost: relay\r\nUser-Agent: slow\r\nX-Padding: aaaaaaaaaaaaaaaa\r\n\r\n"
		sent, cut := trickle(t, c, hdr, time.Second) // one byte per second
		t.Logf("header: cut after %v and %d of %d bytes", cut.Round(time.Millisecond), sent, len(hdr))
		if sent >= len(hdr) || cut > limits.ReadHeaderTimeout+2*time.Second {
			t.Fatalf("slow header not cut: %d of %d bytes in %v", sent, len(hdr), cut)
		}
	})

	t.Run("body", func(t *testing.T) {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		body := `{"username":"alex","password":"` + strings.Repeat("x", 40) + `"}`
		head := "POST /api/login HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
		if _, err := c.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		sent, cut := trickle(t, c, body, 500*time.Millisecond)
		t.Logf("body: cut after %v and %d of %d bytes", cut.Round(time.Millisecond), sent, len(body))
		if sent >= len(body) || cut > limits.ReadTimeout+2*time.Second {
			t.Fatalf("slow body not cut: %d of %d bytes in %v", sent, len(body), cut)
		}
	})

	t.Run("websocket outlives ReadTimeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws://"+r.addr+"/ws/client", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		if _, hello, err := ws.Read(ctx); err != nil || !strings.Contains(string(hello), `"type":"welcome"`) {
			t.Fatalf("first message %s, %v; want the welcome", hello, err)
		}
		time.Sleep(limits.ReadTimeout + time.Second) // past the request deadline the socket must still be read
		b, _ := protocol.Encode(protocol.TypeRequestSubmit, "1", "", &protocol.RequestSubmit{
			ClientInfo: protocol.ClientInfo{Name: "Ana", OS: "linux", AppVersion: "0.1.0"}, Description: "still here"})
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
		_, reply, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("socket cut by the request deadline: %v", err)
		}
		if m, err := protocol.Decode(reply); err != nil || m.Type != protocol.TypeRequestAccepted {
			t.Fatalf("reply %s, %v", reply, err)
		}
	})

	t.Run("header size", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://"+r.addr+"/healthz", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("64 KiB header: %d, want 431", resp.StatusCode)
		}
	})
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		sb.WriteString(sc.Text() + "\n")
	}
	return resp.StatusCode, sb.String()
}

// TestMetricsListenerOrToken: by default the metrics are on a separate
// loopback listener and not on the main address; with a token they are
// on both, and only with the token; a public metrics listener without a
// token is refused.
func TestMetricsListenerOrToken(t *testing.T) {
	t.Run("separate loopback listener", func(t *testing.T) {
		r := startRun(t, Options{MetricsListen: "127.0.0.1:0"})
		if st, body := get(t, "http://"+r.addr+"/metrics", ""); st != http.StatusNotFound || strings.Contains(body, "lifeline_") {
			t.Fatalf("main /metrics: %d", st)
		}
		if st, body := get(t, "http://"+r.metrics+"/metrics", ""); st != http.StatusOK || !strings.Contains(body, "lifeline_queue_length") {
			t.Fatalf("metrics listener: %d", st)
		}
		if st, _ := get(t, "http://"+r.metrics+"/api/me", ""); st != http.StatusNotFound {
			t.Fatalf("the metrics listener serves the API: %d", st)
		}
	})
	t.Run("token", func(t *testing.T) {
		const tok = "s3cret-metrics-token"
		r := startRun(t, Options{MetricsListen: "127.0.0.1:0", MetricsToken: tok})
		for _, base := range []string{r.addr, r.metrics} {
			if st, _ := get(t, "http://"+base+"/metrics", ""); st != http.StatusUnauthorized {
				t.Errorf("%s/metrics without the token: %d", base, st)
			}
			if st, body := get(t, "http://"+base+"/metrics", tok); st != http.StatusOK || !strings.Contains(body, "lifeline_queue_length") {
				t.Errorf("%s/metrics with the token: %d", base, st)
			}
		}
	})
	t.Run("public without token refused", func(t *testing.T) {
		err := Run(context.Background(), Options{Listen: "127.0.0.1:0", DataDir: t.TempDir(), MetricsListen: "0.0.0.0:0", TURNListen: "off"}, quiet())
		if err == nil || !strings.Contains(err.Error(), "refusing public metrics") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestParseProxies(t *testing.T) {
	got, err := ParseProxies([]string{"10.0.0.0/8", " 192.168.1.7 ", "2001:db8::/32", "10.1.2.3/8"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if want := "127.0.0.0/8 ::1/128 10.0.0.0/8 192.168.1.7/32 2001:db8::/32 10.0.0.0/8"; strings.Join(s, " ") != want {
		t.Fatalf("got %v, want %s", s, want)
	}
	if _, err := ParseProxies([]string{"proxy.example.org"}, false); err == nil {
		t.Fatal("a host name was accepted")
	}
}
