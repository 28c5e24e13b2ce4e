package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// generated makes n synthetic guides from the built-in library's own
// vocabulary, so term statistics resemble a large real library.
func generated(tb testing.TB, n int) *guide.Library {
	tb.Helper()
	words := randomWords(builtinIndex(tb).Library().All(), rand.New(rand.NewPCG(1, 2)))
	gs := make([]*guide.Guide, n)
	for i := range gs {
		g := &guide.Guide{ID: fmt.Sprintf("gen-%05d", i), Title: words(6), Summary: words(20), Category: "software",
			Symptoms: []string{words(6), words(7), words(5), words(8)}, Keywords: []string{words(1), words(1)}}
		for s := range 6 {
			g.Steps = append(g.Steps, guide.Step{ID: fmt.Sprintf("s%d", s), Title: words(4), Text: words(60), Question: words(6),
				Answers: []guide.Answer{{Label: "Yes", Next: "fixed"}, {Label: "No", Next: "escalate"}}})
		}
		gs[i] = g
	}
	return guide.NewLibrary(gs)
}

// randomWords returns a function giving k words drawn from guides' titles,
// summaries, symptoms, keywords and step texts.
func randomWords(guides []*guide.Guide, r *rand.Rand) func(k int) string {
	var vocab []string
	for _, g := range guides {
		for _, s := range append(append([]string{g.Title, g.Summary}, g.Symptoms...), g.Keywords...) {
			vocab = append(vocab, strings.Fields(s)...)
		}
		for _, st := range g.Steps {
			vocab = append(vocab, strings.Fields(st.Text)...)
		}
	}
	return func(k int) string {
		out := make([]string, k)
		for i := range out {
			out[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(out, " ")
	}
}

func benchQueries(b *testing.B, ix *search.Index) {
	qs := readQueries(b, "testdata/queries-dev.tsv")
	var lat []time.Duration
	i := 0
	for b.Loop() {
		q := qs[i%len(qs)].query
		i++
		start := time.Now()
		if _, err := ix.Search(context.Background(), q, 10); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

// BenchmarkQueryBuiltin measures query latency on the shipped library.
func BenchmarkQueryBuiltin(b *testing.B) {
	benchQueries(b, builtinIndex(b))
}

// BenchmarkQuery5000 measures query latency on 5,000 generated guides.
func BenchmarkQuery5000(b *testing.B) {
	ix, err := search.Open(context.Background(), generated(b, 5000), search.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	benchQueries(b, ix)
}

// BenchmarkBuild5000 measures building the index of 5,000 guides.
func BenchmarkBuild5000(b *testing.B) {
	lib := generated(b, 5000)
	for b.Loop() {
		ix, err := search.Open(context.Background(), lib, search.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
}

// BenchmarkOpenBuiltin compares building the built-in library's index at
// start-up with opening the cached copy: the measurement behind the
// default (cache on disk, keyed by content hash).
func BenchmarkOpenBuiltin(b *testing.B) {
	lib := builtinIndex(b).Library()
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			ix, err := search.Open(context.Background(), lib, search.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ix.Close()
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		ix, err := search.Open(context.Background(), lib, search.Options{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		ix.Close()
		for b.Loop() {
			ix, err := search.Open(context.Background(), lib, search.Options{CacheDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			ix.Close()
		}
	})
}

// realistic makes n guides shaped like the shipped ones, as an
// organisation's large pack would be: each is a built-in guide (its steps,
// per-OS variants, questions and text lengths) under a new id, its title,
// summary and symptoms reworded with words from the library's own
// vocabulary, so that no two documents are alike.
func realistic(tb testing.TB, n int) *guide.Library {
	tb.Helper()
	base := builtinIndex(tb).Library().All()
	words := randomWords(base, rand.New(rand.NewPCG(3, 4)))
	gs := make([]*guide.Guide, n)
	for i := range gs {
		g := *base[i%len(base)]
		g.ID = fmt.Sprintf("%s-%04d", g.ID, i)
		g.Title = g.Title + " " + words(2)
		g.Summary = words(4) + " " + g.Summary
		g.Symptoms = append(slices.Clone(g.Symptoms), words(6), words(8))
		g.Keywords = append(slices.Clone(g.Keywords), words(1))
		gs[i] = &g
	}
	return guide.NewLibrary(gs)
}

// BenchmarkBuildIndex measures building the search index from scratch, as
// a desktop does in the background when a new guide pack arrives: the
// shipped library, and 1,000 realistic guides. "cached" opens the copy a
// previous build left on disk (the next start with the same pack).
func BenchmarkBuildIndex(b *testing.B) {
	libs := []struct {
		name string
		lib  *guide.Library
	}{
		{fmt.Sprintf("builtin-%d", builtinIndex(b).Library().Len()), builtinIndex(b).Library()},
		{"realistic-1000", realistic(b, 1000)},
	}
	for _, l := range libs {
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				ix, err := search.Open(context.Background(), l.lib, search.Options{})
				if err != nil {
					b.Fatal(err)
				}
				ix.Close()
			}
		})
		b.Run(l.name+"-cached", func(b *testing.B) {
			dir := b.TempDir()
			ix, err := search.Open(context.Background(), l.lib, search.Options{CacheDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			ix.Close()
			for b.Loop() {
				ix, err := search.Open(context.Background(), l.lib, search.Options{CacheDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				ix.Close()
			}
		})
	}
}
