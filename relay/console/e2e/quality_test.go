package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// TestQualityNotice: the session view says when the picture is reduced
// and why, and clears the notice when it recovers. The relay tests have
// no real desktop video (that needs cgo), so synthetic statistics drive a
// real LiveSession through getStats.
func TestQualityNotice(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 30*time.Second)
	tb.Open(r.URL)
	got := consoletest.Eval[[]string](tb, `(async () => {
		const { LiveSession } = await import('/js/session.js');
		const s = new LiveSession({ session_id: 's-test', peer: 'Ana Silva' }, { socket: { send: () => 'id' }, onChange: () => {} });
		document.body.append(s.root);
		let stats = {};
		s.pc = { getStats: async () => [{ type: 'inbound-rtp', kind: 'video', ...stats }, { type: 'candidate-pair' }], close() {} };
		const out = [];
		const sample = async (st) => {
			stats = st;
			await s.sampleQuality();
			out.push((s.qualityEl.hidden ? 'hidden:' : 'shown:') + s.qualityEl.textContent);
		};
		await sample({});                                                         // no frame yet
		await sample({ frameWidth: 1920, frameHeight: 1080, framesPerSecond: 30 }); // full size
		await sample({ frameWidth: 1920, frameHeight: 1080, framesPerSecond: 2 });  // a still screen sends few frames
		await sample({ frameWidth: 960, frameHeight: 540, framesPerSecond: 10 });   // halved
		await sample({ frameWidth: 1920, frameHeight: 1080, framesPerSecond: 30 }); // recovered
		s.controlState = 'granted'; s.viewState = 'granted'; s.lastInput = Date.now(); // the technician is working
		await sample({ frameWidth: 1920, frameHeight: 1080, framesPerSecond: 6 });
		await sample({ frameWidth: 960, frameHeight: 540, framesPerSecond: 6 });
		await sample({ frameWidth: 1920, frameHeight: 1080, framesPerSecond: 28 });
		s.pc = null; s.root.remove();
		return out;
	})()`)
	want := []string{
		"hidden:",
		"hidden:",
		"hidden:",
		"shown:The picture is reduced to 960×540 because the connection is slow. Text may look blurry.",
		"hidden:",
		"shown:The picture updates only 6 times a second because the connection is slow. The pointer may lag.",
		"shown:The picture is reduced to 960×540 at 6 frames a second because the connection is slow. Text may look blurry and the pointer may lag.",
		"hidden:",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notices =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
