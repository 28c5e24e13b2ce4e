package server

import (
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// hub is the relay's live state: the desktop and console sockets, the
// request each desktop holds, the waiting queue in order and the running
// sessions. It delivers messages by queueing them on sockets, which never
// blocks, and does no other I/O: store reads and writes happen before or
// after a hub call, never under its lock. Because every announcement is
// queued under the lock, a console that registers sees each request either
// in its snapshot or announced after it.
type hub struct {
	encode func(typ protocol.Type, id, session string, payload any) []byte
	ice    func(sessionID, party string) []protocol.ICEServer // party: turnPartyTech or turnPartyUser
	// maxFileBytes goes to both parties in session.start.
	maxFileBytes int64
	guard        *socketGuard
	log          *slog.Logger
	// recording: every session is recorded (Config.Recording); both
	// parties' session.start say so.
	recording bool
	// incomplete tells consoles that a queue message could not be sent.
	incomplete []byte

	mu       sync.Mutex
	closing  bool
	clients  map[*clientConn]struct{}
	byReq    map[string]*clientConn
	techs    map[int64]map[*techConn]struct{}
	sessions map[string]*liveSession
	queue    []protocol.QueueItem // waiting requests, oldest first
	// The addresses behind the queue, for the waiting caps
	// (SocketLimits.MaxWaiting, MaxWaitingPerAddr): request → address,
	// address → its waiting requests, and the submits being stored now
	// (reserved, in total and by address).
	waitAddr   map[string]string
	waitBy     map[string]int
	reserved   int
	reservedBy map[string]int
}

func newHub(encode func(protocol.Type, string, string, any) []byte, ice func(sessionID, party string) []protocol.ICEServer, waiting []protocol.QueueItem) *hub {
	return &hub{
		encode: encode, ice: ice, guard: newSocketGuard(),
		incomplete: protocol.ErrorMessage("", protocol.CodeQueueIncomplete, "part of the queue could not be sent live; reloading it"),
		clients:    make(map[*clientConn]struct{}),
		byReq:      make(map[string]*clientConn),
		techs:      make(map[int64]map[*techConn]struct{}),
		sessions:   make(map[string]*liveSession),
		queue:      waiting,
		waitAddr:   make(map[string]string),
		waitBy:     make(map[string]int),
		reservedBy: make(map[string]int),
	}
}

// noteWaitingAddr records the address a waiting request came from (a
// queue recovered at start).
func (h *hub) noteWaitingAddr(reqID, addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if addr == "" || h.waitAddr[reqID] != "" {
		return
	}
	h.waitAddr[reqID] = addr
	h.waitBy[addr]++
}

// reserveWaiting holds a place in the queue for a request from addr
// while it is being stored: full says whether the queue (all) or addr's
// share (addr) is already taken, else the reservation holds the place
// until addWaiting takes it or release gives it back. A negative cap is
// no cap.
func (h *hub) reserveWaiting(addr string, maxAll, maxAddr int) (res *reservation, full string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if maxAll >= 0 && len(h.queue)+h.reserved >= maxAll {
		return nil, "all"
	}
	if maxAddr >= 0 && h.waitBy[addr]+h.reservedBy[addr] >= maxAddr {
		return nil, "addr"
	}
	h.reserved++
	h.reservedBy[addr]++
	return &reservation{h: h, addr: addr}, ""
}

// reservation is a place reserveWaiting holds until the request joins
// the queue (addWaiting turns it into a waiting request under the same
// lock, so the place is never counted twice nor not at all) or is given
// up (release).
type reservation struct {
	h    *hub
	addr string
	done bool // guarded by h.mu
}

// release gives the place up, unless addWaiting has used it.
func (r *reservation) release() {
	if r == nil {
		return
	}
	r.h.mu.Lock()
	defer r.h.mu.Unlock()
	r.releaseLocked()
}

func (r *reservation) releaseLocked() {
	if r == nil || r.done {
		return
	}
	r.done = true
	h := r.h
	h.reserved--
	if h.reservedBy[r.addr]--; h.reservedBy[r.addr] <= 0 {
		delete(h.reservedBy, r.addr)
	}
}

// admit counts a new socket handler in wg, unless the relay is shutting
// down (then it returns false). Shutdown waits for wg after closing, so
// the check and the count go together.
func (h *hub) admit(wg *sync.WaitGroup) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	wg.Add(1)
	return true
}

func (h *hub) isClosing() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closing
}

// shutdown refuses new sockets from now on and returns the running sessions.
func (h *hub) shutdown() []*liveSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return nil
	}
	h.closing = true
	live := make([]*liveSession, 0, len(h.sessions))
	for _, ls := range h.sessions {
		live = append(live, ls)
	}
	return live
}

// hubCounts are the sizes the metrics export.
type hubCounts struct{ queue, sessions, clients, techs int }

func (h *hub) counts() hubCounts {
	h.mu.Lock()
	defer h.mu.Unlock()
	return hubCounts{queue: len(h.queue), sessions: len(h.sessions), clients: len(h.clients), techs: len(h.techs)}
}

// --- desktops

func (h *hub) addClient(c *clientConn) {
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
}

// toClients queues b on every desktop socket and returns how many.
func (h *hub) toClients(b []byte) int {
	if b == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.enqueue(b)
	}
	return len(h.clients)
}

// removeClient forgets c and returns its session and request, and whether
// the relay is shutting down.
func (h *hub) removeClient(c *clientConn) (ls *liveSession, reqID string, closing bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
	if c.requestID != "" && h.byReq[c.requestID] == c {
		delete(h.byReq, c.requestID)
	}
	return c.session, c.requestID, h.closing
}

// requestOf returns c's request and whether it is in a session.
func (h *hub) requestOf(c *clientConn) (reqID string, inSession bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.requestID, c.session != nil
}

func (h *hub) sessionOf(c *clientConn) *liveSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.session
}

// online reports whether the desktop of a request is connected.
func (h *hub) online(reqID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byReq[reqID] != nil
}

// addWaiting puts c's new request at the end of the queue, answers c with
// its position and announces the request to every console.
func (h *hub) addWaiting(c *clientConn, replyID, token string, it protocol.QueueItem, res *reservation) {
	added := h.encode(protocol.TypeQueueAdded, "", "", &it)
	h.mu.Lock()
	defer h.mu.Unlock()
	res.releaseLocked() // the place becomes the waiting request
	c.requestID = it.ID
	h.byReq[it.ID] = c
	h.queue = append(h.queue, it)
	if c.addr != "" {
		h.waitAddr[it.ID] = c.addr
		h.waitBy[c.addr]++
	}
	c.enqueue(h.encode(protocol.TypeRequestAccepted, replyID, "", &protocol.RequestAccepted{RequestID: it.ID, ResumeToken: token, State: it.State, Position: len(h.queue)}))
	h.broadcastLocked(added)
}

// cancel takes c's waiting request out of the queue and confirms to c.
func (h *hub) cancel(c *clientConn, replyID, reqID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeWaitingLocked(reqID)
	if h.byReq[reqID] == c {
		delete(h.byReq, reqID)
	}
	c.requestID = ""
	c.enqueue(h.encode(protocol.TypeRequestCancelled, replyID, "", &protocol.RequestCancelled{RequestID: reqID, Reason: "cancelled by user"}))
}

// resume binds c to a stored request it proved it holds: state and
// sessionID are the request's in the store. The newest connection wins;
// an older one for the same request is told and dropped. A taken request
// joins c to its waiting session, which resume returns; ok is false when
// c was refused (and already answered).
func (h *hub) resume(c *clientConn, replyID string, acc protocol.RequestAccepted, sessionID string) (ls *liveSession, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.requestID != "" && c.requestID != acc.RequestID {
		c.replyError(replyID, protocol.CodeNotAllowed, "this connection already has a help request")
		return nil, false
	}
	if old := h.byReq[acc.RequestID]; old != nil && old != c {
		old.requestID = ""
		old.replyError("", protocol.CodeNotAllowed, "this request was resumed from another connection")
		old.cancel()
	}
	switch acc.State {
	case store.StateWaiting:
	case store.StateTaken:
		if ls = h.sessions[sessionID]; ls == nil || ls.client != nil {
			c.replyError(replyID, protocol.CodeNotFound, msgNoLongerOpen)
			return nil, false
		}
	default:
		c.replyError(replyID, protocol.CodeNotFound, msgNoLongerOpen)
		return nil, false
	}
	c.requestID = acc.RequestID
	h.byReq[acc.RequestID] = c
	acc.Position = slices.IndexFunc(h.queue, func(it protocol.QueueItem) bool { return it.ID == acc.RequestID }) + 1
	c.enqueue(h.encode(protocol.TypeRequestAccepted, replyID, "", &acc))
	if ls != nil {
		h.attachLocked(ls, c)
	}
	return ls, true
}

// --- sessions

func (h *hub) session(id string) *liveSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[id]
}

// isLive reports whether a session is running.
func (h *hub) isLive(id string) bool { return h.session(id) != nil }

// take starts ls on its waiting request: the request leaves the queue, its
// desktop (if connected) joins, every console sees it taken and the
// technician's consoles get session.start. It reports whether the desktop
// is connected.
func (h *hub) take(ls *liveSession) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeWaitingLocked(ls.requestID)
	h.sessions[ls.id] = ls
	c := h.byReq[ls.requestID]
	if c != nil {
		h.attachLocked(ls, c)
	}
	it := ls.request
	it.Online = c != nil
	h.broadcastLocked(h.encode(protocol.TypeQueueUpdated, "", "", &it))
	h.sendTechLocked(ls.techID, h.techStartLocked(ls))
	return c != nil
}

// redeemed starts ls for c, which redeemed a code of the session's
// technician: c holds the new request, is answered and joins, and the
// technician's consoles get session.start.
func (h *hub) redeemed(ls *liveSession, c *clientConn, replyID, token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sessions[ls.id] = ls
	c.requestID = ls.requestID
	h.byReq[ls.requestID] = c
	c.enqueue(h.encode(protocol.TypeRequestAccepted, replyID, "", &protocol.RequestAccepted{RequestID: ls.requestID, ResumeToken: token, State: ls.request.State}))
	h.attachLocked(ls, c)
	h.sendTechLocked(ls.techID, h.techStartLocked(ls))
}

// attachLocked joins a desktop to a live session and tells it so.
func (h *hub) attachLocked(ls *liveSession, c *clientConn) {
	ls.client = c
	c.session = ls
	c.enqueue(h.encode(protocol.TypeRequestTaken, "", "", &protocol.RequestTaken{RequestID: ls.requestID, Technician: ls.techName}))
	c.enqueue(h.encode(protocol.TypeSessionStart, "", ls.id, &protocol.SessionStart{
		SessionID: ls.id, RequestID: ls.requestID, Peer: ls.techName, Role: protocol.RoleOfferer, ICEServers: h.ice(ls.id, turnPartyUser),
		MaxFileBytes: h.maxFileBytes,
		Recording:    h.recording,
	}))
}

// techStartLocked is the session.start a console gets for ls: when the
// session starts, and again when the console reloads.
func (h *hub) techStartLocked(ls *liveSession) []byte {
	it := ls.request
	it.Online = ls.client != nil
	start := protocol.SessionStart{
		SessionID: ls.id, RequestID: ls.requestID, Peer: ls.peerName(), Role: protocol.RoleAnswerer, ICEServers: h.ice(ls.id, turnPartyTech), Request: &it,
		MaxFileBytes: h.maxFileBytes,
		Recording:    h.recording,
		// A console that reloads resumes with what the user allowed.
		ViewGranted: ls.viewGranted, ControlGranted: ls.controlGranted,
	}
	if b := h.encode(protocol.TypeSessionStart, "", ls.id, &start); b != nil {
		return b
	}
	// A request stored before requests were size-capped: the session
	// starts all the same, its context is on GET /api/requests/{id}.
	start.Request = &protocol.QueueItem{ID: it.ID, State: it.State, Source: it.Source, CreatedAt: it.CreatedAt, Online: it.Online, Name: it.Name}
	return h.encode(protocol.TypeSessionStart, "", ls.id, &start)
}

// admitMessage checks a session message m from one party of ls against
// the consent ladder and stamps who sent it (consent By, chat From and
// At). It returns the message to forward, or why it is refused.
func (h *hub) admitMessage(ls *liveSession, fromTech bool, m protocol.Message, now time.Time) (b []byte, refused string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.sessions[ls.id] != ls:
		return nil, "the session has ended"
	case ls.client == nil && fromTech:
		return nil, "the user is not connected"
	case ls.client == nil:
		return nil, "not part of this session"
	}
	if why := ls.step(m.Type); why != "" {
		return nil, why
	}
	if a, ok := m.Payload.(*protocol.SessionActivity); ok {
		if a.Kind.NeedsControl() && !ls.controlGranted {
			return nil, "the technician does not have control"
		} else if !ls.viewGranted {
			return nil, "the user has not allowed viewing"
		}
	}
	sender := ls.userName
	if fromTech {
		sender = ls.techName
	}
	switch p := m.Payload.(type) {
	case *protocol.Consent:
		p.By = sender
	case *protocol.Chat:
		p.From, p.At = sender, now
	case *protocol.SessionActivity:
		p.By = sender
	}
	return h.encode(m.Type, "", ls.id, m.Payload), ""
}

// forward delivers b to the other party of ls, unless the session has
// ended meanwhile (session.end then tells both sides).
func (h *hub) forward(ls *liveSession, fromTech bool, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sessions[ls.id] != ls {
		return
	}
	if !fromTech {
		h.sendTechLocked(ls.techID, b)
	} else if ls.client != nil {
		ls.client.enqueue(b)
	}
}

// end removes ls and frees its desktop's request; it returns the desktop
// that was in it, and false if ls had already ended.
func (h *hub) end(ls *liveSession) (*clientConn, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sessions[ls.id] != ls {
		return nil, false
	}
	delete(h.sessions, ls.id)
	c := ls.client
	if c != nil {
		c.session = nil
		if h.byReq[c.requestID] == c {
			delete(h.byReq, c.requestID)
		}
		c.requestID = ""
	}
	return c, true
}

// tellEnd sends the session.end b of ls to its desktop c (if any and
// toClient) and to the technician's consoles (if toTech).
func (h *hub) tellEnd(ls *liveSession, c *clientConn, b []byte, toClient, toTech bool) {
	if c != nil && toClient {
		c.enqueue(b)
	}
	if toTech {
		h.mu.Lock()
		h.sendTechLocked(ls.techID, b)
		h.mu.Unlock()
	}
}

// --- consoles

// addTech registers a console socket: it gets the queue snapshot, then
// session.start again for each of its technician's running sessions.
func (h *hub) addTech(tc *techConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := tc.tech.ID
	if h.techs[id] == nil {
		h.techs[id] = make(map[*techConn]struct{})
	}
	h.techs[id][tc] = struct{}{}
	items := make([]protocol.QueueItem, 0, len(h.queue))
	for _, it := range h.queue {
		it.Online = h.byReq[it.ID] != nil
		items = append(items, it)
	}
	// In parts, each within the frame cap: a busy queue fills many.
	parts, omitted, err := protocol.SnapshotParts(items)
	if err != nil {
		h.logQueueLoss("queue.snapshot: "+err.Error(), nil)
		parts = nil
	}
	// Room is kept for the session.start messages and what follows.
	if room := cap(tc.send) - len(h.sessions) - 16; len(parts) > room {
		h.logQueueLoss("queue.snapshot: more parts than the console's send queue holds", nil)
		parts, err = parts[:max(room, 0)], errSnapshotCut
	}
	for _, b := range parts {
		tc.enqueue(b)
	}
	if len(omitted) > 0 {
		h.logQueueLoss("queue.snapshot: request too large for a message", omitted)
	}
	if err != nil || len(omitted) > 0 {
		tc.enqueue(h.incomplete)
	}
	for _, ls := range h.sessions {
		if ls.techID == id {
			tc.enqueue(h.techStartLocked(ls))
		}
	}
}

// errSnapshotCut: the snapshot was cut short.
var errSnapshotCut = errors.New("queue snapshot cut short")

// announce sends the current state of a request to every console.
func (h *hub) announce(it protocol.QueueItem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	it.Online = h.byReq[it.ID] != nil
	h.broadcastLocked(h.encode(protocol.TypeQueueUpdated, "", "", &it))
}

// removeWaitingLocked drops a request from the queue and tells the
// desktops behind it their new position.
func (h *hub) removeWaitingLocked(reqID string) {
	i := slices.IndexFunc(h.queue, func(it protocol.QueueItem) bool { return it.ID == reqID })
	if i < 0 {
		return
	}
	h.queue = slices.Delete(h.queue, i, i+1)
	if addr, ok := h.waitAddr[reqID]; ok {
		delete(h.waitAddr, reqID)
		if h.waitBy[addr]--; h.waitBy[addr] <= 0 {
			delete(h.waitBy, addr)
		}
	}
	for j := i; j < len(h.queue); j++ {
		id := h.queue[j].ID
		if c := h.byReq[id]; c != nil {
			c.enqueue(h.encode(protocol.TypeRequestPosition, "", "", &protocol.QueuePosition{RequestID: id, Position: j + 1}))
		}
	}
}

// broadcastLocked queues b on every console; b is nil when it could not
// be encoded (s.encode logged and counted it), and the consoles are told
// to reload the queue instead.
func (h *hub) broadcastLocked(b []byte) {
	if b == nil {
		b = h.incomplete
	}
	for _, conns := range h.techs {
		for tc := range conns {
			tc.enqueue(b)
		}
	}
}

func (h *hub) sendTechLocked(techID int64, b []byte) {
	for tc := range h.techs[techID] {
		tc.enqueue(b)
	}
}

// DefaultMaxFileBytes is the largest file sent in a session unless the
// operator says otherwise: 2 GiB.
const DefaultMaxFileBytes = 2 << 30
