package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// sendQueue is how many outgoing messages may wait for a slow desktop
// before the relay drops the connection; techSendQueue the same for a
// console, which gets the queue snapshot in many parts at once.
const (
	sendQueue     = 64
	techSendQueue = 1024
)

// wsConn is one WebSocket with its writer goroutine. Writes go through send
// so no caller ever blocks on a slow peer.
type wsConn struct {
	s      *Server
	ws     *websocket.Conn
	addr   string
	kind   string // "client" or "tech"
	send   chan []byte
	ctx    context.Context // the connection's life; cancelled on leave or shutdown
	cancel context.CancelFunc
	// readCtx is cancelled by the writer once it has flushed and closed, so
	// that a shutdown can still deliver its last messages (cancelling a
	// Read's context closes the socket at once).
	readCtx    context.Context
	readCancel context.CancelFunc
	log        *slog.Logger
	guard      *socketGuard  // counts refusals and failed sends; nil in hub tests
	limiter    *rate.Limiter // messages this socket may send
	tooSlow    atomic.Bool   // the send queue overflowed
}

func (s *Server) newConn(ws *websocket.Conn, r *http.Request, kind string) *wsConn {
	ws.SetReadLimit(protocol.MaxMessageSize)
	ctx, cancel := context.WithCancel(s.ctx)
	readCtx, readCancel := context.WithCancel(context.Background())
	addr := s.clientAddr(r)
	queue := sendQueue
	if kind == "tech" {
		queue = techSendQueue
	}
	return &wsConn{s: s, ws: ws, addr: addr, kind: kind, send: make(chan []byte, queue), ctx: ctx, cancel: cancel,
		readCtx: readCtx, readCancel: readCancel, log: s.log.With("conn", kind, "addr", addr),
		guard: s.hub.guard, limiter: s.hub.guard.messageLimiter()}
}

// enqueue queues b for sending; a peer that does not keep up is
// disconnected (logged and counted). A nil b is a message that could not
// be encoded, which s.encode has already logged and counted.
func (c *wsConn) enqueue(b []byte) {
	if b == nil {
		return
	}
	select {
	case c.send <- b:
	default:
		if c.tooSlow.CompareAndSwap(false, true) { // once: it is being closed
			c.guard.sendFailed("slow_peer")
			c.log.Warn("peer too slow, closing connection")
		}
		c.cancel()
	}
}

func (c *wsConn) writeLoop() {
	defer c.s.wg.Done()
	defer c.readCancel()
	ping := time.NewTicker(c.s.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.ctx.Done():
			if c.s.ctx.Err() != nil {
				c.flush()
				c.ws.Close(websocket.StatusGoingAway, "relay shutting down")
			}
			return
		case b := <-c.send:
			// Not derived from c.ctx: cancelling a Write's context closes
			// the socket, and a shutdown must not cut a message in flight.
			ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.WriteTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.cancel()
				return
			}
		case <-ping.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.WriteTimeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.cancel()
				return
			}
		}
	}
}

// flush writes what is queued, within a short deadline (shutdown only).
func (c *wsConn) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for {
		select {
		case b := <-c.send:
			if c.ws.Write(ctx, websocket.MessageText, b) != nil {
				return
			}
		default:
			return
		}
	}
}

// readLoop reads messages until the peer leaves, the relay shuts down or a
// malformed message arrives, calling handle for each valid one.
func (c *wsConn) readLoop(handle func(protocol.Message)) {
	for {
		typ, b, err := c.ws.Read(c.readCtx)
		if err != nil {
			// Oversized frames are refused by the library before they are
			// read (close status 1009); everything else is a normal leave.
			if websocket.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) {
				c.log.Debug("read", "err", err)
			}
			return
		}
		if c.ctx.Err() != nil {
			return // being closed (a slow peer, or the relay shutting down)
		}
		if !c.limiter.AllowN(c.s.now(), 1) {
			c.guard.refuse(c.kind, refusedMessageRate)
			c.log.Warn("message flood, closing connection")
			c.fatal("", protocol.CodeRateLimited, "too many messages; the connection was closed", websocket.StatusPolicyViolation)
			return
		}
		if typ != websocket.MessageText {
			c.s.m.messages.WithLabelValues(c.kind, "bad").Inc()
			c.fatal("", protocol.CodeBadMessage, "binary frames are not part of the protocol", websocket.StatusUnsupportedData)
			return
		}
		m, err := protocol.Decode(b)
		if err != nil {
			c.s.m.messages.WithLabelValues(c.kind, "bad").Inc()
			var de *protocol.DecodeError
			code := protocol.CodeBadMessage
			if errors.As(err, &de) {
				code = de.Code
			}
			c.fatal(m.ID, code, err.Error(), websocket.StatusPolicyViolation)
			return
		}
		c.s.m.messages.WithLabelValues(c.kind, "ok").Inc()
		handle(m)
	}
}

// fatal writes an error message directly, then closes the socket.
func (c *wsConn) fatal(id string, code protocol.ErrorCode, msg string, status websocket.StatusCode) {
	ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.WriteTimeout)
	defer cancel()
	c.ws.Write(ctx, websocket.MessageText, protocol.ErrorMessage(id, code, msg))
	c.ws.Close(status, string(code))
}

func (c *wsConn) replyError(id string, code protocol.ErrorCode, msg string) {
	c.enqueue(protocol.ErrorMessage(id, code, msg))
}

// run starts the writer, runs the read loop in the calling (handler)
// goroutine, and tears down.
func (c *wsConn) run(handle func(protocol.Message), done func()) {
	c.s.wg.Add(1)
	go c.writeLoop()
	c.readLoop(handle)
	c.cancel()
	done()
	<-c.readCtx.Done() // the writer has finished
	c.ws.CloseNow()
}

// encode builds a message. Encoding the relay's own structs fails only
// for size; that is logged and counted (lifeline_ws_send_failures_total
// reason "encode") and nil returned, which enqueue skips and a console
// broadcast replaces with error queue_incomplete.
func (s *Server) encode(typ protocol.Type, id, session string, payload any) []byte {
	b, err := protocol.Encode(typ, id, session, payload)
	if err != nil {
		s.hub.guard.sendFailed("encode")
		s.log.Error("message not sent: cannot encode", "type", typ, "session", session, "err", err)
		return nil
	}
	return b
}

func newID(prefix string) string { return prefix + "-" + auth.Token(12) }
