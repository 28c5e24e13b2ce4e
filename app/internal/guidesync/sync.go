// Package guidesync keeps the desktop's guides in step with the help desk's
// guide pack (package pack, served by the relay at GET
// /api/client/guides, relay/API.md).
//
// A Syncer asks the relay for the pack when it starts, every Interval (10
// minutes, plus up to Jitter at random so desktops that started together
// do not ask together) and whenever Refresh is called (the window calls it
// when the relay connection comes up) or Changed (the relay said its pack
// changed: guides.changed, after a random delay of up to ChangedDelay so
// that the desktops told together do not ask together). Every request carries If-None-Match
// with the pack in use: 304 keeps it; 429 (many desktops behind one
// address) is asked again after its Retry-After plus a little at random.
// A new pack is decoded (at most pack.MaxSize bytes, refused before
// reading past the cap), built into a
// library with the built-in guides and this computer's guide folders
// (Build, which says who wins) and linted whole: a pack with any problem is
// refused entirely, logged, and the previous pack stays in use; Status
// then says so in plain words for the settings screen. An accepted pack's
// search index is built in the background (search.Open, cached on disk by
// content) and handed over in a Snapshot, and the pack's body is saved
// atomically in Config.CacheDir, which New reads at the next start: the
// last pack is used when the relay cannot be reached.
//
// Organisation variables ({{helpdesk_phone}}…): the pack's fill what the
// computer does not set; what the organisation set for the computer
// (orgconfig) and the --var flags, given as Config.Explicit, win over the
// pack, and the neutral defaults fill the rest (guide.Vars.Merge).
package guidesync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// Path is the relay's pack endpoint, below the relay's address
// (client.GuidesURL).
const Path = "/api/client/guides"

// Defaults of Config.
const (
	DefaultInterval = 10 * time.Minute
	// DefaultChangedDelay is the most Changed waits, at random, before
	// asking.
	DefaultChangedDelay = 5 * time.Second
	requestTimeout      = 60 * time.Second
	// retrySpread is the most added at random to the relay's Retry-After
	// (at most Jitter).
	retrySpread = 30 * time.Second
)

// Config configures a Syncer.
type Config struct {
	// RelayURL is the help desk's address as people write it; "" uses the
	// saved pack (if any) and never asks.
	RelayURL string
	// CacheDir keeps the accepted pack (pack.json). Required.
	CacheDir string
	// IndexDir caches search indexes on disk (search.Options.CacheDir);
	// "" builds them in temporary folders.
	IndexDir string
	// Builtin is the built-in guide library (assets.Guides()).
	Builtin fs.FS
	// ExtraDirs are this computer's extra guide folders.
	ExtraDirs []string
	// Known is what guides may refer to (bootstrap.Known()).
	Known guide.Known
	// Explicit are the organisation variables set on this computer
	// (orgconfig and --var); they win over the pack's.
	Explicit guide.Vars
	// Interval between checks (default DefaultInterval) and the most
	// added to each at random (default Interval/10).
	Interval, Jitter time.Duration
	// ChangedDelay is the most Changed waits, at random, before asking
	// (default DefaultChangedDelay).
	ChangedDelay time.Duration
	// HTTP makes the requests (default: a client with a one-minute
	// timeout).
	HTTP *http.Client
}

// Snapshot is one usable set of guides: the library inside its search
// index and the variables to fill in. The receiver owns Index and closes
// it once it is no longer used.
type Snapshot struct {
	Index *search.Index
	// Vars are the organisation variables: Config.Explicit over the
	// pack's (not yet merged with guide.DefaultVars).
	Vars guide.Vars
	// ETag and PublishedAt identify the pack in use; "" without one.
	ETag        string
	PublishedAt time.Time
	// Local lists problems of this computer's guide folders (those guides
	// are left out).
	Local []guide.Problem
}

// Status is the state of the guides in plain words, for the settings
// screen.
type Status struct {
	Text string
	// Problem is set while the help desk's latest guides could not be
	// used or checked.
	Problem bool
}

// Status texts.
const (
	textBuiltin   = "Lifeline is using its built-in guides."
	textRelay     = "Lifeline is using the help desk's guides (last changed %s)."
	textRefused   = "The help desk's newest guides could not be used, so Lifeline keeps the ones it had. The help desk can fix this on its side."
	textNoRelay   = "The help desk could not be reached to check for new guides; Lifeline uses the ones it has."
	textNoRelayAt = "The help desk could not be reached to check for new guides; Lifeline uses the ones it has (last changed %s)."
)

// Syncer keeps the guides up to date.
type Syncer struct {
	cfg Config
	url string // of the pack; "" without a relay
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{}

	mu          sync.Mutex
	etag        string // of the pack in use
	publishedAt time.Time
	status      Status
	refused     string        // ETag of the pack refused last, logged once
	retryIn     time.Duration // sooner than Interval, after a 429
	changed     *time.Timer   // a Changed waiting to ask; nil: none
}

// New reads the saved pack and builds the first Snapshot from it (or from
// the built-in guides and folders alone when there is none, or it can no
// longer be used). Call Start to begin asking the relay.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Syncer, *Snapshot, error) {
	if cfg.CacheDir == "" {
		return nil, nil, errors.New("guidesync: Config.CacheDir is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Jitter <= 0 {
		cfg.Jitter = cfg.Interval / 10
	}
	if cfg.ChangedDelay <= 0 {
		cfg.ChangedDelay = DefaultChangedDelay
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: requestTimeout}
	}
	s := &Syncer{cfg: cfg, log: log, kick: make(chan struct{}, 1)}
	if cfg.RelayURL != "" {
		u, err := client.GuidesURL(cfg.RelayURL)
		if err != nil {
			// The help desk connection reports the address; the guides
			// still load.
			log.Warn("guides are not synced: the help desk address is not valid", "err", err)
		}
		s.url = u
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	p, err := readCache(cfg.CacheDir)
	if err != nil {
		log.Warn("the saved guide pack cannot be used; waiting for the help desk's", "err", err)
	}
	lib, local, err := Build(cfg.Builtin, p, cfg.ExtraDirs, cfg.Known)
	if errors.Is(err, ErrRefused) {
		// Saved by an older Lifeline that knew other checks, say.
		log.Warn("the saved guide pack cannot be used by this version; waiting for the help desk's", "err", err)
		p = nil
		lib, local, err = Build(cfg.Builtin, nil, cfg.ExtraDirs, cfg.Known)
	}
	if err != nil {
		return nil, nil, err
	}
	snap, err := s.snapshot(ctx, lib, local, p)
	if err != nil {
		return nil, nil, err
	}
	s.use(p)
	return s, snap, nil
}

// Start asks the relay now and then every Interval, calling onUpdate from
// its own goroutine with each new Snapshot once its index is built.
func (s *Syncer) Start(onUpdate func(*Snapshot)) {
	if s.url == "" {
		return
	}
	s.wg.Add(1)
	go s.loop(onUpdate)
}

// Refresh asks the relay soon (never blocks).
func (s *Syncer) Refresh() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Changed tells the Syncer that the help desk's pack now has etag (the
// relay's guides.changed). Unless that pack is the one in use (or the one
// refused last), it asks the relay after a random delay of up to
// Config.ChangedDelay. It never blocks; changes told while one waits are
// asked about once.
func (s *Syncer) Changed(etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.url == "" || s.ctx.Err() != nil || s.changed != nil || (etag != "" && (etag == s.etag || etag == s.refused)) {
		return
	}
	s.changed = time.AfterFunc(rand.N(s.cfg.ChangedDelay), func() {
		s.mu.Lock()
		s.changed = nil
		s.mu.Unlock()
		s.Refresh()
	})
}

// Status says which guides are in use, in plain words.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Close stops asking and waits for a check under way to end.
func (s *Syncer) Close() error {
	s.cancel()
	s.mu.Lock()
	if s.changed != nil {
		s.changed.Stop()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Syncer) loop(onUpdate func(*Snapshot)) {
	defer s.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
			t.Stop()
		}
		snap, err := s.check(s.ctx)
		switch {
		case s.ctx.Err() != nil:
			if snap != nil {
				snap.Index.Close()
			}
			return
		case err != nil:
			s.log.Info("guide pack not checked", "url", s.url, "err", err)
		case snap != nil:
			onUpdate(snap)
		}
		s.mu.Lock()
		next := s.cfg.Interval + rand.N(s.cfg.Jitter)
		if s.retryIn > 0 {
			next, s.retryIn = min(next, s.retryIn), 0
		}
		s.mu.Unlock()
		t.Reset(next)
	}
}

// check asks the relay once, returning a Snapshot when there is a new
// pack that can be used.
func (s *Syncer) check(ctx context.Context) (*Snapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	s.mu.Lock()
	etag := s.etag
	s.mu.Unlock()
	if etag != "" {
		req.Header.Set("If-None-Match", `"`+etag+`"`)
	}
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		s.unreachable()
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		s.use(s.current())
		return nil, nil
	case http.StatusOK:
	case http.StatusNotFound:
		// A relay from before guide packs: the guides in use stay.
		s.use(s.current())
		return nil, nil
	case http.StatusTooManyRequests:
		// Many desktops behind one address asked at once: ask again
		// after the relay's wait, spread out, with nothing to report.
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		s.mu.Lock()
		s.retryIn = time.Duration(max(wait, 1))*time.Second + rand.N(min(retrySpread, s.cfg.Jitter))
		s.mu.Unlock()
		return nil, fmt.Errorf("guide pack: %s", resp.Status)
	default:
		s.unreachable()
		return nil, fmt.Errorf("guide pack: %s", resp.Status)
	}
	if resp.ContentLength > pack.MaxSize {
		return nil, s.refuse(resp.Header.Get("ETag"), pack.ErrTooLarge)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, pack.MaxSize+1))
	if err != nil {
		s.unreachable()
		return nil, fmt.Errorf("read guide pack: %w", err)
	}
	p, err := pack.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, s.refuse(resp.Header.Get("ETag"), err)
	}
	if p.ETag == "" {
		p.ETag = strings.Trim(strings.TrimPrefix(resp.Header.Get("ETag"), "W/"), `"`)
	}
	if p.ETag != "" && p.ETag == etag {
		s.use(s.current())
		return nil, nil
	}
	lib, local, err := Build(s.cfg.Builtin, &p, s.cfg.ExtraDirs, s.cfg.Known)
	if err != nil {
		return nil, s.refuse(p.ETag, err)
	}
	snap, err := s.snapshot(ctx, lib, local, &p)
	if err != nil {
		return nil, err
	}
	if err := writeCache(s.cfg.CacheDir, raw); err != nil {
		s.log.Warn("the help desk's guides are used but could not be saved for the next start", "err", err)
	}
	s.use(&p)
	s.log.Info("new guide pack", "etag", p.ETag, "guides", len(p.Guides), "hidden", len(p.Hidden))
	return snap, nil
}

// snapshot opens the index of lib (built in the background of whoever
// calls it; cached on disk by content).
func (s *Syncer) snapshot(ctx context.Context, lib *guide.Library, local []guide.Problem, p *pack.Pack) (*Snapshot, error) {
	ix, err := search.Open(ctx, lib, search.Options{CacheDir: s.cfg.IndexDir})
	if err != nil {
		return nil, fmt.Errorf("guide search index: %w", err)
	}
	snap := &Snapshot{Index: ix, Local: local, Vars: guide.Vars{}}
	if p != nil {
		snap.ETag, snap.PublishedAt = p.ETag, p.PublishedAt
		for k, v := range p.Variables {
			snap.Vars[k] = v
		}
	}
	for k, v := range s.cfg.Explicit {
		snap.Vars[k] = v
	}
	return snap, nil
}

// current is the pack in use as far as Status needs it.
func (s *Syncer) current() *pack.Pack {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.etag == "" {
		return nil
	}
	return &pack.Pack{ETag: s.etag, PublishedAt: s.publishedAt}
}

// use records p (nil: none) as the pack in use and all as well.
func (s *Syncer) use(p *pack.Pack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.etag, s.publishedAt = "", time.Time{}
	s.status = Status{Text: textBuiltin}
	if p != nil {
		s.etag, s.publishedAt = p.ETag, p.PublishedAt
		s.status = Status{Text: fmt.Sprintf(textRelay, when(p.PublishedAt))}
	}
}

func (s *Syncer) unreachable() {
	s.mu.Lock()
	defer s.mu.Unlock()
	text := textNoRelay
	if s.etag != "" {
		text = fmt.Sprintf(textNoRelayAt, when(s.publishedAt))
	}
	s.status = Status{Text: text, Problem: true}
}

// refuse keeps the pack in use, logging a refused pack once per ETag.
func (s *Syncer) refuse(etag string, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = Status{Text: textRefused, Problem: true}
	if etag == "" || etag != s.refused {
		s.refused = etag
		msg := err.Error()
		if re := (*RefusedError)(nil); errors.As(err, &re) {
			msg = describe(re.Problems)
		}
		s.log.Warn("the help desk's guide pack was refused; the previous guides stay in use", "etag", etag, "problems", msg)
	}
	return fmt.Errorf("%w: %w", ErrRefused, err)
}

// when is a pack's time for people ("3 Dec 2026 07:01"); "unknown" when
// the relay did not say.
func when(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.Local().Format("2 Jan 2006 15:04")
}
