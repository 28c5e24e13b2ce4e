//go:build cgo

package e2e

import (
	"context"
	"fmt"
	"image/color"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// recordFor is how long the session is recorded.
const recordFor = 10 * time.Second

// TestRecordedSessionPlaysBack: on a relay that records sessions, the
// desktop's view question says so; the console in Chromium records the
// live screen of a real desktop session on Xvfb (orange for the first
// half, blue for the second) and uploads it while the session runs;
// after the end the session's History page plays the recording back: it
// lasts about as long as the session was recorded, shows orange near its
// start and blue near its end, and the playback is audited.
func TestRecordedSessionPlaysBack(t *testing.T) {
	first, second := color.RGBA{0xe0, 0x80, 0x10, 0xff}, color.RGBA{0x20, 0x50, 0xd0, 0xff}
	d := xtest.Start(t, screenW, screenH)
	t.Setenv("DISPLAY", d)
	xtest.Fill(t, d, first)

	ld := startLiveDesktopOn(t, nil, relaytest.WithConfig(func(c *server.Config) { c.Recording.Enabled = true }))
	tb := ld.tb
	if asked := ld.consents(); len(asked) != 1 || !asked[0].Recording {
		t.Errorf("the user was asked %+v: not told the session is recorded", asked)
	}
	mark := `document.querySelector('.session:not([hidden]) .recording-mark')`
	tb.Wait("the recording mark", mark+`.textContent === '● Recording'`, 10*time.Second)
	began := time.Now()
	waitPixels(t, tb, first, first)
	tb.Screenshot(screenshots, "session-recording")
	time.Sleep(recordFor / 2)
	xtest.Fill(t, d, second)
	waitPixels(t, tb, second, second)
	time.Sleep(time.Until(began.Add(recordFor)))

	sid := consoletest.Eval[string](tb, `document.querySelector('.session:not([hidden])').dataset.session`)
	tb.Click(".session:not([hidden]) button.danger")
	tb.Click(".session:not([hidden]) dialog.confirm[open] button.danger")
	recorded := time.Since(began)
	tb.Wait("the last chunks uploaded", mark+`.dataset.uploaded === 'all'`, 30*time.Second)
	rec, err := ld.relay.Store.Recording(context.Background(), sid)
	if err != nil {
		t.Fatalf("%v; the console says %q", err, tb.Text(".session:not([hidden]) .recording-mark"))
	}
	t.Logf("recorded %.1f s: %d chunks, %d bytes (%.0f kbit/s uploaded), %.1f s by the console's clock",
		recorded.Seconds(), rec.NextSeq, rec.Bytes, float64(rec.Bytes)*8/1000/recorded.Seconds(), rec.Duration.Seconds())

	// History: the session's page plays the recording.
	video, dur := openRecording(tb, sid)
	t.Logf("the recording plays for %.2f s", dur)
	if want := recorded.Seconds(); dur < want-2 || dur > want+2 {
		t.Errorf("the recording plays for %.2f s, want %.1f ± 2 s", dur, want)
	}
	if w := consoletest.Eval[int](tb, video+`.videoWidth`); w != screenW {
		t.Errorf("the recording is %d px wide, want %d", w, screenW)
	}
	seek := func(at float64) {
		t.Helper()
		ok := consoletest.Eval[bool](tb, fmt.Sprintf(`new Promise((ok) => { const v = %s; setTimeout(() => ok(false), 10000);
			v.addEventListener('seeked', () => requestAnimationFrame(() => ok(true)), { once: true }); v.currentTime = %g; })`, video, at))
		if !ok {
			t.Fatalf("the recording did not seek to %.1f s", at)
		}
	}
	seek(1.5)
	if got := consoletest.VideoPixels(tb, video, halves...); !consoletest.NearColour(got[0], first) || !consoletest.NearColour(got[1], first) {
		t.Errorf("at 1.5 s the recording shows %v, want about %v", got, first)
	}
	seek(dur - 1.5)
	if got := consoletest.VideoPixels(tb, video, halves...); !consoletest.NearColour(got[0], second) || !consoletest.NearColour(got[1], second) {
		t.Errorf("at %.1f s the recording shows %v, want about %v", dur-1.5, got, second)
	}
	consoletest.Eval[bool](tb, `(document.querySelector('#history-detail .playback-moments').scrollIntoView({ block: 'end' }), true)`)
	time.Sleep(300 * time.Millisecond)
	tb.Screenshot(screenshots, "history-playback")
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('#history-detail .playback-moments li').length`); n < 4 {
		t.Errorf("the timeline beside the recording has %d lines", n)
	}
	evs, err := ld.relay.Store.Audit(context.Background(), store.AuditFilter{SessionID: sid, Action: protocol.AuditRecordingDownloaded})
	if err != nil || len(evs) != 1 || evs[0].Detail != "how=playback" {
		t.Errorf("recording.downloaded events %+v, %v: want one playback", evs, err)
	}
}

// openRecording opens session sid's page in History and waits until its
// recording is ready to play: video is the JS expression of the playback
// <video>, dur its duration in seconds.
func openRecording(tb *consoletest.Tab, sid string) (video string, dur float64) {
	tb.Click(`.tab[data-view="history"]`)
	row := fmt.Sprintf(`#history-table tbody tr[data-id="%s"]`, sid)
	tb.Wait("the session in History", `document.querySelector('`+row+`')`, 10*time.Second)
	tb.Click(row)
	video = `document.querySelector('#history-detail .playback-video')`
	tb.Wait("the recording's duration", video+` && `+video+`.dataset.ready === '1'`, 20*time.Second)
	return video, consoletest.Eval[float64](tb, video+`.duration`)
}
