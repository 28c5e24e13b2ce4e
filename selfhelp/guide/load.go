package guide

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Library is a loaded set of guides, one per id.
type Library struct {
	byID   map[string]*Guide
	sorted []*Guide
}

// NewLibrary builds a library from guides; a later guide replaces an earlier
// one with the same id, which is how an organisation's folder overrides a
// built-in guide.
func NewLibrary(guides []*Guide) *Library {
	l := &Library{byID: make(map[string]*Guide, len(guides))}
	for _, g := range guides {
		l.byID[g.ID] = g
	}
	for _, g := range l.byID {
		l.sorted = append(l.sorted, g)
	}
	sort.Slice(l.sorted, func(i, j int) bool { return l.sorted[i].ID < l.sorted[j].ID })
	return l
}

// Get returns the guide with id.
func (l *Library) Get(id string) (*Guide, bool) {
	g, ok := l.byID[id]
	return g, ok
}

// All returns every guide, ordered by id.
func (l *Library) All() []*Guide { return l.sorted }

// Len is the number of guides.
func (l *Library) Len() int { return len(l.sorted) }

// ParseFS parses every .yaml/.yml file below dir in fsys. Files are named in
// problems as prefix+path.
func ParseFS(fsys fs.FS, dir, prefix string) ([]*Guide, []Problem, error) {
	var guides []*Guide
	var probs []Problem
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isGuideFile(p) {
			return nil
		}
		name := prefix + p
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > MaxFileSize {
			probs = append(probs, Problem{File: name, Message: fmt.Sprintf("file is %d bytes, larger than the %d-byte limit for a guide", info.Size(), MaxFileSize)})
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		g, ps := Parse(name, data)
		probs = append(probs, ps...)
		if g != nil {
			guides = append(guides, g)
		}
		return nil
	})
	return guides, probs, err
}

// ParseDir parses the guide files below a directory on disk.
func ParseDir(dir string) ([]*Guide, []Problem, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("guide folder %s: %w", dir, err)
	}
	if !st.IsDir() {
		// A single file is accepted too.
		data, err := os.ReadFile(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("read guide %s: %w", dir, err)
		}
		g, probs := Parse(dir, data)
		if g == nil {
			return nil, probs, nil
		}
		return []*Guide{g}, probs, nil
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	return ParseFS(os.DirFS(dir), ".", prefix)
}

func isGuideFile(p string) bool {
	if path.Base(p) == VariablesFile {
		return false
	}
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}

// Load builds the library from the built-in guides and then each extra
// folder in order, later folders overriding earlier guides by id. A guide
// with problems is left out (and its problems returned) so one broken file
// never hides the rest; a folder that cannot be read is an error.
func Load(builtin fs.FS, extraDirs []string, known Known) (*Library, []Problem, error) {
	all, probs, err := ParseFS(builtin, ".", "builtin:")
	if err != nil {
		return nil, nil, fmt.Errorf("read built-in guides: %w", err)
	}
	probs = append(probs, Lint(all, known)...)
	base := withoutProblems(all, probs)
	guides, more, err := Overlay(base, extraDirs, known)
	if err != nil {
		return nil, nil, err
	}
	probs = append(probs, more...)
	SortProblems(probs)
	return NewLibrary(guides), dedupe(probs), nil
}

// Overlay puts the guides of each extra folder, in order, over base (the
// built-in guides, or those plus the organisation's pack): the result is
// base followed by the folders' guides, so that NewLibrary lets a folder's
// guide replace one of base's with the same id. The folders' guides are
// linted as one set that may open base's guides; one with problems is left
// out (and its problems returned) so one broken file never hides the rest.
// A folder that cannot be read is an error.
func Overlay(base []*Guide, extraDirs []string, known Known) ([]*Guide, []Problem, error) {
	var local []*Guide
	var probs []Problem
	for _, dir := range extraDirs {
		gs, ps, err := ParseDir(dir)
		if err != nil {
			return nil, nil, err
		}
		local = append(local, gs...)
		probs = append(probs, ps...)
	}
	// Lint the folders on their own so that an override is not a
	// duplicate; their guides may open base's.
	k := known
	k.Guides = append(append([]*Guide(nil), known.Guides...), base...)
	probs = append(probs, Lint(local, k)...)
	out := append(append([]*Guide(nil), base...), withoutProblems(local, probs)...)
	SortProblems(probs)
	return out, dedupe(probs), nil
}

// withoutProblems is guides without those from a file named in probs.
func withoutProblems(guides []*Guide, probs []Problem) []*Guide {
	bad := make(map[string]bool, len(probs))
	for _, p := range probs {
		bad[p.File] = true
	}
	good := make([]*Guide, 0, len(guides))
	for _, g := range guides {
		if !bad[g.Source] {
			good = append(good, g)
		}
	}
	return good
}

func dedupe(probs []Problem) []Problem {
	out := probs[:0]
	for i, p := range probs {
		if i > 0 && p == probs[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}
