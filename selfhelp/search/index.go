// Package search is Lifeline's local full-text index of guides: a Bleve
// scorch index with BM25 scoring, an English analyzer that first normalises
// the many spellings of IT words, a synonym collection, and typo tolerance
// in the manner of Meilisearch (exact words first; fuzzy matching only for
// words the index does not know, 1 typo from 5 letters and 2 from 9).
//
// Search-box text is never parsed as Bleve query-string syntax: characters
// such as ?, :, + and - are plain text.
package search

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

//go:embed synonyms.txt
var synonymsText string

// Analyzer and field names.
const (
	analyzerStemmed = "lifeline_en"   // normalise, stop words, stem
	analyzerWords   = "lifeline_word" // normalise, stop words, no stemming (typo matching)
	synonymsStemmed = "lifeline_syn_en"
	synonymsWords   = "lifeline_syn_word"
	collStemmed     = "syn_en"
	collWords       = "syn_word"

	fieldTitle    = "title"
	fieldSymptoms = "symptoms"
	fieldKeywords = "keywords"
	fieldSummary  = "summary"
	fieldBody     = "body"
	fieldWords    = "words"
)

// fieldBoost weighs matches in one field.
type fieldBoost struct {
	field string
	boost float64
}

// fieldBoosts: how people describe a problem (title, symptoms) counts more
// than words that merely appear somewhere in the steps.
func fieldBoosts() []fieldBoost {
	return []fieldBoost{{fieldTitle, 3}, {fieldSymptoms, 3}, {fieldKeywords, 2}, {fieldSummary, 1.5}, {fieldBody, 0.6}}
}

// Options configure Open.
type Options struct {
	// CacheDir, when set, keeps the built index on disk under a name derived
	// from the guides' content, so the next start opens it instead of
	// rebuilding. Empty builds a fresh index in a temporary folder.
	CacheDir string
	// LockTimeout bounds the wait for another process's index lock.
	LockTimeout time.Duration
}

// Index searches a guide library.
type Index struct {
	idx       bleve.Index
	lib       *guide.Library
	vocab     map[string]uint64 // every unstemmed word indexed: how many guides hold it
	stemVocab map[string]bool   // every stemmed term indexed
	stemmer   analysis.Analyzer
	worder    analysis.Analyzer
	tmpDir    string
}

type document struct {
	Title    string   `json:"title"`
	Symptoms []string `json:"symptoms"`
	Keywords []string `json:"keywords"`
	Summary  string   `json:"summary"`
	Body     string   `json:"body"`
	Words    []string `json:"words"`
}

func documentFor(g *guide.Guide) document {
	var body strings.Builder
	for _, s := range []string{g.Environment, g.Cause, g.Category} {
		body.WriteString(s)
		body.WriteByte('\n')
	}
	for _, st := range g.Steps {
		body.WriteString(st.Title + "\n" + st.Text + "\n" + st.Question + "\n")
		for _, p := range guide.Platforms() {
			if v, ok := st.Variants[p]; ok {
				body.WriteString(v + "\n")
			}
		}
	}
	words := append([]string{g.Title, g.Summary}, g.Symptoms...)
	words = append(words, g.Keywords...)
	return document{Title: g.Title, Symptoms: g.Symptoms, Keywords: g.Keywords, Summary: g.Summary, Body: body.String(), Words: words}
}

// ContentHash identifies a library's searchable content together with the
// analysis rules, so a cached index is rebuilt whenever either changes.
func ContentHash(lib *guide.Library) string {
	h := sha256.New()
	fmt.Fprintf(h, "schema 1\n%s\n", synonymsText)
	sp := spellings()
	keys := make([]string, 0, len(sp))
	for k := range sp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, sp[k])
	}
	fmt.Fprintln(h, strings.Join(stopWords(), ","))
	for _, g := range lib.All() {
		d := documentFor(g)
		fmt.Fprintf(h, "%s\x00%s\x00%q\x00%q\x00%s\x00%s\n", g.ID, d.Title, d.Symptoms, d.Keywords, d.Summary, d.Body)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func buildMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = bleveindex.BM25Scoring
	words := stopWords()
	stops := make([]any, len(words))
	for i, w := range words {
		stops[i] = w
	}
	if err := m.AddCustomTokenMap("lifeline_stop_map", map[string]any{"type": tokenmap.Name, "tokens": stops}); err != nil {
		return nil, err
	}
	if err := m.AddCustomTokenFilter("lifeline_stop", map[string]any{"type": stop.Name, "stop_token_map": "lifeline_stop_map"}); err != nil {
		return nil, err
	}
	base := []any{en.PossessiveName, lowercase.Name, spellingFilter, en.StopName, "lifeline_stop"}
	for name, filters := range map[string][]any{
		analyzerStemmed: append(append([]any{}, base...), porter.Name),
		analyzerWords:   base,
	} {
		if err := m.AddCustomAnalyzer(name, map[string]any{
			"type": custom.Name, "tokenizer": unicode.Name, "token_filters": filters,
		}); err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", name, err)
		}
	}
	if err := m.AddSynonymSource(synonymsStemmed, map[string]any{"collection": collStemmed, "analyzer": analyzerStemmed}); err != nil {
		return nil, err
	}
	if err := m.AddSynonymSource(synonymsWords, map[string]any{"collection": collWords, "analyzer": analyzerWords}); err != nil {
		return nil, err
	}

	doc := bleve.NewDocumentStaticMapping()
	for _, f := range []string{fieldTitle, fieldSymptoms, fieldKeywords, fieldSummary, fieldBody} {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = analyzerStemmed
		fm.SynonymSource = synonymsStemmed
		fm.Store = f != fieldBody
		fm.IncludeTermVectors = f != fieldBody // locations are for highlights and phrases
		doc.AddFieldMappingsAt(f, fm)
	}
	wm := bleve.NewTextFieldMapping()
	wm.Analyzer = analyzerWords
	wm.SynonymSource = synonymsWords
	wm.Store = false
	wm.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldWords, wm)
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerStemmed
	return m, nil
}

// synonymDefs parses synonyms.txt.
func synonymDefs() ([]*bleve.SynonymDefinition, error) {
	var defs []*bleve.SynonymDefinition
	sc := bufio.NewScanner(strings.NewReader(synonymsText))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		split := func(s string) []string {
			var out []string
			for _, w := range strings.Split(s, ",") {
				if w = strings.TrimSpace(w); w != "" {
					out = append(out, w)
				}
			}
			return out
		}
		def := &bleve.SynonymDefinition{}
		if lhs, rhs, ok := strings.Cut(text, "=>"); ok {
			def.Input, def.Synonyms = split(lhs), split(rhs)
		} else {
			def.Synonyms = split(text)
		}
		if len(def.Synonyms) == 0 || (def.Input == nil && len(def.Synonyms) < 2) {
			return nil, fmt.Errorf("synonyms.txt:%d: a group needs at least two words", line)
		}
		defs = append(defs, def)
	}
	return defs, nil
}

// Open builds or opens the index for lib.
func Open(ctx context.Context, lib *guide.Library, opts Options) (*Index, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if err := registerAnalysis(); err != nil {
		return nil, fmt.Errorf("search analysis: %w", err)
	}
	m, err := buildMapping()
	if err != nil {
		return nil, fmt.Errorf("search mapping: %w", err)
	}
	ix := &Index{lib: lib}
	if opts.CacheDir == "" {
		dir, err := os.MkdirTemp("", "lifeline-index-")
		if err != nil {
			return nil, fmt.Errorf("index folder: %w", err)
		}
		ix.tmpDir = dir
		ix.idx, err = build(ctx, filepath.Join(dir, "index"), m, lib)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	} else {
		ix.idx, err = openCached(ctx, opts, m, lib)
		if err != nil {
			return nil, err
		}
	}
	if err := ix.prepare(); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

func openCached(ctx context.Context, opts Options, m mapping.IndexMapping, lib *guide.Library) (bleve.Index, error) {
	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("index cache %s: %w", opts.CacheDir, err)
	}
	final := filepath.Join(opts.CacheDir, "guides-"+ContentHash(lib))
	readOnly := map[string]any{"read_only": true, "bolt_timeout": opts.LockTimeout.String()}
	if idx, err := bleve.OpenUsing(final, readOnly); err == nil {
		return idx, nil
	}
	// Build beside it and move it into place; if another instance got there
	// first, use theirs.
	tmp, err := os.MkdirTemp(opts.CacheDir, "building-")
	if err != nil {
		return nil, fmt.Errorf("index cache %s: %w", opts.CacheDir, err)
	}
	defer os.RemoveAll(tmp)
	idx, err := build(ctx, filepath.Join(tmp, "index"), m, lib)
	if err != nil {
		return nil, err
	}
	if err := idx.Close(); err != nil {
		return nil, fmt.Errorf("close new index: %w", err)
	}
	if err := os.Rename(filepath.Join(tmp, "index"), final); err != nil && !errors.Is(err, os.ErrExist) {
		if _, statErr := os.Stat(final); statErr != nil {
			return nil, fmt.Errorf("store index in cache: %w", err)
		}
	}
	removeStale(opts.CacheDir, filepath.Base(final))
	idx, err = bleve.OpenUsing(final, readOnly)
	if err != nil {
		return nil, fmt.Errorf("open cached index %s: %w", final, err)
	}
	return idx, nil
}

// removeStale deletes cached indexes of older guide versions.
func removeStale(dir, keep string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "guides-") && e.Name() != keep {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

func build(ctx context.Context, path string, m mapping.IndexMapping, lib *guide.Library) (bleve.Index, error) {
	idx, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", path, err)
	}
	fail := func(err error) (bleve.Index, error) {
		idx.Close()
		return nil, err
	}
	defs, err := synonymDefs()
	if err != nil {
		return fail(err)
	}
	an := m.AnalyzerNamed(analyzerStemmed)
	for i, def := range defs {
		for _, w := range append(append([]string{}, def.Input...), def.Synonyms...) {
			if len(an.Analyze([]byte(w))) == 0 {
				return fail(fmt.Errorf("synonym group %d: %q is a stop word and cannot be a synonym", i+1, w))
			}
		}
	}
	b := idx.NewBatch()
	for i, def := range defs {
		if err := b.IndexSynonym(fmt.Sprintf("syn-en-%d", i), collStemmed, def); err != nil {
			return fail(fmt.Errorf("synonym group %d: %w", i+1, err))
		}
		if err := b.IndexSynonym(fmt.Sprintf("syn-word-%d", i), collWords, def); err != nil {
			return fail(fmt.Errorf("synonym group %d: %w", i+1, err))
		}
	}
	// One batch makes one segment: no background merging, and the fastest
	// queries. Even 5,000 guides fit comfortably in memory.
	for n, g := range lib.All() {
		if n%256 == 0 && ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if err := b.Index(g.ID, documentFor(g)); err != nil {
			return fail(fmt.Errorf("index guide %s: %w", g.ID, err))
		}
	}
	if err := idx.Batch(b); err != nil {
		return fail(fmt.Errorf("index guides: %w", err))
	}
	return idx, nil
}

// prepare loads the vocabulary used to decide which words need typo
// tolerance.
func (ix *Index) prepare() error {
	m := ix.idx.Mapping()
	ix.stemmer = m.AnalyzerNamed(analyzerStemmed)
	ix.worder = m.AnalyzerNamed(analyzerWords)
	if ix.stemmer == nil || ix.worder == nil {
		return errors.New("search analyzers are not registered")
	}
	var err error
	if ix.vocab, err = ix.fieldTerms(fieldWords); err != nil {
		return err
	}
	ix.stemVocab = make(map[string]bool)
	for _, f := range []string{fieldTitle, fieldSymptoms, fieldKeywords, fieldSummary, fieldBody} {
		terms, err := ix.fieldTerms(f)
		if err != nil {
			return err
		}
		for t := range terms {
			ix.stemVocab[t] = true
		}
	}
	return nil
}

// fieldTerms maps each term of field to the number of guides holding it.
func (ix *Index) fieldTerms(field string) (map[string]uint64, error) {
	d, err := ix.idx.FieldDict(field)
	if err != nil {
		return nil, fmt.Errorf("read terms of %s: %w", field, err)
	}
	defer d.Close()
	terms := make(map[string]uint64)
	for {
		e, err := d.Next()
		if err != nil {
			return nil, fmt.Errorf("read terms of %s: %w", field, err)
		}
		if e == nil {
			return terms, nil
		}
		terms[e.Term] = e.Count
	}
}

// Library is the guide library the index was built from.
func (ix *Index) Library() *guide.Library { return ix.lib }

// Close releases the index and removes a temporary one.
func (ix *Index) Close() error {
	var err error
	if ix.idx != nil {
		err = ix.idx.Close()
	}
	if ix.tmpDir != "" {
		if rmErr := os.RemoveAll(ix.tmpDir); err == nil {
			err = rmErr
		}
	}
	return err
}

func terms(a analysis.Analyzer, s string) []string {
	var out []string
	for _, t := range a.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}
