package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// raiseFDLimit lifts RLIMIT_NOFILE towards want and returns the soft limit.
func raiseFDLimit(want uint64) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	if lim.Cur >= want {
		return lim.Cur
	}
	nl := syscall.Rlimit{Cur: want, Max: max(lim.Max, want)}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nl) != nil { // not root: up to the hard limit
		nl = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nl)
	}
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return lim.Cur
}

// rawDial opens a WebSocket to /ws/client with a hand-written handshake, so
// the client side costs only a socket and the measurement is the relay's.
func rawDial(addr string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	req := "GET /ws/client HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		c.Close()
		return nil, err
	}
	var buf [512]byte
	n := 0
	for !bytes.Contains(buf[:n], []byte("\r\n\r\n")) {
		m, err := c.Read(buf[n:])
		if err != nil {
			c.Close()
			return nil, err
		}
		n += m
		if n == len(buf) {
			c.Close()
			return nil, fmt.Errorf("handshake response too long")
		}
	}
	if !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 101")) {
		c.Close()
		return nil, fmt.Errorf("handshake: %q", buf[:n])
	}
	return c, nil
}

func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func heapAndStacks() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// BenchmarkIdleClientMemory connects 10,000 idle desktop clients and reports
// the relay's memory per client (heap in use + goroutine stacks, and RSS).
// The clients live in a child process (this test binary running
// TestBenchDialer), so the relay process holds exactly one socket per
// client and its memory is measured alone. Run with -benchtime=1x.
func BenchmarkIdleClientMemory(b *testing.B) {
	n := 10000
	if lim := raiseFDLimit(uint64(n) + 512); lim < uint64(n)+256 {
		n = int(lim - 256)
		b.Logf("RLIMIT_NOFILE %d: measuring %d clients", lim, n)
	}
	reg := prometheus.NewRegistry()
	r := startRelay(b, relaytest.WithConfig(func(c *server.Config) { c.Registry = reg }))
	r.Server.SetSocketLimits(server.Unlimited) // 10,000 sockets from one loopback address
	for b.Loop() {
		before, rssBefore := heapAndStacks(), rssBytes()
		cmd := exec.Command(os.Args[0], "-test.run=^TestBenchDialer$", "-test.count=1")
		cmd.Env = append(os.Environ(), "LIFELINE_BENCH_DIAL="+r.Addr, "LIFELINE_BENCH_CLIENTS="+strconv.Itoa(n))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "ready") {
			b.Fatalf("dialer: %q %v", line, err)
		}
		if !waitClients(reg, n, 30*time.Second) {
			b.Fatalf("relay registered fewer than %d clients", n)
		}
		after, rssAfter := heapAndStacks(), rssBytes()
		b.ReportMetric(float64(after-before)/float64(n), "heap+stack_B/client")
		b.ReportMetric(float64(int64(rssAfter)-int64(rssBefore))/float64(n), "rss_B/client")
		b.ReportMetric(float64(n), "clients")
		stdin.Close() // the dialer exits and its sockets close
		cmd.Wait()
		waitClients(reg, 0, 30*time.Second)
	}
}

// waitClients waits until the relay's connected_clients gauge reads n.
func waitClients(reg *prometheus.Registry, n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if gauge(reg, "lifeline_connected_clients") == float64(n) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBenchDialer is the child process of BenchmarkIdleClientMemory: it
// opens LIFELINE_BENCH_CLIENTS sockets to LIFELINE_BENCH_DIAL, prints
// "ready" and holds them until its standard input closes.
func TestBenchDialer(t *testing.T) {
	addr := os.Getenv("LIFELINE_BENCH_DIAL")
	if addr == "" {
		t.Skip("helper process for BenchmarkIdleClientMemory")
	}
	n, _ := strconv.Atoi(os.Getenv("LIFELINE_BENCH_CLIENTS"))
	raiseFDLimit(uint64(n) + 512)
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				c, err := rawDial(addr)
				if err != nil {
					mu.Lock()
					firstErr = cmp(firstErr, err)
					mu.Unlock()
					continue
				}
				conns[i] = c
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("dial: %v", firstErr)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

func gauge(reg *prometheus.Registry, name string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// BenchmarkNotifyLatency measures request submitted → technician notified
// (queue.added received by the console) with 1,000 connected clients.
func BenchmarkNotifyLatency(b *testing.B) {
	const clients = 1000
	raiseFDLimit(4*clients + 512)
	r := startRelay(b)
	r.Server.SetSocketLimits(server.Unlimited) // 1,000 sockets, 2,000 requests from one loopback address
	r.addTech("alex", false)
	con := r.login("alex").ws()
	peers := make([]*relaytest.Socket, clients)
	for i := range peers {
		peers[i] = r.dialClient()
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		p := peers[i%clients]
		i++
		start := time.Now()
		p.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("bench"))
		con.Next(protocol.TypeQueueAdded)
		lat = append(lat, time.Since(start))
		b.StopTimer()
		p.Next(protocol.TypeRequestAccepted)
		p.SendMessage(protocol.TypeRequestCancel, "", "", nil)
		p.Next(protocol.TypeRequestCancelled)
		con.Next(protocol.TypeQueueUpdated)
		b.StartTimer()
	}
	slices.Sort(lat)
	pct := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(clients), "clients")
}
