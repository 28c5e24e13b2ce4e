package server

// Session recordings. When the organisation records sessions
// (Config.Recording.Enabled), session.start says so to both parties: the
// desktop tells the user before it asks to allow viewing, and the
// technician's console records the decoded screen (MediaRecorder, WebM)
// and uploads it in chunks while the session runs. The relay appends the
// chunks to one file per session under its data directory, keeps an index
// row in the store, serves the file for playback (with ranges, so the
// browser can seek), audits every playback and download, and deletes
// recordings with the retention job (Retention.Recordings). The relay
// still never sees live media: it gets what the console decoded, later.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// Recording is the organisation's setting for session recordings.
type Recording struct {
	// Enabled records every session: the user is told before allowing
	// viewing, the console records and uploads.
	Enabled bool
	// Dir holds the recording files (mode 0700, files 0600); default
	// "recordings" in the data directory.
	Dir string
	// MaxChunk bounds one uploaded chunk (default 8 MiB), MaxSession one
	// session's recording (default 2 GiB): larger is refused (413).
	MaxChunk, MaxSession int64
	// Grace is how long after a session ended its last chunks are still
	// taken (the console uploads the tail after the end); default 30 s.
	Grace time.Duration
}

// Recording defaults.
const (
	DefaultRecordingMaxChunk   = 8 << 20
	DefaultRecordingMaxSession = 2 << 30
	DefaultRecordingGrace      = 30 * time.Second
	DefaultRecordingRetention  = 30 * 24 * time.Hour
	// recordingAuditEvery: one recording.downloaded event per technician,
	// session and kind (playback or download) in this window — a player
	// seeking makes many range requests.
	recordingAuditEvery = 10 * time.Minute
	// maxRecordedMS bounds the recorded time a chunk may claim (a day).
	maxRecordedMS = 24 * 60 * 60 * 1000
)

func (r *Recording) setDefaults() {
	if r.MaxChunk <= 0 {
		r.MaxChunk = DefaultRecordingMaxChunk
	}
	if r.MaxSession <= 0 {
		r.MaxSession = DefaultRecordingMaxSession
	}
	if r.Grace <= 0 {
		r.Grace = DefaultRecordingGrace
	}
}

// webmMagic starts every WebM (EBML) file: the first chunk must carry it.
var webmMagic = []byte{0x1a, 0x45, 0xdf, 0xa3}

// sessionIDRE is what a session id looks like (newID("s")): safe as a file name.
var sessionIDRE = regexp.MustCompile(`^s-[A-Za-z0-9_-]{1,60}$`)

// recorder keeps the recording files and their index.
type recorder struct {
	dir   string
	index store.Recordings

	mu      sync.Mutex                    // appends and removals, one at a time
	audited map[recordingAccess]time.Time // last recording.downloaded event
}

type recordingAccess struct {
	tech    int64
	session string
	how     string
}

// initRecordings prepares the recordings directory.
func (s *Server) initRecordings(ctx context.Context) error {
	cfg := &s.cfg.Recording
	cfg.setDefaults()
	if cfg.Dir == "" {
		dir, err := s.cfg.Store.DataDir(ctx)
		if err != nil {
			return fmt.Errorf("server: recordings: %w", err)
		}
		cfg.Dir = filepath.Join(dir, "recordings")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("server: recordings dir: %w", err)
	}
	s.rec = &recorder{dir: cfg.Dir, index: s.cfg.Store, audited: map[recordingAccess]time.Time{}}
	return nil
}

func (rc *recorder) path(sessionID string) string { return filepath.Join(rc.dir, sessionID+".webm") }

func (s *Server) recordingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/sessions/{id}/recording/chunks", s.authed(false, s.handleRecordingChunk))
	mux.HandleFunc("GET /api/sessions/{id}/recording", s.authed(false, s.handleRecording))
}

// Errors of an append.
var (
	errRecordingGap  = errors.New("chunk out of order")
	errRecordingFull = errors.New("recording too large")
	errNotWebM       = errors.New("not a WebM stream")
)

// handleRecordingChunk takes one chunk of a live session's recording from
// the session's own technician: POST
// /api/sessions/{id}/recording/chunks?seq=N&recorded_ms=T, body video/webm.
func (s *Server) handleRecordingChunk(w http.ResponseWriter, r *http.Request, p principal) {
	cfg := s.cfg.Recording
	if !cfg.Enabled {
		writeError(w, http.StatusNotFound, apiNotFound, "this relay does not record sessions")
		return
	}
	q := r.URL.Query()
	seq, err := strconv.ParseInt(q.Get("seq"), 10, 64)
	if err != nil || seq < 0 {
		writeError(w, http.StatusBadRequest, apiBadRequest, "seq must be the chunk's number, 0 for the first")
		return
	}
	recorded, err := strconv.ParseInt(q.Get("recorded_ms"), 10, 64)
	if err != nil || recorded < 0 || recorded > maxRecordedMS {
		writeError(w, http.StatusBadRequest, apiBadRequest, "recorded_ms must be the recorded time up to the end of this chunk, in milliseconds")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "video/webm" {
		writeError(w, http.StatusUnsupportedMediaType, apiBadRequest, "a recording chunk is video/webm")
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	x, err := s.records.Session(ctx, id)
	if err != nil || x.TechID != p.tech.ID || !sessionIDRE.MatchString(id) {
		writeError(w, http.StatusNotFound, apiNotFound, "no such session of yours")
		return
	}
	now := s.now()
	if !s.hub.isLive(id) && (x.EndedAt.IsZero() || now.Sub(x.EndedAt) > cfg.Grace) {
		writeError(w, http.StatusConflict, apiConflict, "the session has ended; its recording is closed")
		return
	}
	if x.ViewGrantedAt.IsZero() {
		writeError(w, http.StatusConflict, apiConflict, "the user has not allowed viewing: there is nothing to record")
		return
	}
	if r.ContentLength > cfg.MaxChunk {
		writeError(w, http.StatusRequestEntityTooLarge, apiTooLarge, fmt.Sprintf("a recording chunk is at most %d KiB", cfg.MaxChunk>>10))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cfg.MaxChunk))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, apiTooLarge, fmt.Sprintf("a recording chunk is at most %d KiB", cfg.MaxChunk>>10))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, apiBadRequest, "could not read the chunk")
		return
	case len(body) == 0:
		writeError(w, http.StatusBadRequest, apiBadRequest, "an empty chunk")
		return
	}
	rec, first, err := s.rec.append(context.WithoutCancel(ctx), x, seq, time.Duration(recorded)*time.Millisecond, body, now, cfg.MaxSession)
	switch {
	case errors.Is(err, errRecordingGap):
		writeJSON(w, http.StatusConflict, map[string]any{"error": apiConflict, "message": fmt.Sprintf("expected chunk %d", rec.NextSeq), "next_seq": rec.NextSeq})
		return
	case errors.Is(err, errRecordingFull):
		writeError(w, http.StatusRequestEntityTooLarge, apiTooLarge, fmt.Sprintf("a session's recording is at most %d MiB", cfg.MaxSession>>20))
		return
	case errors.Is(err, errNotWebM):
		writeError(w, http.StatusBadRequest, apiBadRequest, "the first chunk must start a WebM stream")
		return
	case err != nil:
		s.log.Error("store recording chunk", "session", id, "seq", seq, "err", err)
		writeError(w, http.StatusInternalServerError, apiInternal, "could not store the chunk")
		return
	}
	if first {
		s.audit(ctx, store.AuditEvent{At: now, Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditRecordingStarted,
			Address: s.clientAddr(r), RequestID: x.RequestID, SessionID: x.ID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"next_seq": rec.NextSeq, "bytes": rec.Bytes})
}

// append adds chunk seq to the recording of x. A chunk already kept (a
// retry whose reply was lost) changes nothing; one after a missing chunk
// is errRecordingGap. first reports whether this chunk began the recording.
func (rc *recorder) append(ctx context.Context, x store.Session, seq int64, recorded time.Duration, chunk []byte, now time.Time, maxBytes int64) (rec store.Recording, first bool, err error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rec, err = rc.index.Recording(ctx, x.ID)
	if errors.Is(err, store.ErrNotFound) {
		rec, err = store.Recording{SessionID: x.ID, TechID: x.TechID, StartedAt: now.Add(-recorded)}, nil
	}
	if err != nil {
		return rec, false, err
	}
	switch {
	case seq < rec.NextSeq:
		return rec, false, nil
	case seq > rec.NextSeq:
		return rec, false, errRecordingGap
	case rec.Bytes+int64(len(chunk)) > maxBytes:
		return rec, false, errRecordingFull
	case seq == 0 && !bytes.HasPrefix(chunk, webmMagic):
		return rec, false, errNotWebM
	}
	f, err := os.OpenFile(rc.path(x.ID), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return rec, false, fmt.Errorf("open recording: %w", err)
	}
	defer f.Close()
	// Bytes past the index (a crash after writing, before indexing) go.
	if err := f.Truncate(rec.Bytes); err != nil {
		return rec, false, fmt.Errorf("truncate recording: %w", err)
	}
	if _, err := f.WriteAt(chunk, rec.Bytes); err != nil {
		return rec, false, fmt.Errorf("write recording: %w", err)
	}
	if err := f.Sync(); err != nil {
		return rec, false, fmt.Errorf("sync recording: %w", err)
	}
	rec.NextSeq++
	rec.Bytes += int64(len(chunk))
	rec.UpdatedAt = now
	rec.Duration = max(rec.Duration, recorded)
	if err := rc.index.PutRecording(ctx, rec); err != nil {
		return rec, false, err
	}
	return rec, seq == 0, nil
}

// handleRecording plays or downloads (?download=1) a session's recording:
// for the session's technician and administrators, audited
// (recording.downloaded), with Range support.
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request, p principal) {
	ctx := r.Context()
	id := r.PathValue("id")
	x, err := s.records.Session(ctx, id)
	if err != nil || !sessionIDRE.MatchString(id) {
		writeError(w, http.StatusNotFound, apiNotFound, "no such session")
		return
	}
	if x.TechID != p.tech.ID && !p.tech.Admin {
		writeError(w, http.StatusForbidden, apiForbidden, "only the session's technician and administrators may play its recording")
		return
	}
	rec, err := s.rec.index.Recording(ctx, id)
	if err != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "this session has no recording")
		return
	}
	f, err := os.Open(s.rec.path(id))
	if err != nil {
		s.log.Error("open recording", "session", id, "err", err)
		writeError(w, http.StatusNotFound, apiNotFound, "the recording's file is missing")
		return
	}
	defer f.Close()
	how := "playback"
	if r.URL.Query().Get("download") == "1" {
		how = "download"
	}
	// Fail closed: a recording whose access cannot be audited is not served.
	if s.rec.shouldAudit(recordingAccess{p.tech.ID, id, how}, s.now()) {
		err := s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditRecordingDownloaded,
			Address: s.clientAddr(r), RequestID: x.RequestID, SessionID: x.ID, Detail: "how=" + how})
		if err != nil {
			s.rec.forgetAudit(recordingAccess{p.tech.ID, id, how})
			writeError(w, http.StatusInternalServerError, apiInternal, "the relay could not record this access, so the recording is not shown; try again later")
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "video/webm")
	h.Set("Cache-Control", "private, no-store")
	if how == "download" {
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="lifeline-%s.webm"`, id))
	}
	http.ServeContent(w, r, "", rec.UpdatedAt, io.NewSectionReader(f, 0, rec.Bytes))
}

// shouldAudit reports whether an access is the first of its kind in
// recordingAuditEvery, and notes it.
func (rc *recorder) shouldAudit(a recordingAccess, now time.Time) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for k, at := range rc.audited {
		if now.Sub(at) >= recordingAuditEvery {
			delete(rc.audited, k)
		}
	}
	if _, ok := rc.audited[a]; ok {
		return false
	}
	rc.audited[a] = now
	return true
}

func (rc *recorder) forgetAudit(a recordingAccess) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	delete(rc.audited, a)
}

// recordingJSON describes a session's recording in GET /api/sessions/{id}.
type recordingJSON struct {
	StartedAt  time.Time `json:"started_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Bytes      int64     `json:"bytes"`
	Chunks     int64     `json:"chunks"`
	DurationMS int64     `json:"duration_ms"`
	// CanPlay: the asking technician may play it (theirs, or an admin).
	CanPlay bool `json:"can_play"`
}

// sessionRecording is the recording of x as the asker sees it, or nil.
func (s *Server) sessionRecording(ctx context.Context, x store.Session, p principal) *recordingJSON {
	rec, err := s.rec.index.Recording(ctx, x.ID)
	if err != nil {
		return nil
	}
	return &recordingJSON{StartedAt: rec.StartedAt, UpdatedAt: rec.UpdatedAt, Bytes: rec.Bytes, Chunks: rec.NextSeq,
		DurationMS: rec.Duration.Milliseconds(), CanPlay: x.TechID == p.tech.ID || p.tech.Admin}
}

// pruneRecordings deletes recordings last written before before (zero:
// none for age) and those whose session record is gone, files first in
// the index's order: a file without a row is removed too.
func (s *Server) pruneRecordings(ctx context.Context, before time.Time) (int, error) {
	ids, err := s.rec.index.PruneRecordings(ctx, before)
	if err != nil {
		return 0, err
	}
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	for _, id := range ids {
		if !sessionIDRE.MatchString(id) {
			continue
		}
		if err := os.Remove(s.rec.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Error("delete recording", "session", id, "err", err)
		}
	}
	return len(ids), nil
}
