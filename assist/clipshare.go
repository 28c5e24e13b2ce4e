package assist

import (
	"context"
	"sync"
)

// clipShare shares what the user copies with the technician while the
// user has that on (Session.ShareClipboard) and control is granted.
type clipShare struct {
	mu   sync.Mutex
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// ShareClipboard turns on or off, as the user chooses (off by default),
// sending the technician each text the user copies while control is
// granted; each is reported like a clipboard request's answer. It fails
// when the clipboard cannot be watched.
func (s *Session) ShareClipboard(on bool) error {
	c := &s.share
	c.mu.Lock()
	defer c.mu.Unlock()
	if !on {
		if c.stop != nil {
			c.stop()
			c.stop = nil
		}
		return nil
	}
	if c.stop != nil {
		return nil
	}
	w, ok := s.gate.clipboard.(ClipboardWatcher)
	if !ok {
		return ErrNoClipboard
	}
	ctx, cancel := context.WithCancel(context.Background())
	texts, err := w.WatchText(ctx)
	if err != nil {
		cancel()
		return err
	}
	c.stop = cancel
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for text := range texts {
			s.gate.shareClipboard(text)
		}
	}()
	return nil
}

// SharingClipboard reports whether ShareClipboard is on.
func (s *Session) SharingClipboard() bool {
	s.share.mu.Lock()
	defer s.share.mu.Unlock()
	return s.share.stop != nil
}

// closeShare stops sharing and waits for the watcher.
func (s *Session) closeShare() {
	s.ShareClipboard(false)
	s.share.wg.Wait()
}
