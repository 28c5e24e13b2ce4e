package assist

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

const (
	// signalQueue is how many outgoing signals may wait for the Signaler;
	// beyond it a signal is dropped (and logged) rather than blocking the
	// session.
	signalQueue = 256
	// flushTimeout bounds how long the end of a session waits for the
	// signals still queued (the session end) to reach the technician.
	flushTimeout = 3 * time.Second
)

// signalPump carries signals between the Signaler and the session's
// goroutine: a reader hands what arrives to in, a writer sends what send
// queued. The first receive or send error arrives on failed.
type signalPump struct {
	sig Signaler
	log *slog.Logger

	in     chan Signal
	failed chan error
	out    chan Signal

	stopRecv, stopSend context.CancelFunc
	recvDone, sendDone chan struct{}
}

// startPump starts the reader, which stops with ctx, and the writer, which
// stops when close says so.
func startPump(ctx context.Context, sig Signaler, log *slog.Logger) *signalPump {
	recvCtx, stopRecv := context.WithCancel(ctx)
	sendCtx, stopSend := context.WithCancel(context.WithoutCancel(ctx))
	p := &signalPump{
		sig: sig, log: log,
		in:       make(chan Signal),
		failed:   make(chan error, 1),
		out:      make(chan Signal, signalQueue),
		stopRecv: stopRecv, stopSend: stopSend,
		recvDone: make(chan struct{}), sendDone: make(chan struct{}),
	}
	go p.receive(recvCtx)
	go p.transmit(sendCtx)
	return p
}

func (p *signalPump) receive(ctx context.Context) {
	defer close(p.recvDone)
	for {
		m, err := p.sig.Recv(ctx)
		if err != nil {
			p.fail(err)
			return
		}
		select {
		case p.in <- m:
		case <-ctx.Done():
			return
		}
	}
}

func (p *signalPump) transmit(ctx context.Context) {
	defer close(p.sendDone)
	for m := range p.out {
		if err := p.sig.Send(ctx, m); err != nil {
			p.fail(err)
		}
	}
}

func (p *signalPump) fail(err error) {
	select {
	case p.failed <- fmt.Errorf("signaling: %w", err):
	default:
	}
}

// send queues m without blocking.
func (p *signalPump) send(m Signal) {
	select {
	case p.out <- m:
	default:
		p.log.Warn("signaling queue full, message dropped", "type", m.Type)
	}
}

// close sends what is still queued, waiting at most flushTimeout, then
// stops both goroutines and waits for them. send must not be called after.
func (p *signalPump) close() {
	close(p.out)
	select {
	case <-p.sendDone:
	case <-time.After(flushTimeout):
	}
	p.stopSend()
	<-p.sendDone
	p.stopRecv()
	<-p.recvDone
}
