package server

// The guide pack as a whole: the desktops' sync endpoint (no login,
// rate-limited per address, ETag / If-None-Match), and export / import as
// a zip of a folder that `lifeline guides lint` reads.

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"gopkg.in/yaml.v3"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// Sync rate per address: a desktop asks on connect and every few
// minutes; an office behind one address has many desktops.
const (
	guideSyncRate  = rate.Limit(2)
	guideSyncBurst = 120
)

// Import limits.
const (
	maxImportFiles = 2 * pack.MaxGuides
	exportFolder   = "lifeline-guides"
)

func (s *Server) handleClientGuides(w http.ResponseWriter, r *http.Request) {
	if wait, ok := s.guideSync.take(s.clientAddr(r), s.now(), guideSyncRate, guideSyncBurst); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(1, wait.Round(time.Second).Seconds()))))
		http.Error(w, "too many guide downloads from your address; try again later", http.StatusTooManyRequests)
		return
	}
	p, err := s.guides.current(r.Context())
	if err != nil {
		s.log.Error("build guide pack", "err", err)
		http.Error(w, "the guide pack is not available just now", http.StatusInternalServerError)
		return
	}
	etag := `"` + p.etag + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(p.body)))
	w.Write(p.body)
}

// etagMatches reports whether an If-None-Match header names etag
// (weak comparison, as RFC 9110 asks for If-None-Match).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// handleExportGuides writes the published pack as a zip of
// lifeline-guides/<id>.yaml, variables.yaml and hidden.txt.
func (s *Server) handleExportGuides(w http.ResponseWriter, r *http.Request, p principal) {
	pk, err := s.guides.packWith(r.Context(), nil, nil, nil)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the guides")
		return
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, body []byte) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: exportFolder + "/" + name, Method: zip.Deflate, Modified: pk.PublishedAt})
		if err != nil {
			return err
		}
		_, err = f.Write(body)
		return err
	}
	for _, g := range pk.Guides {
		if err = add(g.ID+".yaml", []byte(g.YAML)); err != nil {
			break
		}
	}
	if err == nil {
		err = add(guide.VariablesFile, varsYAML(pk.Variables))
	}
	if err == nil {
		err = add(hiddenFile, []byte(hiddenHeader+strings.Join(append(pk.Hidden, ""), "\n")))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not write the export")
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", "attachment; filename="+exportFolder+".zip")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// hiddenFile lists the hidden built-in guides in an export, one id a
// line; "#" starts a comment. An import without it leaves the hidden
// guides as they are.
const (
	hiddenFile   = "hidden.txt"
	hiddenHeader = "# Built-in guides this organisation hides from its desktops, one id a line.\n"
)

func varsYAML(vars map[string]string) []byte {
	if len(vars) == 0 {
		return []byte("# The organisation's guide variables: name: value\n{}\n")
	}
	var n yaml.Node
	n.Kind = yaml.MappingNode
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Value: vars[k]})
	}
	b, _ := yaml.Marshal(&n)
	return b
}

// importFile is one file of an import.
type importFile struct {
	name string
	data []byte
}

// readImport reads the zip's files (guides, variables.yaml, hidden.txt,
// in the zip's root or in one folder); other files are left out, as
// `lifeline guides lint` leaves them.
func readImport(body []byte) ([]importFile, []guide.Problem) {
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, []guide.Problem{{File: "import.zip", Message: "not a zip file: " + err.Error()}}
	}
	if len(zr.File) > maxImportFiles {
		return nil, []guide.Problem{{File: "import.zip", Message: fmt.Sprintf("more than %d files", maxImportFiles)}}
	}
	var files []importFile
	var probs []guide.Problem
	var total uint64
	for _, f := range zr.File {
		name := f.Name
		if f.FileInfo().IsDir() {
			continue
		}
		base := path.Base(name)
		ext := strings.ToLower(path.Ext(base))
		if strings.HasPrefix(base, ".") || (base != hiddenFile && ext != ".yaml" && ext != ".yml") {
			continue
		}
		if f.UncompressedSize64 > guide.MaxFileSize {
			probs = append(probs, guide.Problem{File: name, Message: fmt.Sprintf("file is larger than the %d-byte limit for a guide", guide.MaxFileSize)})
			continue
		}
		rc, err := f.Open()
		if err != nil {
			probs = append(probs, guide.Problem{File: name, Message: "cannot read: " + err.Error()})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(rc, guide.MaxFileSize+1))
		rc.Close()
		if err != nil || len(data) > guide.MaxFileSize {
			probs = append(probs, guide.Problem{File: name, Message: "cannot read, or larger than it says"})
			continue
		}
		// What was read, not what the zip says: a zip may lie.
		if total += uint64(len(data)); total > pack.MaxSize {
			return nil, []guide.Problem{{File: "import.zip", Message: fmt.Sprintf("the files add up to more than %d MiB", pack.MaxSize>>20)}}
		}
		files = append(files, importFile{name: name, data: data})
	}
	return files, probs
}

func (s *Server) handleImportGuides(w http.ResponseWriter, r *http.Request, p principal) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, pack.MaxSize))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, apiTooLarge, fmt.Sprintf("an import is at most %d MiB", pack.MaxSize>>20))
		return
	}
	files, probs := readImport(body)
	var gs []*guide.Guide
	var vars map[string]string
	var hidden []string
	yamls := map[string]string{}
	for _, f := range files {
		switch path.Base(f.name) {
		case guide.VariablesFile:
			v, ps := guide.ParseVariables(f.name, f.data)
			probs = append(probs, ps...)
			vars = v
		case hiddenFile:
			hidden = []string{}
			for i, line := range strings.Split(string(f.data), "\n") {
				line, _, _ = strings.Cut(line, "#")
				if id := strings.TrimSpace(line); id != "" {
					if !s.guides.isBuiltin(id) {
						probs = append(probs, guide.Problem{File: f.name, Line: i + 1, Message: fmt.Sprintf("%q is not a built-in guide", id)})
					}
					hidden = append(hidden, id)
				}
			}
		default:
			g, ps := guide.Parse(f.name, f.data)
			probs = append(probs, ps...)
			if g != nil {
				gs = append(gs, g)
				yamls[f.name] = string(f.data)
			}
		}
	}
	ctx := r.Context()
	s.guides.change.Lock()
	defer s.guides.change.Unlock()
	// The imported guides are linted as one set, with the rest of the
	// pack they will join (its built-in guides as hidden after the import).
	others, err := s.guides.packGuides(ctx, "")
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not check the import")
		return
	}
	inSet := map[string]bool{}
	for _, g := range gs {
		inSet[g.ID] = true
	}
	k := s.guides.known
	for _, g := range others {
		hiddenNow := hidden != nil && slices.Contains(hidden, g.ID) && strings.HasPrefix(g.Source, "builtin:")
		if !inSet[g.ID] && !hiddenNow {
			k.Guides = append(k.Guides, g)
		}
	}
	probs = append(probs, guide.Lint(gs, k)...)
	if len(probs) > 0 {
		guide.SortProblems(probs)
		writeProblems(w, problemsJSON(probs, true))
		return
	}
	now := s.now()
	vs := make([]store.GuideVersion, len(gs))
	changes := map[string]*store.GuideVersion{}
	origins := map[string]string{}
	for i, g := range gs {
		vs[i] = store.GuideVersion{GuideID: g.ID, YAML: yamls[g.Source], Title: g.Title, Category: g.Category, Author: p.tech.Username, At: now, Note: "imported"}
		changes[g.ID] = &vs[i]
		origins[g.ID] = store.GuideOrigin
		if s.guides.isBuiltin(g.ID) {
			origins[g.ID] = store.GuideOriginOverride
		}
	}
	if !s.checkPack(w, ctx, changes, hidden) || !s.checkPackSize(w, ctx, changes, hidden, vars) {
		return
	}
	n, err := s.guides.st.ImportGuides(ctx, store.GuideImport{Versions: vs, Origins: origins, Vars: vars, Hidden: hidden, By: p.tech.Username, At: now})
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not import the guides")
		return
	}
	s.guides.invalidate()
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditGuideImport, Address: s.clientAddr(r),
		Detail: fmt.Sprintf("files=%d guides=%d changed=%d variables=%t hidden=%d", len(files), len(gs), n, vars != nil, len(hidden))})
	writeJSON(w, http.StatusOK, struct {
		Imported int           `json:"imported"`
		Problems []problemJSON `json:"problems"`
	}{n, []problemJSON{}})
}
