package assist

// The pion API the session's peer connections are made with: the codec,
// the interceptors and where ICE looks for candidates.

import (
	"fmt"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v2"
	"github.com/pion/webrtc/v3"
)

// NetworkOptions restrict where the peer connection looks for candidates.
type NetworkOptions struct {
	// LoopbackOnly gathers only on the loopback interface (tests, and a
	// desktop and console on the same machine).
	LoopbackOnly bool
	// Interfaces, if set, lists the interface names to gather on ("lo"
	// included means loopback candidates too).
	Interfaces []string
	// DisableMDNS neither resolves the browser's .local candidates nor
	// hides our own; by default the peer resolves them (QueryOnly).
	DisableMDNS bool

	// iceFailedAfter shortens ICE's disconnected/failed timeouts (tests).
	iceFailedAfter time.Duration
	// net replaces the sockets pion opens (tests: a desktop without UDP).
	net transport.Net
}

// vp8Codec is the only codec the session offers. goog-remb makes Chrome
// send bandwidth estimates; nack/pli let the viewer repair losses.
var vp8Codec = webrtc.RTPCodecParameters{
	RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType:  webrtc.MimeTypeVP8,
		ClockRate: 90000,
		RTCPFeedback: []webrtc.RTCPFeedback{
			{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"},
		},
	},
	PayloadType: 96,
}

// newAPI builds a pion API with an explicit MediaEngine (VP8 only), the
// NACK responder, RTCP sender/receiver reports and a zero playout delay
// (playoutdelay.go), and a SettingEngine
// configured from opts. No STUN server is configured anywhere: ICE servers
// come only from the relay's session.start (its TURN) and Config.
func newAPI(opts NetworkOptions) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(vp8Codec, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register VP8: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, fmt.Errorf("configure NACK: %w", err)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("configure RTCP reports: %w", err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: playoutDelayURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register playout delay: %w", err)
	}
	ir.Add(playoutDelayFactory{})
	se := webrtc.SettingEngine{}
	switch {
	case opts.LoopbackOnly:
		se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
		se.SetIncludeLoopbackCandidate(true)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	case len(opts.Interfaces) > 0:
		allowed := map[string]bool{}
		for _, n := range opts.Interfaces {
			allowed[n] = true
		}
		se.SetInterfaceFilter(func(name string) bool { return allowed[name] })
		if allowed["lo"] {
			se.SetIncludeLoopbackCandidate(true)
		}
	}
	if opts.net != nil {
		se.SetNet(opts.net)
	}
	if d := opts.iceFailedAfter; d > 0 {
		se.SetICETimeouts(d/2, d, d/4)
	}
	if opts.DisableMDNS || opts.LoopbackOnly {
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	// The browser's connectivity checks usually arrive before its candidate
	// has travelled through the relay, so the pair starts out
	// peer-reflexive; pion's default waits a second before using such a
	// pair. Accepting it at once takes consent → first frame from ~1.1 s to
	// ~0.15 s (measured by the journey test).
	se.SetPrflxAcceptanceMinWait(0)
	// Where UDP gives nothing (a firewall, Go under Wine) the only pair is
	// our relay candidate over TURN/TCP; pion's default waits 2 s before
	// nominating a relay pair. 500 ms still lets host and server-reflexive
	// pairs win where they work, and takes connecting over TURN/TCP from
	// ~2.1 s to ~0.6 s (relay/server TestTURNOverTCPWhenUDPIsBlocked).
	se.SetRelayAcceptanceMinWait(500 * time.Millisecond)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}
