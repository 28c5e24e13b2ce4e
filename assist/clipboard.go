package assist

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.design/x/clipboard"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Clipboard reads and writes the text on the user's clipboard. The session
// only calls it while the user allows control, from one goroutine at a
// time.
type Clipboard interface {
	ReadText() (string, error)
	WriteText(string) error
}

// ClipboardWatcher is a Clipboard that can report new text copied (for
// sharing it automatically, when the user allowed that).
type ClipboardWatcher interface {
	// WatchText sends each new text copied until ctx ends, then closes.
	WatchText(ctx context.Context) (<-chan string, error)
}

// SystemClipboard is the desktop's own clipboard (X11's CLIPBOARD
// selection, the Windows clipboard), through golang.design/x/clipboard. It
// is opened on first use.
type SystemClipboard struct{}

var (
	clipboardOnce sync.Once
	clipboardErr  error
)

// ErrNoClipboard is returned when the desktop has no clipboard to use.
var ErrNoClipboard = errors.New("the clipboard cannot be used on this computer")

func openClipboard() error {
	clipboardOnce.Do(func() {
		if err := clipboard.Init(); err != nil {
			clipboardErr = fmt.Errorf("%w: %w", ErrNoClipboard, err)
		}
	})
	return clipboardErr
}

// ReadText implements Clipboard: "" when the clipboard holds no text.
func (SystemClipboard) ReadText() (string, error) {
	if err := openClipboard(); err != nil {
		return "", err
	}
	return string(clipboard.Read(clipboard.FmtText)), nil
}

// WriteText implements Clipboard. The text stays on the clipboard until
// something else is copied.
func (SystemClipboard) WriteText(s string) error {
	if err := openClipboard(); err != nil {
		return err
	}
	clipboard.Write(clipboard.FmtText, []byte(s))
	return nil
}

// WatchText implements ClipboardWatcher (golang.design polls about once a
// second).
func (SystemClipboard) WatchText(ctx context.Context) (<-chan string, error) {
	if err := openClipboard(); err != nil {
		return nil, err
	}
	out := make(chan string)
	in := clipboard.Watch(ctx, clipboard.FmtText)
	go func() {
		defer close(out)
		for b := range in {
			select {
			case out <- string(b):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Activity is something the technician did with control beyond mouse and
// keyboard, once it has happened: the user is shown it, the relay audits
// it (session.activity).
type Activity struct {
	Kind  protocol.ActivityKind
	Chars int // text kinds: characters of text (never the text itself)
	// File kinds: the file's name, size and SHA-256 in hex.
	Name       string
	Bytes      int64
	SHA256     string
	Technician string // display name, once known
}

// payload is the session.activity report of a.
func (a Activity) payload() protocol.SessionActivity {
	return protocol.SessionActivity{Kind: a.Kind, Chars: a.Chars, Name: a.Name, Bytes: a.Bytes, SHA256: a.SHA256}
}
