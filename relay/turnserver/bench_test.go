package turnserver

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRelayThroughput pushes 1200-byte datagrams (a typical video RTP
// packet) from a TURN client through the embedded server's relay socket to a
// UDP peer on loopback. MB/s is the offered rate; delivered_MB/s and
// loss_% what reached the peer.
func BenchmarkRelayThroughput(b *testing.B) {
	s, _ := newTestServer(b)
	user, pass := Credentials(testSecret, "bench", time.Hour, time.Now())
	c := newClient(b, s, user, pass)
	relay, err := c.Allocate()
	if err != nil {
		b.Fatal(err)
	}
	defer relay.Close()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	peer.(*net.UDPConn).SetReadBuffer(4 << 20)
	var got atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, _, err := peer.ReadFrom(buf)
			if err != nil {
				return
			}
			got.Add(int64(n))
		}
	}()
	// Open the permission (and channel binding) before timing.
	relay.WriteTo([]byte("warm-up"), peer.LocalAddr())
	if settle(&got, 1) == 0 {
		b.Fatal("the warm-up packet did not arrive")
	}
	got.Store(0)

	pkt := make([]byte, 1200)
	b.SetBytes(int64(len(pkt)))
	start := time.Now()
	sent := int64(0)
	for b.Loop() {
		if _, err := relay.WriteTo(pkt, peer.LocalAddr()); err != nil {
			b.Fatal(err)
		}
		sent += int64(len(pkt))
	}
	elapsed := time.Since(start)
	delivered := settle(&got, sent) // the tail in flight, short of what was lost

	b.ReportMetric(float64(delivered)/1e6/elapsed.Seconds(), "delivered_MB/s")
	b.ReportMetric(100*float64(sent-delivered)/float64(max(sent, 1)), "loss_%")
	peer.Close()
	<-done
}

// settle waits until n reaches want or stops growing for 100 ms (UDP may
// lose packets), and returns it.
func settle(n *atomic.Int64, want int64) int64 {
	last, still := n.Load(), time.Now()
	for last < want && time.Since(still) < 100*time.Millisecond {
		time.Sleep(time.Millisecond)
		if v := n.Load(); v != last {
			last, still = v, time.Now()
		}
	}
	return last
}
