package server

// The console's Guides API (relay/API.md "Guides"): the organisation's
// guide pack, its drafts, publishing, history, variables and the feedback
// desktops sent. Drafts are for every technician; publishing and every
// other change to what desktops get for admins and knowledge editors.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// Guide API limits.
const (
	maxGuideBody = 2 << 20 // a JSON body carrying one guide's YAML
	maxGuideNote = 500
)

// API error codes of the Guides API.
const (
	apiGuideProblems apiCode = "guide_problems"
	apiPackTooLarge  apiCode = "pack_too_large"
	apiConflict      apiCode = "conflict"
	apiTooLarge      apiCode = "too_large"
)

func (s *Server) guideRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/guides", s.authed(false, s.handleGuides))
	mux.HandleFunc("POST /api/guides", s.authed(false, s.handleCreateGuide))
	mux.HandleFunc("POST /api/guides/lint", s.authed(false, s.handleLintGuide))
	mux.HandleFunc("GET /api/guides/export", s.authed(false, s.handleExportGuides))
	mux.HandleFunc("POST /api/guides/import", s.authed(false, s.editor(s.handleImportGuides)))
	mux.HandleFunc("GET /api/guides/{id}", s.authed(false, s.handleGuide))
	mux.HandleFunc("PUT /api/guides/{id}/draft", s.authed(false, s.handleGuideDraft))
	mux.HandleFunc("POST /api/guides/{id}/publish", s.authed(false, s.editor(s.handlePublishGuide)))
	mux.HandleFunc("POST /api/guides/{id}/unpublish", s.authed(false, s.editor(s.handleUnpublishGuide)))
	mux.HandleFunc("POST /api/guides/{id}/hide", s.authed(false, s.editor(s.handleHideGuide(true))))
	mux.HandleFunc("POST /api/guides/{id}/unhide", s.authed(false, s.editor(s.handleHideGuide(false))))
	mux.HandleFunc("GET /api/guides/{id}/versions", s.authed(false, s.handleGuideVersions))
	mux.HandleFunc("POST /api/guides/{id}/revert", s.authed(false, s.handleRevertGuide))
	mux.HandleFunc("GET /api/guides/{id}/feedback", s.authed(false, s.handleGuideFeedback))
	mux.HandleFunc("GET /api/guide-variables", s.authed(false, s.handleGuideVariables))
	mux.HandleFunc("PUT /api/guide-variables", s.authed(false, s.editor(s.handleSetGuideVariables)))
	mux.HandleFunc("GET /api/client/guides", s.handleClientGuides)
}

// mayPublish reports whether p may change what desktops get.
func mayPublish(p principal) bool { return p.tech.Admin || p.tech.KnowledgeEditor }

// editor refuses technicians who may not publish.
func (s *Server) editor(h apiHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, p principal) {
		if !mayPublish(p) {
			writeError(w, http.StatusForbidden, apiForbidden, "only administrators and knowledge editors may change the published guides")
			return
		}
		h(w, r, p)
	}
}

// The JSON shapes of the Guides API.
type (
	guideSummaryJSON struct {
		ID               string               `json:"id"`
		Title            string               `json:"title"`
		Category         string               `json:"category"`
		State            protocol.GuideState  `json:"state"`
		Origin           protocol.GuideOrigin `json:"origin"`
		Hidden           bool                 `json:"hidden"`
		HasDraft         bool                 `json:"has_draft"`
		PublishedVersion *int                 `json:"published_version,omitempty"`
		LatestVersion    int                  `json:"latest_version"`
		UpdatedAt        *time.Time           `json:"updated_at"`
		UpdatedBy        string               `json:"updated_by"`
		FeedbackCount    int                  `json:"feedback_count"`
		SuccessRate      *float64             `json:"success_rate"` // over the Insights page's default span; null without uses that ended
	}
	guideVersionJSON struct {
		Version   int       `json:"version"`
		Author    string    `json:"author"`
		At        time.Time `json:"at"`
		Note      string    `json:"note"`
		YAML      string    `json:"yaml"`
		Published bool      `json:"published"`
	}
	problemJSON struct {
		File    string `json:"file,omitempty"`
		Line    int    `json:"line"`
		Message string `json:"message"`
	}
	guideProblemsJSON struct {
		Error    apiCode       `json:"error"`
		Message  string        `json:"message"`
		Problems []problemJSON `json:"problems"`
	}
)

func problemsJSON(probs []guide.Problem, withFile bool) []problemJSON {
	out := make([]problemJSON, 0, len(probs))
	for _, p := range probs {
		j := problemJSON{Line: p.Line, Message: p.Message}
		if withFile {
			j.File = p.File
		}
		out = append(out, j)
	}
	return out
}

func writeProblems(w http.ResponseWriter, probs []problemJSON) {
	writeJSON(w, http.StatusUnprocessableEntity, guideProblemsJSON{Error: apiGuideProblems,
		Message: fmt.Sprintf("%d problem(s) left; fix them first", len(probs)), Problems: probs})
}

// guideIndex is everything a list of summaries needs, read once.
type guideIndex struct {
	records  map[string]store.GuideRecord
	hidden   []string
	feedback map[string]int
	success  map[string]*float64 // the Insights page's success rate, by guide
}

func (s *Server) guideIndex(ctx context.Context) (guideIndex, error) {
	recs, err := s.guides.st.GuideRecords(ctx)
	if err != nil {
		return guideIndex{}, err
	}
	x := guideIndex{records: make(map[string]store.GuideRecord, len(recs))}
	for _, g := range recs {
		x.records[g.ID] = g
	}
	if x.hidden, err = s.guides.st.HiddenGuides(ctx); err != nil {
		return x, err
	}
	if x.feedback, err = s.guides.st.GuideFeedbackCounts(ctx); err != nil {
		return x, err
	}
	// The same numbers as the Insights page opens with.
	until := s.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	stats, err := s.reports.InsightGuides(ctx, store.Span{Since: until.Add(-defaultInsightSpan), Until: until})
	if err != nil {
		return x, err
	}
	x.success = make(map[string]*float64, len(stats))
	for _, g := range stats {
		x.success[g.GuideID] = g.SuccessRate
	}
	return x, nil
}

// summary is guide id's summary; false when there is no such guide.
func (s *Server) summary(x guideIndex, id string) (guideSummaryJSON, bool) {
	b := s.guides.builtinByID[id]
	rec, ok := x.records[id]
	if b == nil && !ok {
		return guideSummaryJSON{}, false
	}
	hidden := b != nil && slices.Contains(x.hidden, id)
	sum := guideSummaryJSON{ID: id, Origin: protocol.GuideOriginOrg, Hidden: hidden, FeedbackCount: x.feedback[id], SuccessRate: x.success[id]}
	if b != nil {
		sum.Origin = protocol.GuideOriginBuiltin
		sum.Title, sum.Category, sum.State = b.Title, b.Category, protocol.GuideBuiltin
		if hidden {
			sum.State = protocol.GuideHidden
		}
	}
	if ok {
		sum.Title, sum.Category = rec.Title, rec.Category
		sum.HasDraft, sum.LatestVersion = rec.HasDraft(), rec.Latest
		at := rec.UpdatedAt
		sum.UpdatedAt, sum.UpdatedBy = &at, rec.UpdatedBy
		switch {
		case rec.Published > 0:
			n := rec.Published
			sum.PublishedVersion, sum.State = &n, protocol.GuidePublished
		case hidden:
		case b != nil:
			// An override not published: desktops still get the built-in one.
		case rec.EverPublished:
			sum.State = protocol.GuideUnpublished
		default:
			sum.State = protocol.GuideDraft
		}
	}
	return sum, true
}

func (s *Server) handleGuides(w http.ResponseWriter, r *http.Request, p principal) {
	x, err := s.guideIndex(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the guides")
		return
	}
	q := r.URL.Query()
	text, category, state := strings.ToLower(strings.TrimSpace(q.Get("q"))), q.Get("category"), q.Get("state")
	ids := make([]string, 0, len(s.guides.builtin)+len(x.records))
	for id := range s.guides.builtinByID {
		ids = append(ids, id)
	}
	for id := range x.records {
		if !s.guides.isBuiltin(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := []guideSummaryJSON{}
	for _, id := range ids {
		sum, _ := s.summary(x, id)
		if text != "" && !strings.Contains(strings.ToLower(sum.ID+" "+sum.Title), text) {
			continue
		}
		if (category != "" && sum.Category != category) || (state != "" && string(sum.State) != state) {
			continue
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, out)
}

func versionJSON(v store.GuideVersion, published int) guideVersionJSON {
	return guideVersionJSON{Version: v.Version, Author: v.Author, At: v.At, Note: v.Note, YAML: v.YAML, Published: v.Version == published}
}

func (s *Server) handleGuide(w http.ResponseWriter, r *http.Request, p principal) {
	ctx, id := r.Context(), r.PathValue("id")
	x, err := s.guideIndex(ctx)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the guide")
		return
	}
	sum, ok := s.summary(x, id)
	if !ok {
		writeError(w, http.StatusNotFound, apiNotFound, "no such guide")
		return
	}
	out := struct {
		Summary     guideSummaryJSON  `json:"summary"`
		Latest      *guideVersionJSON `json:"latest,omitempty"`
		Published   *guideVersionJSON `json:"published,omitempty"`
		BuiltinYAML string            `json:"builtin_yaml,omitempty"`
	}{Summary: sum, BuiltinYAML: s.guides.builtinYAML[id]}
	if rec, ok := x.records[id]; ok {
		for _, want := range []struct {
			n  int
			to **guideVersionJSON
		}{{rec.Latest, &out.Latest}, {rec.Published, &out.Published}} {
			if want.n == 0 {
				continue
			}
			v, err := s.guides.st.GuideVersion(ctx, id, want.n)
			if err != nil {
				writeError(w, http.StatusInternalServerError, apiInternal, "could not load the guide")
				return
			}
			j := versionJSON(v, rec.Published)
			*want.to = &j
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type guideYAMLBody struct {
	YAML string `json:"yaml"`
	Note string `json:"note"`
}

func (s *Server) readGuideBody(w http.ResponseWriter, r *http.Request) (guideYAMLBody, bool) {
	var req guideYAMLBody
	if !readJSONMax(w, r, &req, maxGuideBody) {
		return req, false
	}
	switch {
	case len(req.YAML) > guide.MaxFileSize:
		writeError(w, http.StatusRequestEntityTooLarge, apiTooLarge, fmt.Sprintf("a guide is at most %d KiB", guide.MaxFileSize>>10))
		return req, false
	case len(req.Note) > maxGuideNote:
		writeError(w, http.StatusBadRequest, apiBadRequest, fmt.Sprintf("the change note is at most %d characters", maxGuideNote))
		return req, false
	}
	return req, true
}

func (s *Server) handleLintGuide(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		YAML string `json:"yaml"`
		ID   string `json:"id"`
	}
	if !readJSONMax(w, r, &req, maxGuideBody) {
		return
	}
	if len(req.YAML) > guide.MaxFileSize {
		writeError(w, http.StatusRequestEntityTooLarge, apiTooLarge, fmt.Sprintf("a guide is at most %d KiB", guide.MaxFileSize>>10))
		return
	}
	ctx := r.Context()
	g, probs, err := s.guides.lint(ctx, req.ID, req.YAML)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not check the guide")
		return
	}
	out := struct {
		Problems []problemJSON `json:"problems"`
		Guide    *guidePreview `json:"guide,omitempty"`
	}{Problems: problemsJSON(probs, false)}
	if g != nil {
		vars, err := s.guides.st.GuideVariables(ctx)
		if err != nil {
			writeError(w, http.StatusInternalServerError, apiInternal, "could not check the guide")
			return
		}
		out.Guide = previewOf(g, guide.Vars(vars).Merge())
	}
	writeJSON(w, http.StatusOK, out)
}

// saveReply is the reply to a saved draft.
type saveReply struct {
	Version  int              `json:"version"`
	Summary  guideSummaryJSON `json:"summary"`
	Problems []problemJSON    `json:"problems"`
}

func (s *Server) handleCreateGuide(w http.ResponseWriter, r *http.Request, p principal) {
	req, ok := s.readGuideBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	g, probs, err := s.guides.lint(ctx, "", req.YAML)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not check the guide")
		return
	}
	if g == nil || g.ID == "" || !pack.ValidID(g.ID) {
		if len(probs) == 0 {
			probs = []guide.Problem{{Line: 1, Message: "the guide needs an id: of lower-case words joined by hyphens"}}
		}
		writeProblems(w, problemsJSON(probs, false))
		return
	}
	if s.guides.isBuiltin(g.ID) {
		writeError(w, http.StatusConflict, apiConflict, fmt.Sprintf("%q is a built-in guide: change it from its own page", g.ID))
		return
	}
	s.saveDraft(w, r, p, g, req, probs, true)
}

func (s *Server) handleGuideDraft(w http.ResponseWriter, r *http.Request, p principal) {
	id := r.PathValue("id")
	req, ok := s.readGuideBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	known, err := s.guides.guideKnown(ctx, id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the guide")
		return
	}
	if !known {
		writeError(w, http.StatusNotFound, apiNotFound, "no such guide; create it with POST /api/guides")
		return
	}
	g, probs, err := s.guides.lint(ctx, id, req.YAML)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not check the guide")
		return
	}
	if g == nil {
		g = &guide.Guide{}
	}
	g.ID = id
	s.saveDraft(w, r, p, g, req, probs, false)
}

// saveDraft stores req as the next version of g.ID, problems or not.
func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request, p principal, g *guide.Guide, req guideYAMLBody, probs []guide.Problem, create bool) {
	ctx := r.Context()
	origin := store.GuideOrigin
	if s.guides.isBuiltin(g.ID) {
		origin = store.GuideOriginOverride
	}
	v := store.GuideVersion{GuideID: g.ID, YAML: req.YAML, Title: g.Title, Category: g.Category, Author: p.tech.Username, At: s.now(), Note: req.Note}
	if v.Title == "" { // YAML that cannot be read keeps the list's title
		if rec, err := s.guides.st.GuideRecord(ctx, g.ID); err == nil && rec.Title != "" {
			v.Title, v.Category = rec.Title, rec.Category
		} else if b := s.guides.builtinByID[g.ID]; b != nil {
			v.Title, v.Category = b.Title, b.Category
		}
	}
	if _, err := s.guides.st.AddGuideVersion(ctx, &v, origin, create, false); err != nil {
		if errors.Is(err, store.ErrExists) {
			writeError(w, http.StatusConflict, apiConflict, fmt.Sprintf("a guide %q exists already", g.ID))
			return
		}
		writeError(w, http.StatusInternalServerError, apiInternal, "could not save the guide")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditGuideDraft, Address: s.clientAddr(r),
		Detail: fmt.Sprintf("guide=%s version=%d problems=%d", g.ID, v.Version, len(probs))})
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	s.writeSaved(w, ctx, status, g.ID, v.Version, probs)
}

func (s *Server) writeSaved(w http.ResponseWriter, ctx context.Context, status int, id string, version int, probs []guide.Problem) {
	x, err := s.guideIndex(ctx)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "saved, but could not load the guide")
		return
	}
	sum, _ := s.summary(x, id)
	writeJSON(w, status, saveReply{Version: version, Summary: sum, Problems: problemsJSON(probs, false)})
}

func (s *Server) writeSummary(w http.ResponseWriter, ctx context.Context, id string) {
	s.writeSaved(w, ctx, http.StatusOK, id, 0, nil)
}

// publish lints version v of its guide in the pack and publishes it;
// it answers the refusal itself and returns false.
func (s *Server) publish(w http.ResponseWriter, r *http.Request, v store.GuideVersion, by string) bool {
	ctx := r.Context()
	s.guides.change.Lock()
	defer s.guides.change.Unlock()
	_, probs, err := s.guides.lint(ctx, v.GuideID, v.YAML)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not check the guide")
		return false
	}
	if len(probs) > 0 {
		writeProblems(w, problemsJSON(probs, false))
		return false
	}
	changes := map[string]*store.GuideVersion{v.GuideID: &v}
	if !s.checkPack(w, ctx, changes, nil) || !s.checkPackSize(w, ctx, changes, nil, nil) {
		return false
	}
	if v.Version == 0 {
		origin := store.GuideOrigin
		if s.guides.isBuiltin(v.GuideID) {
			origin = store.GuideOriginOverride
		}
		if _, err := s.guides.st.AddGuideVersion(ctx, &v, origin, false, true); err != nil {
			writeError(w, http.StatusInternalServerError, apiInternal, "could not publish the guide")
			return false
		}
	} else if _, err := s.guides.st.SetPublished(ctx, v.GuideID, v.Version, by, s.now()); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not publish the guide")
		return false
	}
	s.guides.invalidate()
	return true
}

// checkPack answers 422 guide_problems and returns false when the changes
// would break another guide of the pack (guideLib.packProblems).
func (s *Server) checkPack(w http.ResponseWriter, ctx context.Context, changes map[string]*store.GuideVersion, hidden []string) bool {
	probs, err := s.guides.packProblems(ctx, changes, hidden)
	switch {
	case err != nil:
		writeError(w, http.StatusInternalServerError, apiInternal, "could not check the guide pack")
		return false
	case len(probs) > 0:
		writeProblems(w, problemsJSON(probs, false))
		return false
	}
	return true
}

// checkPackSize answers 422 pack_too_large and returns false when the
// changes would make the pack too large.
func (s *Server) checkPackSize(w http.ResponseWriter, ctx context.Context, changes map[string]*store.GuideVersion, hidden []string, vars map[string]string) bool {
	err := s.guides.checkSize(ctx, changes, hidden, vars)
	switch {
	case errors.Is(err, errPackTooLarge):
		writeError(w, http.StatusUnprocessableEntity, apiPackTooLarge, "refused: "+err.Error()+"; make guides shorter or unpublish some")
		return false
	case err != nil:
		writeError(w, http.StatusInternalServerError, apiInternal, "could not check the guide pack")
		return false
	}
	return true
}

func (s *Server) handlePublishGuide(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Version int `json:"version"`
	}
	if r.ContentLength != 0 && !readJSON(w, r, &req) {
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	rec, err := s.guides.st.GuideRecord(ctx, id)
	if err != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "no such guide, or nothing saved to publish")
		return
	}
	if req.Version == 0 {
		req.Version = rec.Latest
	}
	v, err := s.guides.st.GuideVersion(ctx, id, req.Version)
	if err != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "no such version")
		return
	}
	if !s.publish(w, r, v, p.tech.Username) {
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditGuidePublish, Address: s.clientAddr(r),
		Detail: fmt.Sprintf("guide=%s version=%d", id, v.Version)})
	s.writeSummary(w, ctx, id)
}

func (s *Server) handleUnpublishGuide(w http.ResponseWriter, r *http.Request, p principal) {
	ctx, id := r.Context(), r.PathValue("id")
	s.guides.change.Lock()
	defer s.guides.change.Unlock()
	if !s.checkPack(w, ctx, map[string]*store.GuideVersion{id: nil}, nil) {
		return
	}
	_, err := s.guides.st.SetPublished(ctx, id, 0, p.tech.Username, s.now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, apiNotFound, "no such guide of the organisation")
		return
	} else if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not unpublish the guide")
		return
	}
	s.guides.invalidate()
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditGuideUnpublish, Address: s.clientAddr(r), Detail: "guide=" + id})
	s.writeSummary(w, ctx, id)
}

func (s *Server) handleHideGuide(hide bool) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, p principal) {
		ctx, id := r.Context(), r.PathValue("id")
		if !s.guides.isBuiltin(id) {
			writeError(w, http.StatusNotFound, apiNotFound, "no such built-in guide (only built-in guides are hidden; unpublish the organisation's own)")
			return
		}
		s.guides.change.Lock()
		defer s.guides.change.Unlock()
		hidden, err := s.guides.st.HiddenGuides(ctx)
		if err != nil {
			writeError(w, http.StatusInternalServerError, apiInternal, "could not change the guide")
			return
		}
		if hide && !s.checkPack(w, ctx, nil, append(hidden, id)) {
			return
		}
		if err := s.guides.st.SetHidden(ctx, id, hide, p.tech.Username, s.now()); err != nil {
			writeError(w, http.StatusInternalServerError, apiInternal, "could not change the guide")
			return
		}
		s.guides.invalidate()
		action := protocol.AuditGuideUnhide
		if hide {
			action = protocol.AuditGuideHide
		}
		s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: action, Address: s.clientAddr(r), Detail: "guide=" + id})
		s.writeSummary(w, ctx, id)
	}
}

func (s *Server) handleGuideVersions(w http.ResponseWriter, r *http.Request, p principal) {
	ctx, id := r.Context(), r.PathValue("id")
	rec, err := s.guides.st.GuideRecord(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if s.guides.isBuiltin(id) {
			writeJSON(w, http.StatusOK, []guideVersionJSON{})
			return
		}
		writeError(w, http.StatusNotFound, apiNotFound, "no such guide")
		return
	}
	vs, err := s.guides.st.GuideVersions(ctx, id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the versions")
		return
	}
	out := make([]guideVersionJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, versionJSON(v, rec.Published))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRevertGuide(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Version int    `json:"version"`
		Note    string `json:"note"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if len(req.Note) > maxGuideNote {
		writeError(w, http.StatusBadRequest, apiBadRequest, fmt.Sprintf("the change note is at most %d characters", maxGuideNote))
		return
	}
	ctx, id := r.Context(), r.PathValue("id")
	old, err := s.guides.st.GuideVersion(ctx, id, req.Version)
	if err != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "no such version")
		return
	}
	note := fmt.Sprintf("back to version %d", old.Version)
	if req.Note != "" {
		note += ": " + req.Note
	}
	v := store.GuideVersion{GuideID: id, YAML: old.YAML, Title: old.Title, Category: old.Category, Author: p.tech.Username, At: s.now(), Note: note}
	published := mayPublish(p)
	if published {
		if !s.publish(w, r, v, p.tech.Username) {
			return
		}
	} else if _, err := s.guides.st.AddGuideVersion(ctx, &v, "", false, false); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not save the guide")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditGuideRevert, Address: s.clientAddr(r),
		Detail: fmt.Sprintf("guide=%s to=%d published=%t", id, old.Version, published)})
	s.writeSummary(w, ctx, id)
}

type knownVarJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Default     string `json:"default"`
}

func (s *Server) handleGuideVariables(w http.ResponseWriter, r *http.Request, p principal) {
	vars, err := s.guides.st.GuideVariables(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the variables")
		return
	}
	defaults, descs := guide.DefaultVars(), guide.VarDescriptions()
	known := make([]knownVarJSON, 0, len(defaults))
	for _, name := range slices.Sorted(maps.Keys(defaults)) {
		known = append(known, knownVarJSON{Name: name, Description: descs[name], Default: defaults[name]})
	}
	writeJSON(w, http.StatusOK, struct {
		Variables map[string]string `json:"variables"`
		Known     []knownVarJSON    `json:"known"`
	}{vars, known})
}

func (s *Server) handleSetGuideVariables(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Variables map[string]string `json:"variables"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	vars := map[string]string{}
	for k, v := range req.Variables {
		if v = strings.TrimSpace(v); v != "" {
			vars[k] = v
		}
	}
	if probs := guide.CheckVars("variables", vars, nil); len(probs) > 0 {
		writeProblems(w, problemsJSON(probs, false))
		return
	}
	ctx := r.Context()
	s.guides.change.Lock()
	defer s.guides.change.Unlock()
	if !s.checkPackSize(w, ctx, nil, nil, vars) {
		return
	}
	if err := s.guides.st.SetGuideVariables(ctx, vars, s.now()); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not save the variables")
		return
	}
	s.guides.invalidate()
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditGuideVariables, Address: s.clientAddr(r),
		Detail: "set=" + strings.Join(slices.Sorted(maps.Keys(vars)), ",")})
	s.handleGuideVariables(w, r, p)
}

func (s *Server) handleGuideFeedback(w http.ResponseWriter, r *http.Request, p principal) {
	ctx, id := r.Context(), r.PathValue("id")
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	fs, err := s.guides.st.GuideFeedbackFor(ctx, id, min(max(limit, 0), 1000))
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the feedback")
		return
	}
	type feedbackJSON struct {
		ID         int64     `json:"id"`
		At         time.Time `json:"at"`
		StepID     string    `json:"step_id"`
		Comment    string    `json:"comment"`
		OS         string    `json:"os"`
		AppVersion string    `json:"app_version"`
	}
	out := make([]feedbackJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, feedbackJSON{ID: f.ID, At: f.At, StepID: f.StepID, Comment: f.Comment, OS: f.OS, AppVersion: f.AppVersion})
	}
	writeJSON(w, http.StatusOK, out)
}
