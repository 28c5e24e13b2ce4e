package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/orgconfig"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/relaysignal"
	"github.com/lifeline-desk/lifeline/internal/cliflag"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// cmdAssist runs a live session from the terminal:
//
//	lifeline assist --relay URL --code CODE
//	lifeline assist --relay URL --request TEXT
//
// It asks for each consent on the terminal, prints every state change, and
// ends the session cleanly when ctx is cancelled (Ctrl+C). While the
// technician has control, typing "r" + Enter takes it back and "q" + Enter
// ends the session.
func cmdAssist(ctx context.Context, args []string, org orgconfig.Config, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("assist", IO{Stderr: stderr})
	relayURL := fs.String("relay", "", "relay address, e.g. https://help.example.org (env LIFELINE_RELAY); not used where the organisation set one")
	code := fs.String("code", "", "one-time code the technician read out")
	request := fs.String("request", "", "describe the problem; puts you in the help desk queue")
	name := fs.String("name", os.Getenv("USER"), "your name as the technician sees it (env LIFELINE_NAME)")
	contact := fs.String("contact", "", "how to reach you: phone, e-mail, room (env LIFELINE_CONTACT)")
	display := fs.Int("display", 0, "display to share (0 = primary)")
	bitrate := fs.Int("max-bitrate", 4000, "ceiling of the video bitrate in kbit/s (the stream follows what the network allows below it)")
	iceIfaces := cliflag.NewList(fs, "ice-interfaces", ",", "network interfaces for the video connection, e.g. eth0 or lo (repeatable or comma-separated); default all but loopback (env LIFELINE_ICE_INTERFACES)")
	verbose := fs.Bool("verbose", false, "log details to stderr")
	if err := parse(fs, args, nil); err != nil {
		return err
	}
	if org.RelayLocked() {
		if *relayURL != "" && *relayURL != org.RelayURL {
			fmt.Fprintf(stderr, "Your organisation has set the help desk address on this computer to %s; --relay %s is not used.\n", org.RelayURL, *relayURL)
		}
		*relayURL = org.RelayURL
	}
	if fs.NArg() > 0 || *relayURL == "" || (*code == "") == (*request == "") {
		return fmt.Errorf("%w: lifeline assist --relay URL (--code CODE | --request TEXT)", ErrUsage)
	}
	wsURL, err := client.URLFor(*relayURL)
	if err != nil {
		return fmt.Errorf("%w: --relay: %v", ErrUsage, err)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	rc, err := client.Dial(dctx, wsURL, client.Options{Logger: log})
	cancel()
	if err != nil {
		log.Debug("dial relay", "url", wsURL, "err", err)
		return fmt.Errorf("%w (help desk address %s)", plainerr.Error(err), *relayURL)
	}
	defer rc.Close()

	out := &printer{w: stdout}
	term := newTerminal(stdin, out)
	var sess *assist.Session
	technician := "The technician"
	sess, err = assist.New(assist.Config{
		Signaler: relaysignal.New(rc, func(m protocol.Message) {
			switch p := m.Payload.(type) {
			case *protocol.RequestAccepted:
				if p.Position > 0 {
					out.printf("You are number %d in the queue.\n", p.Position)
				}
			case *protocol.QueuePosition:
				out.printf("You are number %d in the queue.\n", p.Position)
			case *protocol.RequestTaken:
				out.printf("%s took your request.\n", p.Technician)
			case *protocol.Chat:
				out.printf("%s: %s\n", p.From, p.Text)
			case *protocol.Error:
				log.Warn("relay error", "code", p.Code, "message", p.Message)
			}
		}),
		Consenter: term,
		Files:     term,
		OnFile:    func(e assist.FileEvent) { fileEvent(out, e) },
		OnActivity: func(a assist.Activity) {
			switch a.Kind {
			case protocol.ActivityClipboardToUser:
				out.printf("%s put text on your clipboard.\n", technician)
			case protocol.ActivityClipboardFromUser:
				out.printf("%s copied the text on your clipboard.\n", technician)
			case protocol.ActivityTextTyped:
				out.printf("%s typed text on your computer.\n", technician)
			}
		},
		OnEvent: func(e assist.Event) {
			if e.Technician != "" {
				technician = e.Technician
			}
			if e.Presence != assist.PresenceNone {
				out.printf("%s\n", plainerr.Presence(e.Presence == assist.PresenceBack, technician))
				return
			}
			if e.Prev == e.State && (e.State == assist.StateViewing || e.State == assist.StateControlling) { // only the screen shown changed
				if e.Shown == assist.AllDisplays {
					out.printf("%s can see all your screens.\n", technician)
				} else if e.Displays > 1 {
					out.printf("%s can see your screen: Display %d.\n", technician, e.Shown+1)
				}
				return
			}
			switch e.State {
			case assist.StateRequested:
				if e.Prev == assist.StateWaitingConsent {
					out.printf("Nothing was shared. %s can ask again; type q and Enter to end the session.\n", technician)
					break
				}
				out.printf("Connected to the help desk.\n")
			case assist.StateViewing:
				switch e.Consent {
				case protocol.ConsentRevoked:
					out.printf("You took back control. %s can still see your screen.\n", technician)
				case protocol.ConsentControlDenied:
					out.printf("%s does not control your computer. They can still see your screen.\n", technician)
				default:
					out.printf("%s can now see your screen. Press Ctrl+C (or type q and Enter) to stop.\n", technician)
				}
			case assist.StateControlling:
				out.printf("%s now controls your mouse and keyboard. Type r and Enter to take back control, q and Enter to end.\n", technician)
			case assist.StateEnded:
				out.printf("Session ended (%s).\n", plainerr.Ending(e.Reason))
			}
		},
		Display:     *display,
		BitrateKbps: *bitrate,
		Network:     assist.NetworkOptions{Interfaces: iceIfaces.Values},
	}, log)
	if err != nil {
		log.Debug("live session setup", "err", err)
		return plainerr.Error(fmt.Errorf("%w: %w", plainerr.ErrLiveHelp, err))
	}
	term.onCommand = func(cmd string) {
		switch cmd {
		case "r", "revoke":
			sess.RevokeControl()
		case "q", "quit", "stop":
			sess.Stop()
		}
	}

	runErr := make(chan error, 1)
	go func() { runErr <- sess.Run(ctx) }()

	info := protocol.ClientInfo{Name: *name, Contact: *contact, OS: runtime.GOOS + "/" + runtime.GOARCH, AppVersion: bootstrap.Version}
	if *code != "" {
		_, err = rc.RedeemCode(ctx, *code, info)
	} else {
		var acc protocol.RequestAccepted
		acc, err = rc.SubmitRequest(ctx, protocol.RequestSubmit{ClientInfo: info, Description: *request})
		if err == nil {
			out.printf("Your request was sent. You are number %d in the queue; please keep this window open.\n", acc.Position)
		}
	}
	if err != nil {
		sess.Stop()
		<-runErr
		if ctx.Err() != nil {
			return nil // Ctrl+C
		}
		log.Debug("relay refused", "err", err)
		return plainerr.Error(err)
	}
	err = <-runErr
	st := sess.Stats()
	log.Debug("live session counters", "captured", st.Video.Captured, "unchanged", st.Video.Unchanged,
		"encoded", st.Video.Encoded, "keyframes", st.Video.Keyframes, "dropped", st.Video.Dropped, "bytes", st.Video.Bytes,
		"level", st.Video.Level, "input_injected", st.InputInjected, "input_dropped", st.InputDropped, "input_failed", st.InputFailed)
	if ctx.Err() != nil && *request != "" && rc.SessionID() == "" {
		// Interrupted while still waiting in the queue: take the request back.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		rc.CancelRequest(cctx)
		cancel()
	}
	if err != nil {
		log.Debug("live session", "err", err)
	}
	return plainerr.Error(err)
}

// printer serialises writes from the session's and the terminal's goroutines.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// terminal asks consent questions on stdin/stdout and passes other lines
// to onCommand. Its reader goroutine blocks on stdin and ends with it (a
// blocking read cannot be interrupted; the process exits after the
// command returns).
type terminal struct {
	out       *printer
	lines     chan string
	mu        sync.Mutex
	pending   chan string // the open question's answer, if any
	onCommand func(string)
}

func newTerminal(stdin io.Reader, out *printer) *terminal {
	t := &terminal{out: out, lines: make(chan string)}
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			t.mu.Lock()
			ans := t.pending
			t.pending = nil
			cmd := t.onCommand
			t.mu.Unlock()
			switch {
			case ans != nil:
				ans <- line // as typed: a question may want a path
			case cmd != nil && line != "":
				cmd(strings.ToLower(line))
			}
		}
	}()
	return t
}

// question prints prompt and waits for the next line typed; false when
// ctx ended first.
func (t *terminal) question(ctx context.Context, prompt string) (string, bool) {
	ans := make(chan string, 1)
	t.mu.Lock()
	t.pending = ans
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		if t.pending == ans {
			t.pending = nil
		}
		t.mu.Unlock()
	}()
	t.out.printf("%s", prompt)
	select {
	case a := <-ans:
		return a, true
	case <-ctx.Done():
		return "", false
	}
}

func yes(answer string) bool {
	a := strings.ToLower(answer)
	return a == "y" || a == "yes"
}

// Ask implements assist.Consenter: the default is no.
func (t *terminal) Ask(ctx context.Context, req assist.ConsentRequest) (bool, error) {
	who := req.Technician
	if who == "" {
		who = "The technician"
	}
	var prompt string
	switch req.Permission {
	case assist.PermissionControl:
		prompt = fmt.Sprintf("%s wants to control your mouse and keyboard. Allow? [y/N] ", who)
	default:
		if req.Recording {
			prompt = "This session will be recorded. "
		}
		prompt += fmt.Sprintf("%s wants to see your screen. Allow? [y/N] ", who)
	}
	a, ok := t.question(ctx, prompt)
	if !ok {
		t.out.printf("\nNo answer: declined.\n")
		return false, ctx.Err()
	}
	if !yes(a) {
		t.out.printf("Declined.\n")
		return false, nil
	}
	return true, nil
}

// AcceptFile implements assist.FileConsenter: yes saves the file in the
// Downloads folder, under a name not taken yet.
func (t *terminal) AcceptFile(ctx context.Context, o assist.FileOffer) (string, error) {
	a, ok := t.question(ctx, fmt.Sprintf("%s wants to send you %s (%d bytes). Save it in your Downloads folder? [y/N] ", o.Technician, o.Name, o.Size))
	if !ok || !yes(a) {
		t.out.printf("Not accepted.\n")
		return "", ctx.Err()
	}
	dir, err := helpdesk.DownloadsDir()
	if err != nil {
		return "", err
	}
	return helpdesk.FreePath(dir, o.Name)
}

// PickFile implements assist.FileConsenter: the person types the path.
func (t *terminal) PickFile(ctx context.Context, technician string) (string, error) {
	for {
		a, ok := t.question(ctx, fmt.Sprintf("%s asks you for a file. Type the path of the file to send, or just Enter to send none: ", technician))
		if !ok || a == "" {
			t.out.printf("No file sent.\n")
			return "", ctx.Err()
		}
		if fi, err := os.Stat(a); err == nil && fi.Mode().IsRegular() {
			return a, nil
		}
		t.out.printf("There is no file %s.\n", a)
	}
}

// fileEvent says how a transfer went, once it has ended.
func fileEvent(out *printer, e assist.FileEvent) {
	switch e.State {
	case assist.FileMoving:
		if e.Done == 0 {
			if e.ToUser {
				out.printf("Receiving %s…\n", e.Name)
			} else {
				out.printf("Sending %s…\n", e.Name)
			}
		}
	case assist.FileDone:
		if e.ToUser {
			out.printf("Saved %s (SHA-256 %x).\n", e.Path, e.SHA256)
		} else {
			out.printf("%s reached the technician.\n", e.Name)
		}
	case assist.FileFailed, assist.FileCancelled:
		out.printf("%s: the transfer stopped (%s).\n", e.Name, plainerr.FileReason(e.Reason, e.ToUser))
	}
}
