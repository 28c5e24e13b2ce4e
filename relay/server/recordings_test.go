package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// recordingRelay records sessions with small caps: chunks up to 1 KiB, a
// session up to 3 KiB.
func recordingRelay(t *testing.T) *relay {
	t.Helper()
	return startRelay(t, relaytest.WithConfig(func(c *server.Config) {
		c.Recording = server.Recording{Enabled: true, MaxChunk: 1 << 10, MaxSession: 3 << 10}
	}))
}

// webm is a chunk of n bytes; the first of a recording starts with the
// EBML magic.
func webm(first bool, n int, fill byte) []byte {
	b := bytes.Repeat([]byte{fill}, n)
	if first {
		copy(b, []byte{0x1a, 0x45, 0xdf, 0xa3})
	}
	return b
}

// chunkReply is the reply to a chunk upload.
type chunkReply struct {
	Error   string `json:"error"`
	NextSeq int64  `json:"next_seq"`
	Bytes   int64  `json:"bytes"`
}

// postChunk uploads a chunk as the console does, over a real socket.
func (tc *tech) postChunk(base, sid string, seq int64, recordedMS int64, body []byte, ctype string) (int, chunkReply) {
	tc.t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/sessions/%s/recording/chunks?seq=%d&recorded_ms=%d", base, sid, seq, recordedMS), bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set(csrfHeader, tc.CSRF())
	resp, err := tc.HTTPClient().Do(req)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out chunkReply
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		_ = json.Unmarshal(b, &out)
	}
	return resp.StatusCode, out
}

// getRecording fetches a recording with an optional Range header.
func (tc *tech) getRecording(base, sid, query, rng string) (*http.Response, []byte) {
	tc.t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/sessions/"+sid+"/recording"+query, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := tc.HTTPClient().Do(req)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// viewGranted runs a session up to the user's allow to view.
func viewGranted(t *testing.T, r *relay, tc *tech) (sid string, cl, con *relaytest.Socket) {
	t.Helper()
	sid, cl, con = fullSession(t, r, tc)
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	return sid, cl, con
}

// TestRecordingUploadAndPlayback: with recording on, both parties'
// session.start say so; the technician's chunks, sent in order (a retry
// of a kept chunk changes nothing, a gap is refused with the chunk
// expected), make one file served as video/webm with ranges; playback
// and download are audited, once per kind in the window; the session
// record describes the recording.
func TestRecordingUploadAndPlayback(t *testing.T) {
	r := recordingRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	con := tc.ws()
	cl := r.dialClient()
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("help"))
	reqID := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	if st := tc.do("POST", "/api/requests/"+reqID+"/take", nil, nil); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	cl.Next(protocol.TypeRequestTaken)
	if ss := cl.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart); !ss.Recording {
		t.Errorf("desktop's session.start %+v: recording not said", ss)
	}
	ts := con.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	if !ts.Recording {
		t.Errorf("console's session.start %+v: recording not said", ts)
	}
	sid := ts.SessionID
	first := webm(true, 1000, 'a')

	// Nothing to record before the user allowed viewing.
	if st, _ := tc.postChunk(r.URL, sid, 0, 2000, first, "video/webm"); st != http.StatusConflict {
		t.Errorf("chunk before view consent: %d, want 409", st)
	}
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)

	second, third := webm(false, 900, 'b'), webm(false, 800, 'c')
	steps := []struct {
		name     string
		seq      int64
		body     []byte
		ctype    string
		want     int
		wantNext int64
	}{
		{"not webm", 0, webm(false, 100, 'x'), "video/webm", http.StatusBadRequest, 0},
		{"wrong type", 0, first, "application/json", http.StatusUnsupportedMediaType, 0},
		{"first", 0, first, "video/webm;codecs=vp8", http.StatusOK, 1},
		{"retry of the first", 0, first, "video/webm;codecs=vp8", http.StatusOK, 1},
		{"gap", 2, third, "video/webm", http.StatusConflict, 1},
		{"oversize", 1, webm(false, 1025, 'z'), "video/webm", http.StatusRequestEntityTooLarge, 0},
		{"second", 1, second, "video/webm", http.StatusOK, 2},
		{"third", 2, third, "video/webm", http.StatusOK, 3},
		{"over the session cap", 3, webm(false, 500, 'd'), "video/webm", http.StatusRequestEntityTooLarge, 0},
	}
	for _, s := range steps {
		st, rep := tc.postChunk(r.URL, sid, s.seq, 2000*(s.seq+1), s.body, s.ctype)
		if st != s.want || (s.wantNext > 0 && rep.NextSeq != s.wantNext) {
			t.Errorf("%s: status %d next_seq %d, want %d next_seq %d", s.name, st, rep.NextSeq, s.want, s.wantNext)
		}
	}
	all := append(append(append([]byte{}, first...), second...), third...)

	resp, body := tc.getRecording(r.URL, sid, "", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/webm" || !bytes.Equal(body, all) {
		t.Fatalf("GET recording: %d %q, %d bytes (want %d)", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(all))
	}
	if resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("Accept-Ranges %q", resp.Header.Get("Accept-Ranges"))
	}
	resp, body = tc.getRecording(r.URL, sid, "", "bytes=998-1003")
	if resp.StatusCode != http.StatusPartialContent || string(body) != "aabbbb" {
		t.Errorf("range: %d %q, want 206 \"aabbbb\"", resp.StatusCode, body)
	}
	resp, body = tc.getRecording(r.URL, sid, "?download=1", "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || len(body) != len(all) {
		t.Errorf("download: %d, disposition %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	if got := r.auditDetails(protocol.AuditRecordingDownloaded); len(got) != 2 || got[0] != "tech:alex how=playback" || got[1] != "tech:alex how=download" {
		t.Errorf("recording.downloaded events %q, want one playback and one download", got)
	}
	if got := r.auditDetails(protocol.AuditRecordingStarted); len(got) != 1 {
		t.Errorf("recording.started events %q, want 1", got)
	}
	var detail struct {
		Recording *struct {
			Bytes      int64 `json:"bytes"`
			Chunks     int64 `json:"chunks"`
			DurationMS int64 `json:"duration_ms"`
			CanPlay    bool  `json:"can_play"`
		} `json:"recording"`
	}
	tc.do("GET", "/api/sessions/"+sid, nil, &detail)
	if rec := detail.Recording; rec == nil || rec.Bytes != int64(len(all)) || rec.Chunks != 3 || rec.DurationMS != 6000 || !rec.CanPlay {
		t.Errorf("session record's recording = %+v", rec)
	}
	if fi, err := os.Stat(filepath.Join(r.Dir, "recordings", sid+".webm")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("recording file: %v %v", fi, err)
	}
}

// TestRecordingAttacks: another technician can neither add to nor play a
// session's recording (an administrator may play it); chunks for an
// unknown session, for a session ended longer than the grace period, or
// for a relay that does not record are refused; a chunk just after the
// end (the console's tail) is kept.
func TestRecordingAttacks(t *testing.T) {
	r := recordingRelay(t)
	r.addTech("alex", false)
	r.addTech("bea", false)
	r.addTech("carl", true)
	alex, bea, carl := r.login("alex"), r.login("bea"), r.login("carl")
	sid, cl, con := viewGranted(t, r, alex)
	if st, _ := alex.postChunk(r.URL, sid, 0, 2000, webm(true, 100, 'a'), "video/webm"); st != http.StatusOK {
		t.Fatalf("alex's first chunk: %d", st)
	}
	if st, _ := bea.postChunk(r.URL, sid, 1, 4000, webm(false, 100, 'b'), "video/webm"); st != http.StatusNotFound {
		t.Errorf("another technician's chunk: %d, want 404", st)
	}
	if st, _ := carl.postChunk(r.URL, sid, 1, 4000, webm(false, 100, 'b'), "video/webm"); st != http.StatusNotFound {
		t.Errorf("an administrator's chunk in someone else's session: %d, want 404", st)
	}
	if resp, _ := bea.getRecording(r.URL, sid, "", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another technician's playback: %d, want 403", resp.StatusCode)
	}
	if resp, body := carl.getRecording(r.URL, sid, "", ""); resp.StatusCode != http.StatusOK || len(body) != 100 {
		t.Errorf("administrator's playback: %d, %d bytes", resp.StatusCode, len(body))
	}
	if st, _ := alex.postChunk(r.URL, "s-nosuchsession", 0, 2000, webm(true, 100, 'a'), "video/webm"); st != http.StatusNotFound {
		t.Errorf("chunk for an unknown session: %d, want 404", st)
	}
	if st, _ := (&tech{API: relaytest.NewAPI(t, r.URL), t: t}).postChunk(r.URL, sid, 1, 4000, webm(false, 100, 'b'), "video/webm"); st != http.StatusUnauthorized {
		t.Errorf("chunk without sign-in: %d, want 401", st)
	}

	cl.SendMessage(protocol.TypeSessionEnd, "", sid, &protocol.SessionEnd{})
	con.Next(protocol.TypeSessionEnd)
	r.clock.Advance(10 * time.Second)
	if st, rep := alex.postChunk(r.URL, sid, 1, 4000, webm(false, 100, 'b'), "video/webm"); st != http.StatusOK || rep.NextSeq != 2 {
		t.Errorf("the tail 10 s after the end: %d %+v, want 200", st, rep)
	}
	r.clock.Advance(server.DefaultRecordingGrace)
	if st, _ := alex.postChunk(r.URL, sid, 2, 6000, webm(false, 100, 'c'), "video/webm"); st != http.StatusConflict {
		t.Errorf("chunk %s after the end: %d, want 409", server.DefaultRecordingGrace+10*time.Second, st)
	}
	if got := r.auditDetails(protocol.AuditRecordingDownloaded); len(got) != 1 || got[0] != "tech:carl how=playback" {
		t.Errorf("recording.downloaded events %q: want the administrator's only", got)
	}

	// A relay that does not record says so and takes no chunk.
	off := startRelay(t)
	off.addTech("alex", false)
	otc := off.login("alex")
	osid, _, ocon := viewGranted(t, off, otc)
	_ = ocon
	if st, _ := otc.postChunk(off.URL, osid, 0, 2000, webm(true, 100, 'a'), "video/webm"); st != http.StatusNotFound {
		t.Errorf("chunk on a relay that does not record: %d, want 404", st)
	}
}

// TestRecordingRetention: the retention job deletes a recording (file and
// row) once its last chunk is older than Retention.Recordings.
func TestRecordingRetention(t *testing.T) {
	r := recordingRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, _, _ := viewGranted(t, r, tc)
	if st, _ := tc.postChunk(r.URL, sid, 0, 2000, webm(true, 100, 'a'), "video/webm"); st != http.StatusOK {
		t.Fatalf("chunk: %d", st)
	}
	file := filepath.Join(r.Dir, "recordings", sid+".webm")
	ctx := context.Background()
	r.clock.Advance(server.DefaultRecordingRetention - time.Hour)
	if err := r.Server.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("deleted before its time: %v", err)
	}
	r.clock.Advance(2 * time.Hour)
	if err := r.Server.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file after retention: %v", err)
	}
	if _, err := r.Store.Recording(ctx, sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("row after retention: %v", err)
	}
	if resp, _ := r.login("alex").getRecording(r.URL, sid, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("playback after retention: %d", resp.StatusCode)
	}
}
