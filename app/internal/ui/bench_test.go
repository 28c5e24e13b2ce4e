package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// BenchmarkKeystrokeToResults measures a keystroke in the search box until
// the new results are laid out in the window (Fyne's test driver, the real
// index and built-in library), including the typing debounce.
func BenchmarkKeystrokeToResults(b *testing.B) {
	u := newTestUIB(b)
	q, _ := testQueues.Load(u)
	queue := q.(chan func())
	words := []string{"printer offline", "wifi keeps dropping", "outlook wont open", "disk full"}
	i := 0
	var total time.Duration
	for b.Loop() {
		text := words[i%len(words)]
		i++
		u.home.entry.SetText(text[:len(text)-1])
		u.home.entry.CursorColumn = len(text) - 1
		shown := make(chan search.Results, 4)
		u.home.onShown = func(r search.Results) {
			if r.Query == text {
				shown <- r
			}
		}
		start := time.Now()
		test.Type(u.home.entry, text[len(text)-1:])
	wait:
		for {
			select {
			case fn := <-queue:
				fn()
			case <-shown:
				break wait
			}
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(i), "ms/keystroke")
}
