package assist

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
)

// DefaultConsentTimeout is how long the user has to answer a consent
// question; no answer is a decline.
const DefaultConsentTimeout = 60 * time.Second

// Config configures a Session. Signaler and Consenter are required.
type Config struct {
	Signaler  Signaler
	Consenter Consenter
	// OnEvent receives every state change, in order, from the session's
	// goroutine. It must not block (a UI marshals it to its own thread).
	OnEvent func(Event)

	// NewSource opens the capture source once the user allowed viewing.
	// The default captures Display with XShm on X11 (kbinani/screenshot
	// elsewhere).
	NewSource func() (Source, error)
	// Display is the index of the display to share (0 = primary).
	Display int
	// Injector delivers input once the user allowed control. The default
	// is a RobotgoInjector on $DISPLAY, created when control is granted.
	Injector Injector

	// ICEServers are added to the relay's (normally none: no public STUN).
	ICEServers []webrtc.ICEServer
	Network    NetworkOptions

	FPS int // maximum frame rate (default 30)
	// BitrateKbps is the maximum video bitrate (default 2000). The stream
	// starts at 1000 kbit/s (or this maximum, if lower) and follows the
	// viewer's REMB estimates or receiver-report losses.
	BitrateKbps int
	CPUUsed     int // VP8E_SET_CPUUSED (default -6: fixed speed 6, see vpx.Config)

	ConsentTimeout time.Duration // default 60 s
	Clock          Clock         // default: the real clock
}

// Stats are the session's counters.
type Stats struct {
	Video         VideoStats
	InputInjected uint64 // events handed to the Injector
	InputDropped  uint64 // events dropped because control was not allowed
	InputStale    uint64 // pointer moves older than one already applied
	InputFailed   uint64 // undecodable messages or injector errors
}

// Session is the user's side of one live session: it answers the
// technician's requests through the Consenter, streams the screen once
// viewing is allowed and injects input only while control is allowed.
type Session struct {
	cfg Config
	log *slog.Logger
	api *webrtc.API

	cmds chan command
	done chan struct{}
	ran  atomic.Bool

	// Input gate. Everything about injection happens under inMu, so once
	// RevokeControl or Stop has returned no further event is injected.
	inMu      sync.Mutex
	control   bool
	revokeGen uint64 // bumped by every revocation; a grant asked before it is void
	seqValid  bool
	lastSeq   uint32
	bounds    image.Rectangle
	injector  Injector
	ownInj    bool // injector created by the session, closed at the end
	injected  atomic.Uint64
	dropped   atomic.Uint64
	stale     atomic.Uint64
	failed    atomic.Uint64
	onInject  func(received time.Time) // tests and benchmarks: latency probe
	held      map[heldInput]bool       // keys and buttons the technician holds down
	lastX     int
	lastY     int

	stateMu sync.Mutex
	state   State
	vid     atomic.Pointer[video]
}

// heldInput identifies a key or button that is down; the Input to
// release it is the same with Down false.
type heldInput struct {
	kind   InputKind
	code   string
	button int
}

type command int

const (
	cmdRevoke command = iota + 1
	cmdStop
)

// New creates a session. Call Run to start it.
func New(cfg Config, log *slog.Logger) (*Session, error) {
	if cfg.Signaler == nil || cfg.Consenter == nil {
		return nil, errors.New("assist: Config.Signaler and Config.Consenter are required")
	}
	if cfg.ConsentTimeout <= 0 {
		cfg.ConsentTimeout = DefaultConsentTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.NewSource == nil {
		d := cfg.Display
		cfg.NewSource = func() (Source, error) { return defaultSource(d) }
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	api, err := newAPI(cfg.Network)
	if err != nil {
		return nil, err
	}
	return &Session{
		cfg: cfg, log: log, api: api,
		cmds:  make(chan command, 8),
		done:  make(chan struct{}),
		state: StateRequested,
		held:  make(map[heldInput]bool),
	}, nil
}

// State returns the current state.
func (s *Session) State() State {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.state
}

// Stats returns a snapshot of the counters.
func (s *Session) Stats() Stats {
	st := Stats{
		InputInjected: s.injected.Load(), InputDropped: s.dropped.Load(),
		InputStale: s.stale.Load(), InputFailed: s.failed.Load(),
	}
	if v := s.vid.Load(); v != nil {
		st.Video = v.Stats()
	}
	return st
}

// RevokeControl takes control away from the technician. When it returns,
// no further input is injected; the technician has to ask again.
func (s *Session) RevokeControl() {
	s.inMu.Lock()
	s.withdrawLocked()
	s.inMu.Unlock()
	s.post(cmdRevoke)
}

// withdrawLocked ends control: no technician event is injected from now
// on, a control question still open is void, and the keys and buttons the
// technician was holding down are released (a Shift left pressed would
// otherwise stay pressed for the user). Callers hold inMu.
func (s *Session) withdrawLocked() {
	s.control = false
	s.revokeGen++
	if s.injector == nil {
		clear(s.held)
		return
	}
	for h := range s.held {
		in := Input{Kind: h.kind, Code: h.code, Button: h.button, X: s.lastX, Y: s.lastY}
		if err := s.injector.Inject(in); err != nil {
			s.log.Debug("release held input", "input", in, "err", err)
		}
	}
	clear(s.held)
}

// Stop ends the session. Input stops before Stop returns; capture stops
// and the technician is told shortly after (wait on Done).
func (s *Session) Stop() {
	s.inMu.Lock()
	s.withdrawLocked()
	s.inMu.Unlock()
	s.post(cmdStop)
}

// Done is closed when Run has returned.
func (s *Session) Done() <-chan struct{} { return s.done }

func (s *Session) post(c command) {
	select {
	case s.cmds <- c:
	case <-s.done:
	default:
		// The queue only fills if Run is not running; the gate above
		// already took effect.
	}
}

// handleInput applies one data-channel message. It runs on pion's
// data-channel goroutines.
func (s *Session) handleInput(raw []byte, pointerChannel bool) {
	received := time.Now()
	m, err := inputproto.Decode(raw)
	if err != nil {
		s.failed.Add(1)
		return
	}
	if pointerChannel != (m.Type == inputproto.TypePointerMove) {
		// Each channel carries only its own kind of message.
		s.failed.Add(1)
		return
	}
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if !s.control || s.injector == nil {
		s.dropped.Add(1)
		return
	}
	if m.Type == inputproto.TypePointerMove {
		if s.seqValid && !inputproto.SeqNewer(m.Seq, s.lastSeq) {
			s.stale.Add(1)
			return
		}
		s.seqValid, s.lastSeq = true, m.Seq
	}
	in, ok := inputFor(s.bounds, m)
	if !ok {
		s.failed.Add(1)
		return
	}
	if err := s.injector.Inject(in); err != nil {
		s.failed.Add(1)
		s.log.Debug("inject input", "err", err)
		return
	}
	switch in.Kind {
	case InputMove, InputButton:
		s.lastX, s.lastY = in.X, in.Y
	}
	if in.Kind == InputKey || in.Kind == InputButton {
		h := heldInput{kind: in.Kind, code: in.Code, button: in.Button}
		if in.Down {
			s.held[h] = true
		} else {
			delete(s.held, h)
		}
	}
	s.injected.Add(1)
	if s.onInject != nil {
		s.onInject(received)
	}
}

// run holds the state of one Run call; only Run's goroutine touches it.
type run struct {
	s          *Session
	ctx        context.Context
	technician string
	iceServers []webrtc.ICEServer

	out chan Signal // to the signaling writer

	pc          *webrtc.PeerConnection
	sender      *webrtc.RTPSender
	track       *webrtc.TrackLocalStaticRTP
	controlDC   *webrtc.DataChannel
	offerSent   bool
	remoteSet   bool
	pendingLoc  []webrtc.ICECandidateInit
	pendingRem  []webrtc.ICECandidateInit
	pcEvents    chan any
	videoCancel context.CancelFunc
	videoDone   chan error
	wg          sync.WaitGroup

	remoteEnded bool // the technician or relay ended the session

	ask        *asking
	consentRes chan consentResult
}

type asking struct {
	id       int
	perm     Permission
	cancel   context.CancelFunc
	timeout  <-chan time.Time
	gen      uint64
	deadline time.Time
}

type consentResult struct {
	id      int
	allowed bool
	err     error
}

type localCandidate struct{ c webrtc.ICECandidateInit }
type pcState struct{ st webrtc.PeerConnectionState }

// Run runs the session until it ends: the user stops it, the technician
// ends it, the user declines viewing, the connection fails, or ctx is
// cancelled (which also tells the technician). It returns nil for an
// ordinary end and an error for a failure; either way the final Event
// says why. Run may be called once.
func (s *Session) Run(ctx context.Context) error {
	if !s.ran.CompareAndSwap(false, true) {
		return errors.New("assist: Session.Run called twice")
	}
	defer close(s.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	r := &run{
		s: s, ctx: ctx,
		out:        make(chan Signal, 256),
		pcEvents:   make(chan any, 64),
		consentRes: make(chan consentResult, 4),
	}
	in := make(chan Signal)
	recvErr := make(chan error, 1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			m, err := s.cfg.Signaler.Recv(ctx)
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case in <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	sendCtx, stopSend := context.WithCancel(context.WithoutCancel(ctx))
	sendErr := make(chan error, 1)
	sendDone := make(chan struct{})
	go func() {
		defer close(sendDone)
		for m := range r.out {
			if err := s.cfg.Signaler.Send(sendCtx, m); err != nil {
				select {
				case sendErr <- err:
				default:
				}
			}
		}
	}()

	s.emit(StateRequested, "", "")
	reason, err := r.loop(in, recvErr, sendErr)

	// Tear down: input first, then capture, then tell the technician.
	s.inMu.Lock()
	s.withdrawLocked()
	if c, ok := s.injector.(io.Closer); ok && s.ownInj {
		c.Close()
	}
	s.injector = nil
	s.inMu.Unlock()
	if r.ask != nil {
		r.ask.cancel()
	}
	r.stopVideo()
	if !r.remoteEnded && reason != ReasonSignalingLost {
		r.send(Signal{Type: SignalEnd, Reason: endReasonForRelay(reason)})
	}
	close(r.out)
	select {
	case <-sendDone:
	case <-time.After(3 * time.Second):
	}
	stopSend()
	<-sendDone
	if r.pc != nil {
		r.pc.Close()
	}
	cancel()
	r.wg.Wait()
	s.emit(StateEnded, r.technician, reason)
	return err
}

func endReasonForRelay(reason string) string {
	switch reason {
	case ReasonViewDenied:
		return "view_denied"
	case ReasonNoAnswer:
		return "view_denied"
	}
	return reason
}

func (s *Session) emit(st State, technician, reason string) {
	s.stateMu.Lock()
	prev := s.state
	s.state = st
	s.stateMu.Unlock()
	s.log.Info("assist session state", "state", st, "prev", prev, "technician", technician, "reason", reason)
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(Event{State: st, Prev: prev, Technician: technician, Reason: reason, Time: s.cfg.Clock.Now()})
	}
}

func (r *run) send(m Signal) {
	select {
	case r.out <- m:
	default:
		r.s.log.Warn("signaling queue full, message dropped", "type", m.Type)
	}
}

func (r *run) loop(in <-chan Signal, recvErr, sendErr <-chan error) (reason string, err error) {
	s := r.s
	for {
		var timeout <-chan time.Time
		if r.ask != nil {
			timeout = r.ask.timeout
		}
		select {
		case <-r.ctx.Done():
			return ReasonUser, nil
		case err := <-recvErr:
			if r.ctx.Err() != nil {
				return ReasonUser, nil
			}
			return ReasonSignalingLost, fmt.Errorf("signaling: %w", err)
		case err := <-sendErr:
			return ReasonSignalingLost, fmt.Errorf("signaling: %w", err)
		case c := <-s.cmds:
			switch c {
			case cmdStop:
				return ReasonUser, nil
			case cmdRevoke:
				if r.ask != nil && r.ask.perm == PermissionControl {
					r.ask.cancel()
					r.ask = nil
					r.send(Signal{Type: SignalControlDeny, Reason: "revoked"})
				}
				if s.State() == StateControlling {
					r.send(Signal{Type: SignalControlRevoke})
					r.sendPermission(false)
					s.emit(StateViewing, r.technician, "revoked")
				}
			}
		case m := <-in:
			if reason, err, end := r.handleSignal(m); end {
				return reason, err
			}
		case res := <-r.consentRes:
			if r.ask == nil || res.id != r.ask.id {
				continue // answered after the timeout
			}
			if reason, err, end := r.answered(res.allowed && res.err == nil); end {
				return reason, err
			}
		case <-timeout:
			r.ask.cancel()
			if reason, err, end := r.answered(false); end {
				if reason == ReasonViewDenied {
					reason = ReasonNoAnswer
				}
				return reason, err
			}
		case ev := <-r.pcEvents:
			switch ev := ev.(type) {
			case localCandidate:
				if !r.offerSent {
					r.pendingLoc = append(r.pendingLoc, ev.c)
				} else {
					r.send(Signal{Type: SignalCandidate, Candidate: ev.c})
				}
			case pcState:
				switch ev.st {
				case webrtc.PeerConnectionStateConnected:
					if st := s.State(); (st == StateViewing || st == StateControlling) && r.videoCancel == nil {
						if err := r.startVideo(); err != nil {
							return ReasonCaptureFailed, err
						}
					}
				case webrtc.PeerConnectionStateFailed:
					return ReasonConnectionFailed, errors.New("WebRTC connection failed")
				case webrtc.PeerConnectionStateClosed:
					return ReasonConnectionFailed, errors.New("WebRTC connection closed")
				}
			}
		case err := <-r.videoDone:
			r.videoDone = nil
			if err != nil {
				return ReasonCaptureFailed, fmt.Errorf("screen capture: %w", err)
			}
		}
	}
}

func (r *run) handleSignal(m Signal) (reason string, err error, end bool) {
	s := r.s
	if m.Peer != "" && r.technician == "" {
		r.technician = m.Peer
	}
	switch m.Type {
	case SignalSessionStart:
		r.iceServers = m.ICEServers
		if m.Peer != "" {
			r.technician = m.Peer
		}
	case SignalViewRequest:
		if s.State() != StateRequested || r.ask != nil {
			return "", nil, false
		}
		s.emit(StateWaitingConsent, r.technician, "")
		r.startAsk(PermissionView)
	case SignalControlRequest:
		if s.State() != StateViewing || r.ask != nil {
			// Not viewing, already controlling or already asking.
			return "", nil, false
		}
		r.startAsk(PermissionControl)
	case SignalAnswer:
		if r.pc == nil || r.remoteSet {
			return "", nil, false
		}
		if err := r.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
			return ReasonConnectionFailed, fmt.Errorf("set remote answer: %w", err), true
		}
		r.remoteSet = true
		for _, c := range r.pendingRem {
			if err := r.pc.AddICECandidate(c); err != nil {
				s.log.Debug("add ICE candidate", "err", err)
			}
		}
		r.pendingRem = nil
	case SignalCandidate:
		if m.Candidate.Candidate == "" {
			return "", nil, false // end of candidates
		}
		if r.pc == nil || !r.remoteSet {
			r.pendingRem = append(r.pendingRem, m.Candidate)
			return "", nil, false
		}
		if err := r.pc.AddICECandidate(m.Candidate); err != nil {
			s.log.Debug("add ICE candidate", "err", err)
		}
	case SignalEnd:
		r.remoteEnded = true
		return ReasonTechnician, nil, true
	}
	return "", nil, false
}

func (r *run) startAsk(p Permission) {
	s := r.s
	id := 1
	if r.ask != nil {
		id = r.ask.id + 1
	}
	s.inMu.Lock()
	gen := s.revokeGen
	s.inMu.Unlock()
	ctx, cancel := context.WithCancel(r.ctx)
	deadline := s.cfg.Clock.Now().Add(s.cfg.ConsentTimeout)
	r.ask = &asking{id: id, perm: p, cancel: cancel, timeout: s.cfg.Clock.After(s.cfg.ConsentTimeout), gen: gen, deadline: deadline}
	req := ConsentRequest{Permission: p, Technician: r.technician, Deadline: deadline}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ok, err := s.cfg.Consenter.Ask(ctx, req)
		if ctx.Err() != nil {
			ok = false
		}
		select {
		case r.consentRes <- consentResult{id: id, allowed: ok, err: err}:
		case <-r.ctx.Done():
		}
	}()
}

// answered applies the user's answer to the pending question.
func (r *run) answered(allowed bool) (reason string, err error, end bool) {
	s := r.s
	a := r.ask
	r.ask = nil
	a.cancel()
	switch a.perm {
	case PermissionView:
		if !allowed {
			r.send(Signal{Type: SignalViewDeny})
			return ReasonViewDenied, nil, true
		}
		r.send(Signal{Type: SignalViewGrant})
		s.emit(StateViewing, r.technician, "")
		if err := r.startPeer(); err != nil {
			return ReasonConnectionFailed, err, true
		}
	case PermissionControl:
		if s.State() != StateViewing {
			return "", nil, false
		}
		if allowed {
			s.inMu.Lock()
			if s.revokeGen != a.gen {
				// The user revoked (or stopped) while the question was open.
				allowed = false
			} else {
				if s.injector == nil {
					inj := s.cfg.Injector
					if inj == nil {
						ri, err := NewRobotgoInjector("")
						if err != nil {
							s.inMu.Unlock()
							s.log.Error("cannot inject input", "err", err)
							r.send(Signal{Type: SignalControlDeny, Reason: "input injection unavailable"})
							return "", nil, false
						}
						inj = ri
					}
					s.injector = inj
					s.ownInj = s.cfg.Injector == nil
				}
				s.control = true
				s.seqValid = false
			}
			s.inMu.Unlock()
		}
		if !allowed {
			r.send(Signal{Type: SignalControlDeny})
			s.emit(StateViewing, r.technician, "control_denied")
			return "", nil, false
		}
		r.send(Signal{Type: SignalControlGrant})
		r.sendPermission(true)
		s.emit(StateControlling, r.technician, "")
	}
	return "", nil, false
}

func (r *run) sendPermission(control bool) {
	if r.controlDC == nil || r.controlDC.ReadyState() != webrtc.DataChannelStateOpen {
		return
	}
	b, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePermission, View: true, Control: control})
	r.controlDC.Send(b)
}

// startPeer creates the peer connection with the video track and both
// data channels, and sends the offer.
func (r *run) startPeer() error {
	s := r.s
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{
		ICEServers: append(append([]webrtc.ICEServer(nil), r.iceServers...), s.cfg.ICEServers...),
	})
	if err != nil {
		return fmt.Errorf("create peer connection: %w", err)
	}
	r.pc = pc
	post := func(ev any) {
		select {
		case r.pcEvents <- ev:
		case <-r.ctx.Done():
		}
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			post(localCandidate{c.ToJSON()})
		}
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		s.log.Debug("peer connection state", "state", st)
		post(pcState{st})
	})
	track, err := webrtc.NewTrackLocalStaticRTP(vp8Codec.RTPCodecCapability, "screen", "lifeline")
	if err != nil {
		return fmt.Errorf("create video track: %w", err)
	}
	r.track = track
	sender, err := pc.AddTrack(track)
	if err != nil {
		return fmt.Errorf("add video track: %w", err)
	}
	r.sender = sender
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.readRTCP(sender)
	}()

	ordered := true
	control, err := pc.CreateDataChannel(inputproto.ControlChannel, &webrtc.DataChannelInit{Ordered: &ordered})
	if err != nil {
		return fmt.Errorf("create control channel: %w", err)
	}
	r.controlDC = control
	control.OnOpen(func() {
		b, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePermission, View: true, Control: s.State() == StateControlling})
		control.Send(b)
	})
	control.OnMessage(func(m webrtc.DataChannelMessage) { s.handleInput(m.Data, false) })
	unordered, zero := false, uint16(0)
	pointer, err := pc.CreateDataChannel(inputproto.PointerChannel, &webrtc.DataChannelInit{Ordered: &unordered, MaxRetransmits: &zero})
	if err != nil {
		return fmt.Errorf("create pointer channel: %w", err)
	}
	pointer.OnMessage(func(m webrtc.DataChannelMessage) { s.handleInput(m.Data, true) })

	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("set local offer: %w", err)
	}
	r.send(Signal{Type: SignalOffer, SDP: offer.SDP})
	r.offerSent = true
	for _, c := range r.pendingLoc {
		r.send(Signal{Type: SignalCandidate, Candidate: c})
	}
	r.pendingLoc = nil
	return nil
}

// readRTCP drains the sender's RTCP (required for the interceptors) and
// turns PLI/FIR into keyframes and REMB/receiver reports into bitrate.
func (r *run) readRTCP(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		if v := r.s.vid.Load(); v != nil {
			applyRTCP(v, pkts)
		}
	}
}

// applyRTCP reacts to the viewer's feedback: a keyframe on PLI or FIR;
// the bitrate follows REMB (90 % of the estimate) and, without REMB,
// receiver-report loss: more than 10 % lost cuts it by half the loss
// fraction, less than 2 % lets it grow by 5 % per report (within the
// configured range).
func applyRTCP(v *video, pkts []rtcp.Packet) {
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			v.RequestKeyframe()
		case *rtcp.ReceiverEstimatedMaximumBitrate:
			v.remb.Store(true)
			v.SetBitrate(int(p.Bitrate / 1000 * 0.9))
		case *rtcp.ReceiverReport:
			for _, rep := range p.Reports {
				lost := float64(rep.FractionLost) / 256
				switch {
				case lost > 0.10:
					v.SetBitrate(int(float64(v.Bitrate()) * (1 - lost/2)))
				case lost < 0.02 && !v.remb.Load():
					v.SetBitrate(v.Bitrate() * 105 / 100)
				}
			}
		}
	}
}

func (r *run) startVideo() error {
	s := r.s
	src, err := s.cfg.NewSource()
	if err != nil {
		return err
	}
	s.inMu.Lock()
	s.bounds = src.Bounds()
	s.inMu.Unlock()
	w := newVP8Writer(r.track)
	v := newVideo(videoConfig{FPS: s.cfg.FPS, BitrateKbps: s.cfg.BitrateKbps, CPUUsed: s.cfg.CPUUsed, Adapt: true}, src, w.write, s.log)
	s.vid.Store(v)
	ctx, cancel := context.WithCancel(r.ctx)
	r.videoCancel = cancel
	done := make(chan error, 1)
	r.videoDone = done
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		err := v.Run(ctx)
		src.Close()
		done <- err
	}()
	return nil
}

func (r *run) stopVideo() {
	if r.videoCancel == nil {
		return
	}
	r.videoCancel()
	if r.videoDone != nil {
		<-r.videoDone
		r.videoDone = nil
	}
}
