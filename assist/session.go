package assist

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/relay/protocol"
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
	// The default captures Display with XShm on X11, with DXGI Desktop
	// Duplication on Windows (GDI where that is unavailable, as under
	// Wine), and with kbinani/screenshot elsewhere; it logs which.
	NewSource func() (Source, error)
	// Display is the index of the display to share first (0 = primary,
	// AllDisplays = all of them); the technician may switch to another.
	Display int
	// OpenDisplay opens the capture source of display i (an index into
	// ListDisplays' list, or AllDisplays) when the technician switches
	// display, and the first one unless NewSource is set. ListDisplays
	// lists the displays offered. Both default to this desktop's
	// (Displays, and the capture NewSource describes) when neither
	// OpenDisplay nor NewSource is set; without ListDisplays the
	// technician is offered the one display captured.
	OpenDisplay  func(i int) (Source, error)
	ListDisplays func() ([]Display, error)
	// Injector delivers input once the user allowed control. The default
	// is a RobotgoInjector on $DISPLAY, created when control is granted.
	Injector Injector
	// Clipboard is the user's clipboard, which a technician with control
	// may put text on or ask the text of (default: SystemClipboard).
	Clipboard Clipboard
	// OnActivity receives, from the session's goroutine, what the
	// technician did with control beyond mouse and keyboard, once done
	// ("Alex put text on your clipboard"). It must not block. Optional.
	OnActivity func(Activity)
	// Files asks the user about files the technician sends or asks for;
	// nil refuses every transfer from the technician (the user can still
	// send with SendFile). OnFile reports transfers as they go (from
	// their goroutines; it must not block).
	Files  FileConsenter
	OnFile func(FileEvent)
	// MaxFileSize caps a transfer either way; 0: what the relay says, or
	// DefaultMaxFileSize.
	MaxFileSize int64

	// ICEServers are added to the relay's (normally none: no public STUN).
	ICEServers []webrtc.ICEServer
	Network    NetworkOptions

	// FPS is the frame rate over the internet or TURN (default 30);
	// LANFPS the rate when the peers reach each other directly on a local
	// network (default 60; at most FPS when lower or negative). A machine
	// that cannot keep up steps down either way.
	FPS, LANFPS int
	// BitrateKbps is the operator's ceiling on the video bitrate (default
	// 4000: what full motion at 1080p needs). The stream starts at
	// 1000 kbit/s (or this ceiling, if lower) and follows the viewer's
	// REMB estimates or receiver-report losses between 150 kbit/s and it.
	BitrateKbps int
	CPUUsed     int // VP8E_SET_CPUUSED (default -4: fixed speed 4, see vpx.Config)

	ConsentTimeout time.Duration // default 60 s
	Clock          Clock         // default: the real clock
}

// Stats are the session's counters.
type Stats struct {
	Video             VideoStats
	InputInjected     uint64 // events handed to the Injector
	InputDropped      uint64 // events dropped because control was not allowed
	InputStale        uint64 // pointer moves older than one already applied
	InputFailed       uint64 // undecodable messages or injector errors
	WheelCapped       uint64 // wheel events cut to maxWheelSteps notches
	CandidatesDropped uint64 // technician's ICE candidates over maxPendingCandidates before the answer
	DisplaySwitches   uint64 // SelectDisplay messages that switched the display shown
	DisplayDropped    uint64 // SelectDisplay messages dropped: not viewing (yet), unknown display, or it would not open
}

// Session is the user's side of one live session: it answers the
// technician's requests through the Consenter, streams the screen once
// viewing is allowed and injects input only while control is allowed.
//
// Its parts: the input gate (gate.go), the consent ladder that runs the
// session's goroutine (consent.go), the pion peer (peer.go) and the
// signaling pump (pump.go).
type Session struct {
	cfg  Config
	log  *slog.Logger
	gate *inputGate
	peer *peer

	cmds chan command
	done chan struct{}
	ran  atomic.Bool

	switches, selectsDropped atomic.Uint64

	stateMu sync.Mutex
	state   State

	shown int // display shown (index or AllDisplays), for Event
	count int // displays offered, 0 before capture starts

	share      clipShare
	fullRes    atomic.Bool // the technician asked for full resolution
	files      *transfers
	relayMax   atomic.Int64           // session.start max_file_bytes
	technician atomic.Pointer[string] // display name, for the file questions
	recorded   bool                   // session.start said the session is recorded
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
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	if cfg.LANFPS == 0 {
		cfg.LANFPS = 60
	}
	if cfg.LANFPS < cfg.FPS {
		cfg.LANFPS = cfg.FPS
	}
	if cfg.BitrateKbps <= 0 {
		cfg.BitrateKbps = 4000
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.OpenDisplay == nil && cfg.NewSource == nil {
		cfg.OpenDisplay = func(i int) (Source, error) { return defaultSource(i, log) }
		if cfg.ListDisplays == nil {
			cfg.ListDisplays = Displays
		}
	}
	if cfg.NewSource == nil {
		open, d := cfg.OpenDisplay, cfg.Display
		cfg.NewSource = func() (Source, error) { return open(d) }
	}
	api, err := newAPI(cfg.Network)
	if err != nil {
		return nil, err
	}
	s := &Session{
		cfg: cfg, log: log,
		gate:  newInputGate(cfg.Injector, cfg.Clipboard, log),
		cmds:  make(chan command, 8),
		done:  make(chan struct{}),
		state: StateRequested,
		shown: cfg.Display,
	}
	s.files = newTransfers(log, cfg.Files, cfg.OnFile, func(a protocol.SessionActivity) {
		s.peer.post(activityDone{Activity{Kind: a.Kind, Name: a.Name, Bytes: a.Bytes, SHA256: a.SHA256}})
	}, s.maxFileSize, s.technicianName)
	s.peer = newPeer(api, s.gate, s.files, func() bool { return s.State() == StateControlling }, log)
	s.gate.onSelect = func(d uint8) { s.peer.post(displayChosen{d}) }
	s.gate.onResolution = func(full bool) { s.peer.post(resolutionChosen{full}) }
	s.gate.onActed = func() {
		if v := s.peer.vid.Load(); v != nil {
			v.CaptureSoon()
		}
	}
	s.gate.onDrawPointer = s.peer.setConsoleDraws
	return s, nil
}

// maxFileSize is the largest file a transfer may carry now.
func (s *Session) maxFileSize() int64 {
	if s.cfg.MaxFileSize > 0 {
		return s.cfg.MaxFileSize
	}
	if n := s.relayMax.Load(); n > 0 {
		return n
	}
	return DefaultMaxFileSize
}

func (s *Session) technicianName() string {
	if p := s.technician.Load(); p != nil {
		return *p
	}
	return ""
}

// SendFile sends a file the user chose to the technician; its progress
// and end are reported on Config.OnFile under the id returned. It fails
// when no session is live with the technician's screen view open.
func (s *Session) SendFile(path string) (uint32, error) { return s.files.sendFile(path) }

// CancelFile cancels a transfer either way; a file half received is
// deleted.
func (s *Session) CancelFile(id uint32) { s.files.cancel(id) }

// State returns the current state.
func (s *Session) State() State {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.state
}

// setShown records the display shown and how many there are, for the
// Events that follow.
func (s *Session) setShown(shown, count int) {
	s.stateMu.Lock()
	s.shown, s.count = shown, count
	s.stateMu.Unlock()
}

func (s *Session) shownDisplay() int {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.shown
}

// Stats returns a snapshot of the counters.
func (s *Session) Stats() Stats {
	var st Stats
	s.gate.count(&st)
	s.peer.count(&st)
	st.DisplaySwitches = s.switches.Load()
	st.DisplayDropped = s.selectsDropped.Load()
	return st
}

// RevokeControl takes control away from the technician. When it returns,
// no further input is injected; the technician has to ask again.
func (s *Session) RevokeControl() {
	s.gate.withdraw()
	s.post(cmdRevoke)
}

// Stop ends the session. Input stops before Stop returns; capture stops
// and the technician is told shortly after (wait on Done).
func (s *Session) Stop() {
	s.gate.withdraw()
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

	l := newLadder(ctx, s)
	s.emit(Event{State: StateRequested})
	reason, err := l.loop()

	// Tear down: input first, then capture and files, then tell the
	// technician.
	s.gate.close()
	s.closeShare()
	s.files.close()
	l.forget()
	s.peer.stopVideo()
	if !l.remoteEnded && reason != protocol.EndSignalingLost {
		l.pump.send(Signal{Type: SignalEnd, Reason: endReasonForRelay(reason)})
	}
	l.pump.close()
	s.peer.close()
	cancel()
	l.wg.Wait()
	s.emit(Event{State: StateEnded, Technician: l.technician, Reason: reason})
	return err
}

// endReasonForRelay is the end reason the technician is told: a view
// request nobody answered is, to them, a declined one.
func endReasonForRelay(reason protocol.EndReason) protocol.EndReason {
	if reason == protocol.EndNoAnswer {
		return protocol.EndViewDenied
	}
	return reason
}

// emit moves the session to e.State and reports it.
func (s *Session) emit(e Event) {
	s.stateMu.Lock()
	e.Prev, s.state = s.state, e.State
	e.Shown, e.Displays = s.shown, s.count
	e.Recording = s.recorded
	s.stateMu.Unlock()
	e.Time = s.cfg.Clock.Now()
	s.log.Info("assist session state", "state", e.State, "prev", e.Prev, "technician", e.Technician, "reason", e.Reason, "consent", e.Consent, "shown", e.Shown, "displays", e.Displays)
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(e)
	}
}

// setRecording notes whether the organisation records this session
// (session.start); events and consent questions carry it from then on.
func (s *Session) setRecording(on bool) {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	s.recorded = on
}

func (s *Session) recording() bool {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.recorded
}
