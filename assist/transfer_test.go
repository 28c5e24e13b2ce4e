package assist

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/assist/fileproto"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

func newTestTransfers(c FileConsenter, report func(FileEvent)) *transfers {
	return newTransfers(slog.New(slog.DiscardHandler), c, report, nil, func() int64 { return 1 << 20 }, func() string { return "Alex" })
}

// fileConsent answers file questions as the test says.
type fileConsent struct {
	path   string // "" declines
	picked string
	asked  chan FileOffer
}

func (f *fileConsent) AcceptFile(ctx context.Context, o FileOffer) (string, error) {
	if f.asked != nil {
		f.asked <- o
	}
	return f.path, nil
}

func (f *fileConsent) PickFile(ctx context.Context, technician string) (string, error) {
	return f.picked, nil
}

// recordingChannel records what the transfers send, decoded.
type recordingChannel struct {
	mu   sync.Mutex
	msgs []fileproto.Message
	got  chan fileproto.Message
}

func newRecordingChannel() *recordingChannel {
	return &recordingChannel{got: make(chan fileproto.Message, 1024)}
}

func (c *recordingChannel) Send(b []byte) error {
	m, err := fileproto.Decode(b)
	if err != nil {
		return err
	}
	m.Data = bytes.Clone(m.Data)
	c.got <- m
	return nil
}

func (c *recordingChannel) BufferedAmount() uint64 { return 0 }

func (c *recordingChannel) next(t *testing.T, typ fileproto.Type) fileproto.Message {
	t.Helper()
	for {
		select {
		case m := <-c.got:
			if m.Type == typ {
				return m
			}
			if m.Type != fileproto.TypeProgress {
				t.Fatalf("got %v (reason %d), want %v", m.Type, m.Reason, typ)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v", typ)
		}
	}
}

func msg(t *testing.T, m fileproto.Message) []byte {
	t.Helper()
	b, err := fileproto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sendAll plays the technician's side of a transfer of data with id 1.
func sendAll(t *testing.T, tr *transfers, ch *recordingChannel, name string, data []byte, sum [32]byte) {
	t.Helper()
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeOffer, ID: 1, Size: uint64(len(data)), Name: name}))
	ch.next(t, fileproto.TypeAccept)
	for off := 0; off < len(data); off += fileproto.ChunkSize {
		tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeChunk, ID: 1, Data: data[off:min(off+fileproto.ChunkSize, len(data))]}))
	}
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeEnd, ID: 1, SHA256: sum}))
}

// TestReceiveFile: an accepted file lands at the chosen path whole, with
// nothing else left in its folder; a wrong hash, a declined offer and a
// cancelled transfer leave nothing at all.
func TestReceiveFile(t *testing.T) {
	data := make([]byte, 300<<10+7)
	rand.Read(data)
	sum := sha256.Sum256(data)
	for _, tc := range []struct {
		name    string
		decline bool
		sum     [32]byte
		cancel  bool
		want    fileproto.Type // what the desktop answers last
	}{
		{name: "whole", sum: sum, want: fileproto.TypeDone},
		{name: "wrong hash", sum: [32]byte{1}, want: fileproto.TypeCancel},
		{name: "declined", decline: true, want: fileproto.TypeCancel},
		{name: "cancelled", sum: sum, cancel: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := &fileConsent{path: filepath.Join(dir, "report.pdf")}
			if tc.decline {
				c.path = ""
			}
			var events []FileEvent
			var mu sync.Mutex
			tr := newTestTransfers(c, func(e FileEvent) { mu.Lock(); events = append(events, e); mu.Unlock() })
			ch := newRecordingChannel()
			tr.attach(ch)
			defer tr.close()
			switch {
			case tc.decline:
				tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeOffer, ID: 1, Size: 10, Name: "report.pdf"}))
				if m := ch.next(t, fileproto.TypeCancel); m.Reason != fileproto.ReasonDeclined {
					t.Errorf("reason %d, want declined", m.Reason)
				}
			case tc.cancel:
				tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeOffer, ID: 1, Size: uint64(len(data)), Name: "report.pdf"}))
				ch.next(t, fileproto.TypeAccept)
				tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeChunk, ID: 1, Data: data[:1000]}))
				tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeCancel, ID: 1}))
			default:
				sendAll(t, tr, ch, "report.pdf", data, tc.sum)
				if m := ch.next(t, tc.want); tc.want == fileproto.TypeCancel && m.Reason != fileproto.ReasonHashMismatch {
					t.Errorf("reason %d, want hash_mismatch", m.Reason)
				}
			}
			entries, _ := os.ReadDir(dir)
			if tc.want == fileproto.TypeDone {
				got, err := os.ReadFile(c.path)
				if err != nil || !bytes.Equal(got, data) || len(entries) != 1 {
					t.Fatalf("saved %d bytes (err %v), %d files in the folder; want the %d bytes alone", len(got), err, len(entries), len(data))
				}
				mu.Lock()
				last := events[len(events)-1]
				mu.Unlock()
				if last.State != FileDone || last.SHA256 != sum || last.Path != c.path {
					t.Errorf("last event %+v", last)
				}
				return
			}
			if len(entries) != 0 {
				t.Errorf("%d files left in the folder, want none", len(entries))
			}
		})
	}
}

// TestReceiveRefusals: an offer over the size limit is refused before the
// user is asked; bytes beyond the offered size cancel the transfer; a
// second offer with the same id is refused busy.
func TestReceiveRefusals(t *testing.T) {
	dir := t.TempDir()
	c := &fileConsent{path: filepath.Join(dir, "a.bin"), asked: make(chan FileOffer, 4)}
	tr := newTestTransfers(c, nil)
	ch := newRecordingChannel()
	tr.attach(ch)
	defer tr.close()

	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeOffer, ID: 1, Size: 2 << 20, Name: "big.iso"}))
	if m := ch.next(t, fileproto.TypeCancel); m.Reason != fileproto.ReasonTooLarge {
		t.Errorf("reason %d, want too_large", m.Reason)
	}
	if len(c.asked) != 0 {
		t.Error("the user was asked about a file over the limit")
	}

	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeOffer, ID: 3, Size: 4, Name: "../../etc/passwd"}))
	if o := <-c.asked; o.Name != "_.._etc_passwd" {
		t.Errorf("offered name %q reached the user unsanitised", o.Name)
	}
	ch.next(t, fileproto.TypeAccept)
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeOffer, ID: 3, Size: 4, Name: "x"}))
	if m := ch.next(t, fileproto.TypeCancel); m.Reason != fileproto.ReasonBusy || m.ID != 3 {
		t.Errorf("duplicate offer: %+v", m)
	}
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeChunk, ID: 3, Data: []byte("12345")}))
	if m := ch.next(t, fileproto.TypeCancel); m.Reason != fileproto.ReasonProtocol {
		t.Errorf("oversized transfer: reason %d", m.Reason)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left", len(entries))
	}
}

// TestWriteReason: a full disk is told apart from other write failures,
// so the user and the technician hear "the disk is full".
func TestWriteReason(t *testing.T) {
	full := &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}
	if r := writeReason(full); r != fileproto.ReasonDiskFull {
		t.Errorf("ENOSPC: reason %d", r)
	}
	if r := writeReason(errors.New("input/output error")); r != fileproto.ReasonWriteFailed {
		t.Errorf("EIO: reason %d", r)
	}
}

// TestSendFile: a file the user chose goes out in chunks after the
// technician's Accept, with its SHA-256 at the end, and is reported done
// (and audited) once the technician's side says Done.
func TestSendFile(t *testing.T) {
	data := make([]byte, 100<<10+3)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "log.txt")
	os.WriteFile(path, data, 0o600)
	done := make(chan FileEvent, 16)
	reported := make(chan protocol.SessionActivity, 1)
	tr := newTransfers(slog.New(slog.DiscardHandler), nil, func(e FileEvent) {
		if e.State == FileDone || e.State == FileFailed {
			done <- e
		}
	}, func(a protocol.SessionActivity) { reported <- a }, func() int64 { return 1 << 20 }, func() string { return "Alex" })
	ch := newRecordingChannel()
	tr.attach(ch)
	defer tr.close()
	id, err := tr.sendFile(path)
	if err != nil || id&fileproto.DesktopID == 0 {
		t.Fatalf("sendFile = %#x, %v", id, err)
	}
	if o := ch.next(t, fileproto.TypeOffer); o.Name != "log.txt" || o.Size != uint64(len(data)) {
		t.Fatalf("offer %+v", o)
	}
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeAccept, ID: id}))
	var got []byte
	for len(got) < len(data) {
		got = append(got, ch.next(t, fileproto.TypeChunk).Data...)
	}
	end := ch.next(t, fileproto.TypeEnd)
	if !bytes.Equal(got, data) || end.SHA256 != sha256.Sum256(data) {
		t.Fatal("the chunks or the hash are not the file's")
	}
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeDone, ID: id}))
	if e := <-done; e.State != FileDone {
		t.Fatalf("event %+v", e)
	}
	if a := <-reported; a.Kind != protocol.ActivityFileFromUser || a.Bytes != int64(len(data)) || a.Name != "log.txt" {
		t.Errorf("reported %+v", a)
	}
}
