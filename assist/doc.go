// Package assist is the user's side of a live help-desk session: consented
// screen capture, VP8 over WebRTC, and remote input. It has no UI: the
// desktop app (and the `lifeline assist` command) drive it through a
// Consenter and an event callback.
//
// # Using it
//
//	s, err := assist.New(assist.Config{
//		Signaler:  relaysignal.New(relayClient, nil), // or any Signaler
//		Consenter: dialogs,                            // asks the user
//		OnEvent:   func(e assist.Event) { /* banner: e.State, e.Technician */ },
//	}, logger)
//	go s.Run(ctx)  // returns when the session has ended
//	s.RevokeControl() // banner button: takes control back
//	s.Stop()          // banner button: ends the session
//
// # Consent ladder
//
// A session starts in StateRequested. When the technician asks to view,
// the Consenter is asked (with the technician's display name, and
// ConsentRequest.Recording when session.start said the organisation
// records the session: the question must then say so; every Event
// carries Recording too, for the banner); no answer
// within Config.ConsentTimeout (60 s) is a decline. A decline does not end
// the session: it goes back to StateRequested, chat goes on, and a later
// view request is asked again.
// Only after "allow" is the capture source opened: no frame is captured
// before view consent. Control is a second, separate question; input that
// arrives before it, after a revocation or after a denial is dropped and
// counted (Stats.InputDropped). RevokeControl and Stop take effect before
// they return: no further event is injected. A technician cannot re-grant
// control: only the Consenter's "allow" to a new request does.
//
// Control also covers the clipboard and typed text: text put on the user's
// clipboard (Config.Clipboard), the clipboard's text sent back on request,
// and text typed one character at a time (a revocation stops it between
// two characters). Each is reported once done to Config.OnActivity, for
// the user to see, and to the relay as session.activity (kind and number
// of characters, never the text), which audits it.
//
// # Media
//
// The desktop is the WebRTC offerer: after view consent it creates the
// peer connection with a VP8 video track and two data channels ("control"
// reliable and ordered, "pointer" unordered without retransmits; see
// package inputproto for their binary encoding). The pion API has an
// explicit MediaEngine (VP8 only), NACK and RTCP-report interceptors, and
// no STUN server: ICE servers come only from the relay (its TURN).
// A connection that never connected and fails ends the session; one that
// had connected is replaced when the technician's console asks for it
// (see reconnect.go: a reloaded console or a dropped network path resumes
// the picture and control without asking the user again).
//
// Frames are captured with XShm on X11, with the mouse pointer drawn in
// from XFixes (unless the console draws it, below); on Windows with DXGI Desktop Duplication, falling back to
// GDI (package wincap: Wine, for one, has no duplication); elsewhere with
// kbinani/screenshot, which also lists the displays. The path taken is
// logged. Capture is paced by a ticker (30 fps; 60 when the selected ICE
// pair joins the peers directly on a local network), skipped when
// unchanged (sampled-row comparison), converted with libyuv and encoded
// with libvpx in realtime CBR mode, tuned for screens (package vpx: speed
// 4, screen-content mode, no encoder frame drops, which turn a smooth
// scroll into costly jumps). A PLI/FIR forces a keyframe; REMB or receiver
// report loss sets the bitrate between 150 kbit/s and the operator's
// ceiling (4 Mbit/s by default); when encoding falls behind, the frame rate
// and then the resolution are lowered. Frames are never queued: the
// pipeline skips a tick if the previous frame is still being sent.
//
// The mouse pointer can travel apart from the video (pointer.go): a
// console that draws it says so (inputproto DrawPointer) and from then on
// the capture source leaves it out of frames, and a sampler on its own
// goroutine reads it about 60 times a second (XFixes on X11, the cursor
// serial as the shape's id; GetCursorInfo and DrawIconEx on Windows) and
// sends PointerPosition when it moved and PointerShape once per new
// shape, so the pointer stays current when frames are late or dropped.
// The sampler runs only with the video pipeline: after view consent,
// until the session or its connection ends. An older console, which never
// asks, gets the pointer drawn into the frames as before; a console that
// records the session draws it into the recording itself.
//
// # Displays
//
// Displays lists the desktop's monitors (Xinerama's heads named after
// their RandR monitors on X11, wincap's on Windows, the primary first).
// Once capture runs the technician is sent the list (inputproto
// Displays) and may choose another display, or all of them (their
// bounding rectangle, AllDisplays), with SelectDisplay: that needs
// viewing consent only, asks nothing, and keeps the session and its
// track. The pipeline swaps its source on its next tick; the next frame
// is a keyframe at the new size and pointer coordinates map into the new
// rectangle (negative offsets included). An Event whose State equals
// Prev says which display is shown (Event.Shown, Event.Displays), for
// the user's banner. Stats count switches and dropped selections.
//
// Input is injected with robotgo (RobotgoInjector) into the captured
// display's coordinates, behind the Injector interface. Keys and buttons
// the technician still holds when control ends are released. Nothing the
// technician sends queues without bound: a wheel event scrolls at most
// maxWheelSteps notches, at most maxPendingCandidates ICE candidates wait
// for the answer, and the excess is counted in Stats (WheelCapped,
// CandidatesDropped).
//
// See BENCHMARKS.md for measured costs.
package assist
