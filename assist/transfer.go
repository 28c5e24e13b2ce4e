package assist

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lifeline-desk/lifeline/assist/fileproto"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// DefaultMaxFileSize is the largest file a session transfers when the
// relay does not say (session.start max_file_bytes).
const DefaultMaxFileSize = 2 << 30

// progressEvery is how many bytes pass between two progress reports.
const progressEvery = 256 << 10

// sendHighWater and sendLowWater bound what a sender queues on the file
// channel: it stops at the high mark and goes on once pion's buffer fell
// to the low one.
const (
	sendHighWater = 1 << 20
	sendLowWater  = 256 << 10
)

// FileOffer is a file the technician wants to put on the user's computer.
type FileOffer struct {
	ID         uint32
	Name       string // the base name the technician gave, made safe
	Size       int64
	Technician string
}

// FileConsenter asks the user about files. The session asks from a
// goroutine of its own and cancels ctx when the technician cancels or the
// session ends.
type FileConsenter interface {
	// AcceptFile asks whether to take the offered file and where to save
	// it: the path to write, or "" when the user said no.
	AcceptFile(ctx context.Context, o FileOffer) (path string, err error)
	// PickFile asks the user to choose a file for the technician, who
	// asked for one: its path, or "" when the user chose none.
	PickFile(ctx context.Context, technician string) (path string, err error)
}

// FileState is where a transfer stands.
type FileState int

// File states.
const (
	FileAsking    FileState = iota + 1 // the user is asked (AcceptFile or PickFile)
	FileMoving                         // bytes are on their way; Done says how many arrived
	FileDone                           // the file arrived whole (SHA-256 checked)
	FileFailed                         // Reason and Err say why
	FileCancelled                      // the user or the technician cancelled it, or the user said no
)

// FileEvent reports a transfer's progress to the UI, in order for each
// transfer, from the transfer's goroutines.
type FileEvent struct {
	ID     uint32
	ToUser bool // technician → user
	Name   string
	Path   string // the file on this computer (written, or sent)
	Size   int64
	Done   int64
	State  FileState
	Reason fileproto.Reason // FileFailed, FileCancelled
	Err    error            // FileFailed
	SHA256 [32]byte         // FileDone
}

// ErrNoFileChannel is returned by SendFile when no session is live.
var ErrNoFileChannel = errors.New("no live session to send a file in")

// fileSender is what transfers send on: the "file" data channel.
type fileSender interface {
	Send([]byte) error
	BufferedAmount() uint64
}

// transfers runs a session's file transfers, both ways, on the file data
// channel. Incoming messages arrive on one pion goroutine (handle), which
// also writes: a slow disk holds the channel back, and SCTP the sender.
type transfers struct {
	log       *slog.Logger
	consenter FileConsenter
	report    func(FileEvent)
	activity  func(protocol.SessionActivity)
	maxSize   func() int64
	peer      func() string // the technician's name

	mu      sync.Mutex
	ch      fileSender
	low     chan struct{} // signalled when the channel's buffer fell to sendLowWater
	in      map[uint32]*incoming
	out     map[uint32]*outgoing
	nextOut uint32
	closed  bool
	wg      sync.WaitGroup
}

type incoming struct {
	offer  FileOffer
	cancel context.CancelFunc // of the question
	path   string             // where it goes once whole
	tmp    *os.File
	hash   hashWriter
	got    int64
	lastP  int64
}

type outgoing struct {
	id     uint32
	path   string
	name   string
	size   int64
	accept chan bool // true: go; false: cancelled
	done   chan fileproto.Message
	cancel context.CancelFunc
}

// hashWriter is a running SHA-256.
type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func newTransfers(log *slog.Logger, c FileConsenter, report func(FileEvent), activity func(protocol.SessionActivity), maxSize func() int64, peer func() string) *transfers {
	return &transfers{log: log, consenter: c, report: report, activity: activity, maxSize: maxSize, peer: peer,
		low: make(chan struct{}, 1), in: map[uint32]*incoming{}, out: map[uint32]*outgoing{}}
}

// attach sets the channel once it exists.
func (t *transfers) attach(ch fileSender) {
	t.mu.Lock()
	t.ch = ch
	t.mu.Unlock()
}

// lowWater is called when the channel's buffer fell to sendLowWater.
func (t *transfers) lowWater() {
	select {
	case t.low <- struct{}{}:
	default:
	}
}

func (t *transfers) send(m fileproto.Message) error {
	b, err := fileproto.Marshal(m)
	if err != nil {
		return err
	}
	t.mu.Lock()
	ch := t.ch
	t.mu.Unlock()
	if ch == nil {
		return ErrNoFileChannel
	}
	return ch.Send(b)
}

func (t *transfers) emit(ev FileEvent) {
	if t.report != nil {
		t.report(ev)
	}
}

// handle applies one message from the technician.
func (t *transfers) handle(raw []byte) {
	m, err := fileproto.Decode(raw)
	if err != nil {
		t.log.Debug("file channel: bad message", "err", err)
		return
	}
	if m.ID&fileproto.DesktopID != 0 {
		t.handleOutgoing(m)
		return
	}
	switch m.Type {
	case fileproto.TypeOffer:
		t.offered(m)
	case fileproto.TypeChunk:
		t.chunk(m)
	case fileproto.TypeEnd:
		t.end(m)
	case fileproto.TypeCancel:
		t.cancelIncoming(m.ID, fileproto.ReasonCancelled, nil, false)
	case fileproto.TypeRequest:
		t.requested(m.ID)
	default:
		t.log.Debug("file channel: message out of turn", "type", m.Type)
	}
}

// safeName makes an offered name a plain base name for this computer.
func safeName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', ':', '*', '?', '"', '<', '>', '|':
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		name = "file"
	}
	return name
}

func (t *transfers) offered(m fileproto.Message) {
	o := FileOffer{ID: m.ID, Name: safeName(m.Name), Size: int64(m.Size), Technician: t.peer()}
	if o.Size > t.maxSize() {
		t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: m.ID, Reason: fileproto.ReasonTooLarge})
		t.emit(FileEvent{ID: o.ID, ToUser: true, Name: o.Name, Size: o.Size, State: FileFailed, Reason: fileproto.ReasonTooLarge})
		return
	}
	t.mu.Lock()
	_, dup := t.in[m.ID]
	busy := t.closed || dup || t.consenter == nil
	var ctx context.Context
	if !busy {
		in := &incoming{offer: o}
		ctx, in.cancel = context.WithCancel(context.Background())
		t.in[m.ID] = in
		t.wg.Add(1)
	}
	t.mu.Unlock()
	if busy {
		t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: m.ID, Reason: fileproto.ReasonBusy})
		return
	}
	t.emit(FileEvent{ID: o.ID, ToUser: true, Name: o.Name, Size: o.Size, State: FileAsking})
	go func() {
		defer t.wg.Done()
		path, err := t.consenter.AcceptFile(ctx, o)
		t.accepted(o, path, err)
	}()
}

// accepted opens the file the user chose (a temporary one beside it,
// renamed once whole) and tells the technician to send.
func (t *transfers) accepted(o FileOffer, path string, err error) {
	if err != nil || path == "" {
		t.cancelIncoming(o.ID, fileproto.ReasonDeclined, nil, true)
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		t.cancelIncoming(o.ID, writeReason(err), fmt.Errorf("save %s: %w", path, err), true)
		return
	}
	t.mu.Lock()
	in, ok := t.in[o.ID]
	if ok {
		in.path, in.tmp, in.hash = path, tmp, sha256.New()
	}
	t.mu.Unlock()
	if !ok { // cancelled while the user was asked
		tmp.Close()
		os.Remove(tmp.Name())
		return
	}
	t.emit(FileEvent{ID: o.ID, ToUser: true, Name: o.Name, Path: path, Size: o.Size, State: FileMoving})
	if err := t.send(fileproto.Message{Type: fileproto.TypeAccept, ID: o.ID}); err != nil {
		t.cancelIncoming(o.ID, fileproto.ReasonCancelled, err, false)
	}
}

// writeReason tells a full disk from other write failures.
func writeReason(err error) fileproto.Reason {
	if errors.Is(err, syscall.ENOSPC) || isDiskFull(err) {
		return fileproto.ReasonDiskFull
	}
	return fileproto.ReasonWriteFailed
}

func (t *transfers) chunk(m fileproto.Message) {
	t.mu.Lock()
	in, ok := t.in[m.ID]
	t.mu.Unlock()
	if !ok || in.tmp == nil {
		return // cancelled, or before Accept: dropped
	}
	if in.got+int64(len(m.Data)) > in.offer.Size {
		t.cancelIncoming(m.ID, fileproto.ReasonProtocol, errors.New("more bytes than offered"), true)
		return
	}
	if _, err := in.tmp.Write(m.Data); err != nil {
		t.cancelIncoming(m.ID, writeReason(err), fmt.Errorf("write %s: %w", in.path, err), true)
		return
	}
	in.hash.Write(m.Data)
	in.got += int64(len(m.Data))
	if in.got-in.lastP >= progressEvery || in.got == in.offer.Size {
		in.lastP = in.got
		t.send(fileproto.Message{Type: fileproto.TypeProgress, ID: m.ID, Bytes: uint64(in.got)})
		t.emit(FileEvent{ID: m.ID, ToUser: true, Name: in.offer.Name, Path: in.path, Size: in.offer.Size, Done: in.got, State: FileMoving})
	}
}

func (t *transfers) end(m fileproto.Message) {
	t.mu.Lock()
	in, ok := t.in[m.ID]
	t.mu.Unlock()
	if !ok || in.tmp == nil {
		return
	}
	var sum [32]byte
	copy(sum[:], in.hash.Sum(nil))
	if in.got != in.offer.Size || sum != m.SHA256 {
		t.cancelIncoming(m.ID, fileproto.ReasonHashMismatch, errors.New("the file that arrived is not the file that was sent"), true)
		return
	}
	err := in.tmp.Sync()
	if cerr := in.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(in.tmp.Name(), in.path)
	}
	if err != nil {
		in.tmp = nil
		t.cancelIncoming(m.ID, writeReason(err), fmt.Errorf("save %s: %w", in.path, err), true)
		return
	}
	t.mu.Lock()
	delete(t.in, m.ID)
	t.mu.Unlock()
	in.cancel()
	t.send(fileproto.Message{Type: fileproto.TypeDone, ID: m.ID})
	t.emit(FileEvent{ID: m.ID, ToUser: true, Name: in.offer.Name, Path: in.path, Size: in.offer.Size, Done: in.got, State: FileDone, SHA256: sum})
	if t.activity != nil {
		t.activity(protocol.SessionActivity{Kind: protocol.ActivityFileToUser, Name: in.offer.Name, Bytes: in.got, SHA256: fmt.Sprintf("%x", sum)})
	}
}

// cancelIncoming ends an incoming transfer: what was written is deleted;
// tell says whether the technician is to be told.
func (t *transfers) cancelIncoming(id uint32, why fileproto.Reason, err error, tell bool) {
	t.mu.Lock()
	in, ok := t.in[id]
	delete(t.in, id)
	t.mu.Unlock()
	if !ok {
		return
	}
	in.cancel()
	if in.tmp != nil {
		in.tmp.Close()
		os.Remove(in.tmp.Name())
	}
	if tell {
		t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: id, Reason: why})
	}
	st := FileCancelled
	if err != nil {
		st = FileFailed
		t.log.Warn("file from the technician not saved", "name", in.offer.Name, "reason", why, "err", err)
	}
	t.emit(FileEvent{ID: id, ToUser: true, Name: in.offer.Name, Path: in.path, Size: in.offer.Size, Done: in.got, State: st, Reason: why, Err: err})
}

// --- desktop → technician

// requested asks the user to pick a file the technician asked for.
func (t *transfers) requested(reqID uint32) {
	id := reqID | fileproto.DesktopID
	t.mu.Lock()
	busy := t.closed || t.consenter == nil || t.out[id] != nil
	if !busy {
		t.wg.Add(1)
	}
	t.mu.Unlock()
	if busy {
		t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: id, Reason: fileproto.ReasonBusy})
		return
	}
	go func() {
		defer t.wg.Done()
		path, err := t.consenter.PickFile(context.Background(), t.peer())
		if err != nil || path == "" {
			t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: id, Reason: fileproto.ReasonDeclined})
			return
		}
		if err := t.startSend(id, path); err != nil {
			t.log.Warn("send the file the technician asked for", "err", err)
		}
	}()
}

// sendFile sends a file the user chose to the technician.
func (t *transfers) sendFile(path string) (uint32, error) {
	t.mu.Lock()
	t.nextOut++
	id := (t.nextOut &^ fileproto.DesktopID) | fileproto.DesktopID
	t.mu.Unlock()
	return id, t.startSend(id, path)
}

func (t *transfers) startSend(id uint32, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = errors.New("not a regular file")
		}
		return fmt.Errorf("send %s: %w", path, err)
	}
	name := safeName(filepath.Base(path))
	if len(name) > fileproto.MaxNameLen {
		name = cutText(name, fileproto.MaxNameLen)
	}
	o := &outgoing{id: id, path: path, name: name, size: fi.Size(), accept: make(chan bool, 1), done: make(chan fileproto.Message, 1)}
	ev := FileEvent{ID: id, Name: name, Path: path, Size: o.size}
	if o.size > t.maxSize() {
		f.Close()
		ev.State, ev.Reason = FileFailed, fileproto.ReasonTooLarge
		t.emit(ev)
		return fmt.Errorf("send %s: %w", path, errTooLarge)
	}
	var ctx context.Context
	ctx, o.cancel = context.WithCancel(context.Background())
	t.mu.Lock()
	if t.closed || t.ch == nil {
		t.mu.Unlock()
		f.Close()
		o.cancel()
		return ErrNoFileChannel
	}
	t.out[id] = o
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		defer f.Close()
		t.run(ctx, o, f)
	}()
	return nil
}

var errTooLarge = errors.New("the file is larger than the help desk allows")

// run offers the file, waits for the technician's console to accept,
// sends it chunk by chunk under back-pressure, and waits for Done.
func (t *transfers) run(ctx context.Context, o *outgoing, f *os.File) {
	ev := FileEvent{ID: o.id, Name: o.name, Path: o.path, Size: o.size}
	finish := func(st FileState, why fileproto.Reason, err error) {
		t.mu.Lock()
		delete(t.out, o.id)
		t.mu.Unlock()
		o.cancel()
		ev.State, ev.Reason, ev.Err = st, why, err
		t.emit(ev)
	}
	if err := t.send(fileproto.Message{Type: fileproto.TypeOffer, ID: o.id, Size: uint64(o.size), Name: o.name}); err != nil {
		finish(FileFailed, fileproto.ReasonCancelled, err)
		return
	}
	ev.State = FileAsking
	t.emit(ev)
	select {
	case ok := <-o.accept:
		if !ok {
			finish(FileCancelled, fileproto.ReasonDeclined, nil)
			return
		}
	case <-ctx.Done():
		finish(FileCancelled, fileproto.ReasonCancelled, nil)
		return
	}
	ev.State = FileMoving
	t.emit(ev)
	h := sha256.New()
	buf := make([]byte, fileproto.ChunkSize)
	var sent int64
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if werr := t.waitRoom(ctx); werr != nil {
				finish(FileCancelled, fileproto.ReasonCancelled, nil)
				return
			}
			if serr := t.send(fileproto.Message{Type: fileproto.TypeChunk, ID: o.id, Data: buf[:n]}); serr != nil {
				finish(FileFailed, fileproto.ReasonCancelled, serr)
				return
			}
			h.Write(buf[:n])
			sent += int64(n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: o.id, Reason: fileproto.ReasonReadFailed})
			finish(FileFailed, fileproto.ReasonReadFailed, fmt.Errorf("read %s: %w", o.path, err))
			return
		}
	}
	if sent != o.size { // the file changed while it was sent
		t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: o.id, Reason: fileproto.ReasonReadFailed})
		finish(FileFailed, fileproto.ReasonReadFailed, fmt.Errorf("read %s: it changed while it was sent", o.path))
		return
	}
	copy(ev.SHA256[:], h.Sum(nil))
	t.send(fileproto.Message{Type: fileproto.TypeEnd, ID: o.id, SHA256: ev.SHA256})
	select {
	case m := <-o.done:
		if m.Type == fileproto.TypeDone {
			ev.Done = sent
			finish(FileDone, 0, nil)
			if t.activity != nil {
				t.activity(protocol.SessionActivity{Kind: protocol.ActivityFileFromUser, Name: o.name, Bytes: sent, SHA256: fmt.Sprintf("%x", ev.SHA256)})
			}
			return
		}
		finish(FileFailed, m.Reason, fmt.Errorf("the technician's side refused the file (%d)", m.Reason))
	case <-ctx.Done():
		finish(FileCancelled, fileproto.ReasonCancelled, nil)
	}
}

// waitRoom waits until the channel has room for another chunk.
func (t *transfers) waitRoom(ctx context.Context) error {
	for {
		t.mu.Lock()
		ch := t.ch
		t.mu.Unlock()
		if ch == nil {
			return ErrNoFileChannel
		}
		if ch.BufferedAmount() < sendHighWater {
			return nil
		}
		select {
		case <-t.low:
		case <-time.After(100 * time.Millisecond): // in case a signal came before we waited
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// handleOutgoing applies the technician's answer to one of our transfers.
func (t *transfers) handleOutgoing(m fileproto.Message) {
	t.mu.Lock()
	o, ok := t.out[m.ID]
	t.mu.Unlock()
	if !ok {
		return
	}
	switch m.Type {
	case fileproto.TypeAccept:
		select {
		case o.accept <- true:
		default:
		}
	case fileproto.TypeProgress:
		t.emit(FileEvent{ID: o.id, Name: o.name, Path: o.path, Size: o.size, Done: int64(min(m.Bytes, uint64(o.size))), State: FileMoving})
	case fileproto.TypeDone:
		select {
		case o.done <- m:
		default:
		}
	case fileproto.TypeCancel:
		select {
		case o.accept <- false:
		default:
		}
		select {
		case o.done <- m:
		default:
		}
		if m.Reason == fileproto.ReasonCancelled || m.Reason == fileproto.ReasonDeclined {
			o.cancel()
		}
	}
}

// cancel cancels a transfer either way, as the user asked.
func (t *transfers) cancel(id uint32) {
	if id&fileproto.DesktopID != 0 {
		t.mu.Lock()
		o, ok := t.out[id]
		t.mu.Unlock()
		if ok {
			t.send(fileproto.Message{Type: fileproto.TypeCancel, ID: id, Reason: fileproto.ReasonCancelled})
			o.cancel()
		}
		return
	}
	t.cancelIncoming(id, fileproto.ReasonCancelled, nil, true)
}

// close ends every transfer (what was half written is deleted) and waits
// for their goroutines.
func (t *transfers) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.detach()
	t.wg.Wait()
}
