package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
)

// FileQuestion asks the person about a file: whether to take the one the
// technician offers and where to save it, or (Pick) which file of theirs
// to send the technician, who asked for one.
type FileQuestion struct {
	ID         string
	Pick       bool
	Technician string
	Name       string // offer: the file's name
	Size       int64  // offer: its size in bytes
}

// files is the session's assist.FileConsenter: each question goes to the
// window as an EventFileQuestion and waits for AnswerFile, or for the
// session to give up (the technician cancelled, the session ended).
type files struct{ d *Desk }

func (f files) AcceptFile(ctx context.Context, o assist.FileOffer) (string, error) {
	return f.d.askFile(ctx, FileQuestion{Technician: o.Technician, Name: o.Name, Size: o.Size})
}

func (f files) PickFile(ctx context.Context, technician string) (string, error) {
	return f.d.askFile(ctx, FileQuestion{Pick: true, Technician: technician})
}

func (d *Desk) askFile(ctx context.Context, q FileQuestion) (string, error) {
	d.mu.Lock()
	d.nextAsk++
	q.ID = "file-" + strconv.Itoa(d.nextAsk)
	ch := make(chan string, 1)
	d.fileAsks[q.ID] = ch
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.fileAsks, q.ID)
		d.mu.Unlock()
	}()
	d.emit(Event{Kind: EventFileQuestion, File: q, Technician: q.Technician})
	select {
	case path := <-ch:
		return path, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// AnswerFile answers a file question: the path to save to (or, for Pick,
// the file to send), "" for no. A question answered already, or given up
// on, is plainerr.ErrExpired.
func (d *Desk) AnswerFile(q FileQuestion, path string) error {
	d.mu.Lock()
	ch, ok := d.fileAsks[q.ID]
	delete(d.fileAsks, q.ID)
	d.mu.Unlock()
	if !ok {
		return plainerr.ErrExpired
	}
	ch <- path
	return nil
}

// SendFile sends a file the person chose to the technician of the live
// session; its progress comes as EventFile.
func (d *Desk) SendFile(path string) error {
	s := d.session()
	if s == nil {
		return assist.ErrNoFileChannel
	}
	_, err := s.SendFile(path)
	return err
}

// CancelFile cancels a transfer (EventFile's Transfer.ID) either way.
func (d *Desk) CancelFile(id uint32) {
	if s := d.session(); s != nil {
		s.CancelFile(id)
	}
}

// ShareClipboard turns on or off sending the technician what the person
// copies, while the technician has control (off by default; a new
// session starts off).
func (d *Desk) ShareClipboard(on bool) error {
	s := d.session()
	if s == nil {
		return assist.ErrNoFileChannel
	}
	return s.ShareClipboard(on)
}

// DownloadsDir is where files from the technician are saved unless the
// person chooses another place: their Downloads folder (XDG_DOWNLOAD_DIR
// where set), created if missing.
func DownloadsDir() (string, error) {
	dir := os.Getenv("XDG_DOWNLOAD_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the Downloads folder: %w", err)
		}
		dir = filepath.Join(home, "Downloads")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create the Downloads folder: %w", err)
	}
	return dir, nil
}

// FreePath is dir/name, or "name (2).ext", "name (3).ext"… when a file of
// that name is there already.
func FreePath(dir, name string) (string, error) {
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 1; i < 1000; i++ {
		p := filepath.Join(dir, name)
		if i > 1 {
			p = filepath.Join(dir, fmt.Sprintf("%s (%d)%s", base, i, ext))
		}
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no free name for %s in %s", name, dir)
}
