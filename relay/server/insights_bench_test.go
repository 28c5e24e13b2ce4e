package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// seedInsightYear stores a year of a 5,000-person organisation: about
// 1,000,000 insight events in 200,000 journeys (searches, guides of 80,
// steps, checks, outcomes, escalations) and 10,000 help requests taken by
// 20 technicians, each session ended with a category.
func seedInsightYear(tb testing.TB, st *store.SQLite, end time.Time) (events int) {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	start := end.Add(-365 * 24 * time.Hour)
	at := func() time.Time { return start.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))) }
	words := []string{"printer", "outlook", "vpn", "wifi", "teams", "excel", "password", "screen", "mouse", "sound",
		"slow", "offline", "crash", "sync", "login", "camera", "disk", "update", "email", "scanner"}
	var batch []protocol.InsightEvent
	flush := func() {
		if err := st.AddInsightEvents(ctx, batch); err != nil {
			tb.Fatal(err)
		}
		events += len(batch)
		batch = batch[:0]
	}
	for j := 0; events+len(batch) < 1_000_000; j++ {
		t := at()
		jid := fmt.Sprintf("%016x", j)
		ev := func(k protocol.InsightKind, g, s string) {
			t = t.Add(time.Duration(rng.IntN(90)+5) * time.Second)
			batch = append(batch, protocol.InsightEvent{Kind: k, At: t, Journey: jid, GuideID: g, StepID: s, OS: "windows/amd64", AppVersion: "0.4.0"})
		}
		q := words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + fmt.Sprint(" ", rng.IntN(5))
		if rng.IntN(5) == 0 {
			ev(protocol.InsightNoResults, "", "")
			batch[len(batch)-1].Query = q
			if rng.IntN(3) == 0 {
				ev(protocol.InsightEscalated, "", "")
			}
		} else {
			g := fmt.Sprintf("guide-%02d", rng.IntN(80))
			ev(protocol.InsightSearch, "", "")
			batch[len(batch)-1].Query = q
			ev(protocol.InsightGuideOpened, g, "")
			steps := 1 + rng.IntN(4)
			for s := range steps {
				ev(protocol.InsightStepReached, g, fmt.Sprint("step-", s))
			}
			if rng.IntN(3) == 0 {
				ev(protocol.InsightCheckResult, g, "")
				batch[len(batch)-1].Check, batch[len(batch)-1].Status = "network", protocol.CheckOK
			}
			last := fmt.Sprint("step-", steps-1)
			switch rng.IntN(10) {
			case 0, 1, 2, 3, 4:
				ev(protocol.InsightFixed, g, last)
			case 5, 6:
				ev(protocol.InsightAbandoned, g, last)
			default:
				ev(protocol.InsightNotWorking, g, last)
				ev(protocol.InsightEscalated, g, last)
			}
		}
		if len(batch) >= 2000 {
			flush()
		}
	}
	flush()
	cats := []string{"printing", "email", "network", "accounts", "hardware", "software", ""}
	for i := range 20 {
		tech := store.Technician{Username: fmt.Sprint("tech", i), DisplayName: fmt.Sprint("Tech ", i), PasswordHash: "x", CreatedAt: start}
		if err := st.CreateTechnician(ctx, &tech); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range 10_000 {
		created := at()
		r := store.Request{ID: fmt.Sprint("r-bench-", i), State: store.StateWaiting, Source: "request", Description: "d",
			CreatedAt: created, UpdatedAt: created}
		if i%2 == 0 {
			r.Guide = json.RawMessage(`{"guide_id":"guide-01"}`)
		}
		if err := st.CreateRequest(ctx, &r); err != nil {
			tb.Fatal(err)
		}
		taken := created.Add(time.Duration(30+rng.IntN(1800)) * time.Second)
		sess := store.Session{ID: fmt.Sprint("s-bench-", i), RequestID: r.ID, TechID: int64(1 + rng.IntN(20)), StartedAt: taken}
		if err := st.TakeRequest(ctx, sess, taken); err != nil {
			tb.Fatal(err)
		}
		if err := st.EndSession(ctx, sess.ID, protocol.EndReasons()[rng.IntN(3)], taken.Add(time.Duration(60+rng.IntN(3600))*time.Second)); err != nil {
			tb.Fatal(err)
		}
		if err := st.SetNotes(ctx, sess.ID, "n", cats[rng.IntN(len(cats))]); err != nil {
			tb.Fatal(err)
		}
	}
	return events
}

// seededInsightYear copies a seeded year (seedInsightYear, ending at end)
// into dir as its relay.db and returns the events in it. The seeded
// database is kept in the temporary directory, named by the migrations
// and this file's seed, so later runs skip the minute of seeding.
func seededInsightYear(b *testing.B, end time.Time, dir string) int {
	b.Helper()
	h := sha256.New()
	migs, _ := filepath.Glob("../store/migrations/*.sql")
	for _, m := range append(migs, "insights_bench_test.go") {
		data, err := os.ReadFile(m)
		if err != nil {
			b.Fatal(err)
		}
		h.Write(data)
	}
	fmt.Fprint(h, end.Unix())
	cache := filepath.Join(os.TempDir(), fmt.Sprintf("lifeline-insights-bench-%x", h.Sum(nil)[:6]))
	count := filepath.Join(cache, "events")
	if _, err := os.Stat(count); err != nil {
		tmp, err := os.MkdirTemp(os.TempDir(), "lifeline-insights-seed-")
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		st, err := store.OpenSQLite(ctx, tmp)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		n := seedInsightYear(b, st, end)
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d events and 10,000 requests in %v", n, time.Since(t0).Round(time.Second))
		if err := os.WriteFile(filepath.Join(tmp, "events"), []byte(strconv.Itoa(n)), 0o600); err != nil {
			b.Fatal(err)
		}
		os.RemoveAll(cache)
		if err := os.Rename(tmp, cache); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range []string{"relay.db", "events"} {
		data, err := os.ReadFile(filepath.Join(cache, f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	data, _ := os.ReadFile(count)
	n, _ := strconv.Atoi(string(data))
	return n
}

// insightsPagePaths are the requests the console's Insights page makes
// when it opens (relay/console/static/js/insights.js), for a range.
func insightsPagePaths(qs string) []string {
	var out []string
	for _, p := range []string{"funnel", "guides", "gaps", "categories", "times", "technicians", "recurring", "followups", "guides/guide-01/steps"} {
		out = append(out, "/api/insights/"+p+qs)
	}
	return out
}

// BenchmarkInsightsPage loads every chart of the Insights page over HTTP
// from a year of a 5,000-person organisation (~1M events): one op is the
// whole page, requested one after another as a worst case (the store has
// one connection, so the page's parallel requests queue anyway).
//
//	go test -run '^$' -bench InsightsPage -benchtime 10x ./relay/server
func BenchmarkInsightsPage(b *testing.B) {
	now := relaytest.NewClock(time.Time{}).Now() // startRelay's clock
	dir := b.TempDir()
	n := seededInsightYear(b, now, dir)
	r := startRelay(b, relaytest.WithDataDir(dir))
	r.addTech("alex", false)
	alex := r.login("alex")
	for _, span := range []struct {
		name, qs string
	}{
		{"year", "?since=" + now.Add(-365*24*time.Hour).Format(time.DateOnly) + "&until=" + now.Format(time.DateOnly)},
		{"12weeks", ""}, // the page's default range
	} {
		b.Run(span.name, func(b *testing.B) {
			paths := insightsPagePaths(span.qs)
			took := make([]time.Duration, len(paths))
			for b.Loop() {
				for i, p := range paths {
					t := time.Now()
					if st, body := alex.Do("GET", p, nil, nil); st != http.StatusOK {
						b.Fatalf("GET %s: %d %s", p, st, body)
					}
					took[i] += time.Since(t)
				}
			}
			b.ReportMetric(float64(n), "events")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "page_ms")
			for i, p := range paths {
				b.Logf("%-60s %7.1f ms", p, float64(took[i].Microseconds())/1000/float64(b.N))
			}
		})
	}
}
