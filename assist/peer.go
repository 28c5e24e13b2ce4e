package assist

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist/fileproto"
	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// maxPendingCandidates caps the technician's ICE candidates kept until
// the answer arrives (trickle ICE sends them as they are found, often
// before it). A browser finds a handful; the rest is dropped, counted and
// logged.
const maxPendingCandidates = 64

// peer is the session's pion PeerConnection, from view consent to the end:
// the offer and answer, trickle ICE both ways, the VP8 track and its RTCP
// feedback, the two data channels (whose input goes to the gate) and the
// video pipeline that feeds the track. Its methods run on the session's
// goroutine; pion's callbacks reach that goroutine through events.
type peer struct {
	api         *webrtc.API
	log         *slog.Logger
	gate        *inputGate
	files       *transfers
	controlling func() bool // whether the user allows control now

	// events carries localCandidate, pcState and videoEnded to the
	// session's goroutine.
	events  chan any
	closing chan struct{} // closed by close: posting stops

	pc        *webrtc.PeerConnection
	track     *webrtc.TrackLocalStaticRTP
	control   *webrtc.DataChannel
	remoteSet bool
	pending   []webrtc.ICECandidateInit // the technician's, until the answer
	dropped   atomic.Uint64             // candidates over maxPendingCandidates

	displaysMu sync.Mutex
	displays   *inputproto.DisplayList // the last list sent, for the control channel's open

	vid     atomic.Pointer[video]
	lan     atomic.Bool // the selected candidate pair is a direct local one
	stopVid func()      // set by startVideo: stops the pipeline and waits for it

	// consoleDraws: this connection's console draws the pointer
	// (DrawPointer); pointer samples it while the video runs.
	consoleDraws atomic.Bool
	pointer      atomic.Pointer[pointerSampler]
	wg           sync.WaitGroup
}

type (
	activityDone   struct{ a Activity }
	localCandidate struct {
		c  webrtc.ICECandidateInit
		pc *webrtc.PeerConnection // whose: one closed since is ignored
	}
	pcState struct {
		st webrtc.PeerConnectionState
		pc *webrtc.PeerConnection
	}

	videoEnded       struct{ err error }
	displayChosen    struct{ display uint8 } // the technician's SelectDisplay
	resolutionChosen struct{ full bool }     // the technician's FullResolution
)

func newPeer(api *webrtc.API, gate *inputGate, files *transfers, controlling func() bool, log *slog.Logger) *peer {
	return &peer{
		api: api, log: log, gate: gate, files: files, controlling: controlling,
		events:  make(chan any, 64),
		closing: make(chan struct{}),
	}
}

func (p *peer) post(ev any) {
	select {
	case p.events <- ev:
	case <-p.closing:
	}
}

// start creates the peer connection with the video track and both data
// channels, and returns the offer to send.
func (p *peer) start(iceServers []webrtc.ICEServer) (offer string, err error) {
	pc, err := p.api.NewPeerConnection(webrtc.Configuration{ICEServers: iceServers})
	if err != nil {
		return "", fmt.Errorf("create peer connection: %w", err)
	}
	p.pc = pc
	p.consoleDraws.Store(false) // until this connection's console says it draws
	// Candidates are gathered only after SetLocalDescription below, and
	// the session's goroutine reads them after start has returned: the
	// offer always goes out before them.
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			p.post(localCandidate{c.ToJSON(), pc})
		}
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		p.log.Debug("peer connection state", "state", st)
		p.post(pcState{st, pc})
	})
	pc.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(func(pair *webrtc.ICECandidatePair) {
		lan := localPair(pair)
		p.log.Info("candidate pair selected", "pair", pair.String(), "lan", lan)
		p.lan.Store(lan)
		if v := p.vid.Load(); v != nil {
			v.SetFrameRateCap(v.rates.forPath(lan))
		}
	})
	track, err := webrtc.NewTrackLocalStaticRTP(vp8Codec.RTPCodecCapability, "screen", "lifeline")
	if err != nil {
		return "", fmt.Errorf("create video track: %w", err)
	}
	p.track = track
	sender, err := pc.AddTrack(track)
	if err != nil {
		return "", fmt.Errorf("add video track: %w", err)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.readRTCP(sender)
	}()

	ordered := true
	control, err := pc.CreateDataChannel(inputproto.ControlChannel, &webrtc.DataChannelInit{Ordered: &ordered})
	if err != nil {
		return "", fmt.Errorf("create control channel: %w", err)
	}
	p.control = control
	p.gate.connect(control.Send, func(kind protocol.ActivityKind, chars int) {
		p.post(activityDone{Activity{Kind: kind, Chars: chars}})
	})
	control.OnOpen(func() {
		control.Send(permissionMessage(p.controlling()))
		p.sendDisplays(nil)
	})
	control.OnMessage(func(m webrtc.DataChannelMessage) { p.gate.handle(m.Data, false) })
	unordered, zero := false, uint16(0)
	pointer, err := pc.CreateDataChannel(inputproto.PointerChannel, &webrtc.DataChannelInit{Ordered: &unordered, MaxRetransmits: &zero})
	if err != nil {
		return "", fmt.Errorf("create pointer channel: %w", err)
	}
	pointer.OnMessage(func(m webrtc.DataChannelMessage) { p.gate.handle(m.Data, true) })
	file, err := pc.CreateDataChannel(fileproto.Channel, &webrtc.DataChannelInit{Ordered: &ordered})
	if err != nil {
		return "", fmt.Errorf("create file channel: %w", err)
	}
	file.SetBufferedAmountLowThreshold(sendLowWater)
	file.OnBufferedAmountLow(p.files.lowWater)
	file.OnOpen(func() { p.files.attach(file) })
	file.OnMessage(func(m webrtc.DataChannelMessage) {
		if !m.IsString {
			p.files.handle(m.Data)
		}
	})

	o, err := pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("create offer: %w", err)
	}
	if err := pc.SetLocalDescription(o); err != nil {
		return "", fmt.Errorf("set local offer: %w", err)
	}
	return o.SDP, nil
}

// setAnswer applies the technician's answer and the candidates that came
// before it. An answer without an offer, or a second one, is ignored.
func (p *peer) setAnswer(sdp string) error {
	if p.pc == nil || p.remoteSet {
		return nil
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("set remote answer: %w", err)
	}
	p.remoteSet = true
	for _, c := range p.pending {
		p.addICE(c)
	}
	p.pending = nil
	return nil
}

// addCandidate applies one of the technician's candidates, or keeps it
// until the answer.
func (p *peer) addCandidate(c webrtc.ICECandidateInit) {
	if c.Candidate == "" {
		return // end of candidates
	}
	if p.pc != nil && p.remoteSet {
		p.addICE(c)
		return
	}
	if len(p.pending) >= maxPendingCandidates {
		p.dropped.Add(1)
		p.log.Warn("too many ICE candidates before the answer, candidate dropped", "max", maxPendingCandidates)
		return
	}
	p.pending = append(p.pending, c)
}

func (p *peer) addICE(c webrtc.ICECandidateInit) {
	if err := p.pc.AddICECandidate(c); err != nil {
		p.log.Debug("add ICE candidate", "err", err)
	}
}

// sendPermission tells the technician's console what it may do.
func (p *peer) sendPermission(control bool) {
	if p.control == nil || p.control.ReadyState() != webrtc.DataChannelStateOpen {
		return
	}
	p.control.Send(permissionMessage(control))
}

// sendDisplays tells the technician's console which displays there are
// and which is shown: l, or (nil) the last list again, once the control
// channel is open. The lock keeps the channel's open and a switch from
// sending two lists out of order.
func (p *peer) sendDisplays(l *inputproto.DisplayList) {
	p.displaysMu.Lock()
	defer p.displaysMu.Unlock()
	if l != nil {
		p.displays = l
	}
	if p.displays == nil || p.control == nil || p.control.ReadyState() != webrtc.DataChannelStateOpen {
		return
	}
	b, err := inputproto.Marshal(inputproto.Message{Type: inputproto.TypeDisplays, Displays: p.displays})
	if err != nil {
		p.log.Warn("display list not sent", "err", err)
		return
	}
	p.control.Send(b)
}

// setConsoleDraws applies the console's DrawPointer (from pion's
// goroutine): the source shown leaves the pointer out of frames, and the
// sampler sends it, or the other way round.
func (p *peer) setConsoleDraws(on bool) {
	p.consoleDraws.Store(on)
	if ps := p.pointer.Load(); ps != nil {
		ps.apply()
	}
}

// sendPointer sends a pointer message on the control channel, unless it
// is not open or backed up (the next position supersedes this one).
func (p *peer) sendPointer(b []byte) bool {
	p.displaysMu.Lock()
	c := p.control
	p.displaysMu.Unlock()
	if c == nil || c.ReadyState() != webrtc.DataChannelStateOpen || c.BufferedAmount() > maxPointerBacklog {
		return false
	}
	return c.Send(b) == nil
}

func permissionMessage(control bool) []byte {
	b, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypePermission, View: true, Control: control})
	return b
}

// streaming reports whether startVideo has run.
func (p *peer) streaming() bool { return p.stopVid != nil }

// startVideo encodes src onto the track until ctx ends or stopVideo is
// called; the pipeline's end is posted as videoEnded. src is closed when
// the pipeline stops.
func (p *peer) startVideo(ctx context.Context, src Source, cfg videoConfig, rates frameRates) {
	w := newVP8Writer(p.track)
	v := newVideo(cfg, src, w.write, p.log)
	v.rates = rates
	v.SetFrameRateCap(rates.forPath(p.lan.Load()))
	p.vid.Store(v)
	p.pointer.Store(startPointerSampler(ctx, src, &p.consoleDraws, p.sendPointer, p.log))
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	p.stopVid = func() {
		cancel()
		<-stopped
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		err := v.Run(ctx)
		v.closeSources()
		close(stopped)
		p.post(videoEnded{err})
	}()
}

// switchSource makes the running pipeline capture src instead (see
// video.SwitchSource); without one, src is closed.
func (p *peer) switchSource(src Source) {
	if v := p.vid.Load(); v != nil {
		if ps := p.pointer.Load(); ps != nil {
			ps.setSource(src) // before its first frame: with or without the pointer
		}
		v.SwitchSource(src)
		return
	}
	src.Close()
}

// stopVideo stops the video pipeline, if it runs, and waits until the
// source is closed: no frame is captured after it returns.
func (p *peer) stopVideo() {
	if ps := p.pointer.Swap(nil); ps != nil {
		ps.stop()
	}
	if p.stopVid != nil {
		p.stopVid()
	}
}

// close closes the peer connection and waits for the goroutines the peer
// started.
func (p *peer) close() {
	close(p.closing)
	if p.pc != nil {
		if err := p.pc.Close(); err != nil {
			p.log.Debug("close peer connection", "err", err)
		}
	}
	p.wg.Wait()
}

// count adds the peer's counters to st.
func (p *peer) count(st *Stats) {
	st.CandidatesDropped = p.dropped.Load()
	if v := p.vid.Load(); v != nil {
		st.Video = v.Stats()
	}
}

// readRTCP drains the sender's RTCP (required for the interceptors) and
// turns PLI/FIR into keyframes and REMB/receiver reports into bitrate.
func (p *peer) readRTCP(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		if v := p.vid.Load(); v != nil {
			applyRTCP(v, pkts)
		}
	}
}

// applyRTCP reacts to the viewer's feedback: a keyframe on PLI or FIR;
// the bitrate follows REMB (video.onREMB) and receiver-report loss: more
// than 10 % lost cuts it by half the loss fraction; without REMB, less
// than 2 % lets it grow by 5 % per report (within the configured range).
func applyRTCP(v *video, pkts []rtcp.Packet) {
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			v.RequestKeyframe()
		case *rtcp.ReceiverEstimatedMaximumBitrate:
			v.onREMB(int(p.Bitrate/1000), time.Now())
		case *rtcp.ReceiverReport:
			for _, rep := range p.Reports {
				lost := float64(rep.FractionLost) / 256
				switch {
				case lost > 0.10:
					v.SetBitrate(int(float64(v.Bitrate()) * (1 - lost/2)))
				case lost < 0.02 && v.remb.Load() == 0:
					v.SetBitrate(v.Bitrate() * 105 / 100)
				}
			}
		}
	}
}

// frameRates are the session's frame rates by path.
type frameRates struct{ wan, lan int }

func (r frameRates) forPath(lan bool) int {
	if lan {
		return r.lan
	}
	return r.wan
}

// frameRates is the session's configured pair.
func (s *Session) frameRates() frameRates { return frameRates{wan: s.cfg.FPS, lan: s.cfg.LANFPS} }

// localPair reports whether pair joins the peers directly on a local
// network: neither end a TURN relay or a NAT's address, the remote one
// on loopback, a private (RFC 1918, ULA) or a link-local network. The
// browser's candidate often arrives as peer-reflexive (its checks come
// before its candidate does); that is still its own host address.
func localPair(pair *webrtc.ICECandidatePair) bool {
	if pair == nil || pair.Local == nil || pair.Remote == nil {
		return false
	}
	for _, c := range []*webrtc.ICECandidate{pair.Local, pair.Remote} {
		if c.Typ == webrtc.ICECandidateTypeRelay || c.Typ == webrtc.ICECandidateTypeSrflx {
			return false
		}
	}
	ip := net.ParseIP(pair.Remote.Address)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())
}
