package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// TestVocabularyModule: the browser loads vocab.js with the Go end reasons,
// and its objects cannot be changed.
func TestVocabularyModule(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 30*time.Second)
	tb.Open(r.URL)
	var want []string
	for _, e := range protocol.EndReasons() {
		want = append(want, string(e))
	}
	got := consoletest.Eval[[]string](tb, `import('/js/vocab.js').then(v => Object.values(v.EndReason))`)
	if !slices.Equal(got, want) {
		t.Errorf("vocab.js EndReason = %q, want %q", got, want)
	}
	frozen := consoletest.Eval[bool](tb, `import('/js/vocab.js').then(v => [v.EndReason, v.ConsentReason, v.AuditAction, v.ErrorCode].every(Object.isFrozen))`)
	if !frozen {
		t.Error("the vocabularies of vocab.js can be changed")
	}
}

// TestBackoffMatchesGo: the console's reconnect waits (socket.js) are the
// Go client's (client.Backoff with its defaults): the same bounds for
// every retry, with the least and the most jitter.
func TestBackoffMatchesGo(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 30*time.Second)
	tb.Open(r.URL)
	const ms = time.Millisecond
	// The bounds [d/2, d] of retry n: d = 500 ms doubling, capped at 30 s.
	bounds := [][2]time.Duration{
		{250 * ms, 500 * ms}, {500 * ms, 1000 * ms}, {1000 * ms, 2000 * ms}, {2000 * ms, 4000 * ms},
		{4000 * ms, 8000 * ms}, {8000 * ms, 16000 * ms}, {15000 * ms, 30000 * ms}, {15000 * ms, 30000 * ms},
	}
	js := consoletest.Eval[[][2]int](tb, fmt.Sprintf(`import('/js/socket.js').then(s =>
		Array.from({ length: %d }, (_, i) => [s.backoffDelay(i + 1, () => 0), s.backoffDelay(i + 1, () => 1)]))`, len(bounds)))
	var b client.Backoff // the defaults
	for i, want := range bounds {
		n := i + 1
		if got := [2]time.Duration{time.Duration(js[i][0]) * ms, time.Duration(js[i][1]) * ms}; got != want {
			t.Errorf("socket.js retry %d waits between %v and %v, want %v and %v", n, got[0], got[1], want[0], want[1])
		}
		for range 50 {
			if d := b.Delay(n); d < want[0] || d > want[1] {
				t.Fatalf("Go retry %d waits %v, outside [%v, %v]", n, d, want[0], want[1])
			}
		}
	}
}

// TestEveryAuditActionInWords: words.js says every audit action of
// vocab.js as a sentence naming the person, never as its code.
func TestEveryAuditActionInWords(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 30*time.Second)
	tb.Open(r.URL)
	got := consoletest.Eval[[][2]string](tb, `Promise.all([import('/js/vocab.js'), import('/js/words.js')]).then(([v, w]) =>
		Object.values(v.AuditAction).map(a => [a, w.eventWords({ actor: 'user:Maria Lopez', action: a })]))`)
	if len(got) != len(protocol.AuditActions()) {
		t.Fatalf("%d actions in words, want %d", len(got), len(protocol.AuditActions()))
	}
	for _, p := range got {
		if !strings.Contains(p[1], "Maria Lopez") || strings.Contains(p[1], p[0]) || strings.Contains(p[1], "user:") {
			t.Errorf("%s is shown as %q", p[0], p[1])
		}
	}
	actors := consoletest.Eval[[]string](tb, `import('/js/words.js').then(w => ['tech:alex', 'user:Ana Silva', 'user', 'relay', 'alex'].map(w.actorName))`)
	if strings.Join(actors, "|") != "alex|Ana Silva|The user|Lifeline relay|alex" {
		t.Errorf("actor names = %q", actors)
	}
}

// TestSpecialKeysPerPlatform: the console's key buttons send what each
// desktop can take. Windows keeps Ctrl+Alt+Del for a system service, so
// for a Windows desktop that button sends Ctrl+Shift+Esc and its tooltip
// says so; elsewhere it is sent as it is.
func TestSpecialKeysPerPlatform(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 30*time.Second)
	tb.Open(r.URL)
	type key struct {
		Label string   `json:"label"`
		Codes []string `json:"codes"`
		Title string   `json:"title"`
	}
	keys := func(os string) map[string]key {
		ks := consoletest.Eval[[]key](tb, fmt.Sprintf(`import('/js/session-tools.js').then(m => m.specialKeys(%q))`, os))
		out := map[string]key{}
		for _, k := range ks {
			out[k.Label] = k
		}
		return out
	}
	win, linux := keys("windows/amd64"), keys("linux/amd64")
	if k := win["Ctrl+Alt+Del"]; !slices.Equal(k.Codes, []string{"ControlLeft", "ShiftLeft", "Escape"}) || !strings.Contains(k.Title, "Ctrl+Shift+Esc") {
		t.Errorf("Windows Ctrl+Alt+Del = %+v, want Ctrl+Shift+Esc, said in the tooltip", k)
	}
	if k := linux["Ctrl+Alt+Del"]; !slices.Equal(k.Codes, []string{"ControlLeft", "AltLeft", "Delete"}) {
		t.Errorf("Linux Ctrl+Alt+Del = %+v", k)
	}
	if _, ok := win["Windows key"]; !ok {
		t.Errorf("no Windows key button for a Windows desktop: %v", win)
	}
	for label, k := range win {
		for _, c := range k.Codes {
			if !consoletest.Eval[bool](tb, fmt.Sprintf(`import('/js/inputproto.js').then(ip => ip.validKeyCode(%q))`, c)) {
				t.Errorf("%s sends %q, not a key code", label, c)
			}
		}
	}
}
