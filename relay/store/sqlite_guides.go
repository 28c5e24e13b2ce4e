package store

// The organisation's guide pack: guides with their versions, the
// published pointer, hidden built-in guides, variables and the feedback
// desktops send about guide steps (migration 0005_guides.sql).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Guide origins.
const (
	GuideOrigin         = "org"              // a guide the organisation wrote
	GuideOriginOverride = "builtin-override" // the organisation's version of a built-in guide (same id)
)

// GuideRecord is one of the organisation's guides.
type GuideRecord struct {
	ID     string
	Origin string
	// Latest is the newest version; Published the one desktops get (0:
	// none). A draft is a Latest newer than Published.
	Latest        int
	Published     int
	EverPublished bool
	// Title and Category are those of the latest version.
	Title     string
	Category  string
	CreatedAt time.Time
	UpdatedAt time.Time
	UpdatedBy string
}

// HasDraft reports whether the latest version is not the published one.
func (g GuideRecord) HasDraft() bool { return g.Latest > g.Published }

// GuideVersion is one saved version of a guide.
type GuideVersion struct {
	GuideID  string
	Version  int
	YAML     string
	Title    string
	Category string
	Author   string
	At       time.Time
	Note     string
}

// GuideImport is a whole pack to import (see Guides.ImportGuides).
type GuideImport struct {
	Versions []GuideVersion
	Origins  map[string]string // guide id → origin, for a guide new to the store
	Vars     map[string]string // nil: left as they are
	Hidden   []string          // nil: left as they are
	By       string
	At       time.Time
}

// GuideFeedback is what a desktop user said about a guide step.
type GuideFeedback struct {
	ID         int64
	GuideID    string
	StepID     string
	Comment    string
	OS         string
	AppVersion string
	At         time.Time
}

// Guides holds the organisation's guide pack.
type Guides interface {
	// AddGuideVersion saves v as the next version of guide v.GuideID
	// (setting v.Version), creating the guide with origin if it has
	// none; with create, ErrExists if it has. With publish the new
	// version is published too.
	AddGuideVersion(ctx context.Context, v *GuideVersion, origin string, create, publish bool) (GuideRecord, error)
	GuideRecord(ctx context.Context, id string) (GuideRecord, error)
	GuideRecords(ctx context.Context) ([]GuideRecord, error)
	// GuideVersions lists a guide's versions, newest first.
	GuideVersions(ctx context.Context, id string) ([]GuideVersion, error)
	GuideVersion(ctx context.Context, id string, version int) (GuideVersion, error)
	// PublishedGuides is the published version of every guide, by id.
	PublishedGuides(ctx context.Context) ([]GuideVersion, error)
	// SetPublished publishes version of guide id (0: unpublishes it).
	SetPublished(ctx context.Context, id string, version int, by string, at time.Time) (GuideRecord, error)
	// SetHidden hides or shows again a built-in guide.
	SetHidden(ctx context.Context, id string, hidden bool, by string, at time.Time) error
	HiddenGuides(ctx context.Context) ([]string, error)
	GuideVariables(ctx context.Context) (map[string]string, error)
	// SetGuideVariables replaces every variable.
	SetGuideVariables(ctx context.Context, vars map[string]string, at time.Time) error
	// GuidePackChanged is when the published pack last changed (zero: never).
	GuidePackChanged(ctx context.Context) (time.Time, error)
	// ImportGuides saves and publishes each version (origins names each
	// guide's origin, should it be new) and, unless nil, replaces the
	// variables with vars and the hidden built-in guides with hidden — all
	// or nothing. A version whose YAML is the published one's is left
	// out. It returns how many versions were saved.
	ImportGuides(ctx context.Context, imp GuideImport) (int, error)
}

// GuideFeedbackLog holds desktop feedback about guides.
type GuideFeedbackLog interface {
	AddGuideFeedback(ctx context.Context, f GuideFeedback) error
	// GuideFeedbackFor lists a guide's feedback, newest first, at most limit.
	GuideFeedbackFor(ctx context.Context, guideID string, limit int) ([]GuideFeedback, error)
	// GuideFeedbackCounts is the number of feedback rows per guide id.
	GuideFeedbackCounts(ctx context.Context) (map[string]int, error)
}

var (
	_ Guides           = (*SQLite)(nil)
	_ GuideFeedbackLog = (*SQLite)(nil)
)

const guideCols = `g.id, g.origin, g.latest_version, g.published_version, g.ever_published, v.title, v.category, g.created_at, g.updated_at, g.updated_by`

const guideFrom = ` FROM guides g JOIN guide_versions v ON v.guide_id = g.id AND v.version = g.latest_version`

func scanGuide(sc scanner) (GuideRecord, error) {
	var g GuideRecord
	var ever int
	var created, updated int64
	err := sc.Scan(&g.ID, &g.Origin, &g.Latest, &g.Published, &ever, &g.Title, &g.Category, &created, &updated, &g.UpdatedBy)
	g.EverPublished, g.CreatedAt, g.UpdatedAt = ever == 1, tm(created), tm(updated)
	return g, err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type scanner interface{ Scan(...any) error }

// queryAll is every row of query, each read by scan; never nil.
func queryAll[T any](ctx context.Context, q rowsQuerier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func guideRecord(ctx context.Context, q querier, id string) (GuideRecord, error) {
	g, err := scanGuide(q.QueryRowContext(ctx, `SELECT `+guideCols+guideFrom+` WHERE g.id = ?`, id))
	return g, notFound(err, "guide "+id)
}

// inTx runs f in a transaction.
func (s *SQLite) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func touchPack(ctx context.Context, tx *sql.Tx, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO guide_pack (id, changed_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET changed_at = excluded.changed_at`, ms(at))
	return err
}

func addVersion(ctx context.Context, tx *sql.Tx, v *GuideVersion, origin string, create, publish bool) error {
	if v.At.IsZero() {
		v.At = time.Now()
	}
	var latest int
	err := tx.QueryRowContext(ctx, `SELECT latest_version FROM guides WHERE id = ?`, v.GuideID).Scan(&latest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO guides (id, origin, latest_version, created_at, updated_at, updated_by) VALUES (?,?,0,?,?,?)`,
			v.GuideID, origin, ms(v.At), ms(v.At), v.Author); err != nil {
			return fmt.Errorf("insert guide %s: %w", v.GuideID, err)
		}
	case err != nil:
		return err
	case create:
		return fmt.Errorf("guide %s: %w", v.GuideID, ErrExists)
	}
	v.Version = latest + 1
	if _, err := tx.ExecContext(ctx, `INSERT INTO guide_versions (guide_id, version, yaml, title, category, author, at, note) VALUES (?,?,?,?,?,?,?,?)`,
		v.GuideID, v.Version, v.YAML, v.Title, v.Category, v.Author, ms(v.At), v.Note); err != nil {
		return fmt.Errorf("insert guide version: %w", err)
	}
	q := `UPDATE guides SET latest_version = ?, updated_at = ?, updated_by = ? WHERE id = ?`
	if publish {
		q = `UPDATE guides SET latest_version = ?1, published_version = ?1, ever_published = 1, updated_at = ?2, updated_by = ?3 WHERE id = ?4`
	}
	if _, err := tx.ExecContext(ctx, q, v.Version, ms(v.At), v.Author, v.GuideID); err != nil {
		return err
	}
	if publish {
		return touchPack(ctx, tx, v.At)
	}
	return nil
}

// AddGuideVersion implements Guides.
func (s *SQLite) AddGuideVersion(ctx context.Context, v *GuideVersion, origin string, create, publish bool) (GuideRecord, error) {
	var g GuideRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := addVersion(ctx, tx, v, origin, create, publish); err != nil {
			return err
		}
		var err error
		g, err = guideRecord(ctx, tx, v.GuideID)
		return err
	})
	return g, err
}

// GuideRecord implements Guides.
func (s *SQLite) GuideRecord(ctx context.Context, id string) (GuideRecord, error) {
	return guideRecord(ctx, s.db, id)
}

// GuideRecords implements Guides; ordered by id.
func (s *SQLite) GuideRecords(ctx context.Context) ([]GuideRecord, error) {
	return queryAll(ctx, s.db, scanGuide, `SELECT `+guideCols+guideFrom+` ORDER BY g.id`)
}

const versionCols = `guide_id, version, yaml, title, category, author, at, note`

func scanVersion(sc scanner) (GuideVersion, error) {
	var v GuideVersion
	var at int64
	err := sc.Scan(&v.GuideID, &v.Version, &v.YAML, &v.Title, &v.Category, &v.Author, &at, &v.Note)
	v.At = tm(at)
	return v, err
}

func (s *SQLite) versions(ctx context.Context, query string, args ...any) ([]GuideVersion, error) {
	return queryAll(ctx, s.db, scanVersion, query, args...)
}

// GuideVersions implements Guides.
func (s *SQLite) GuideVersions(ctx context.Context, id string) ([]GuideVersion, error) {
	return s.versions(ctx, `SELECT `+versionCols+` FROM guide_versions WHERE guide_id = ? ORDER BY version DESC`, id)
}

// GuideVersion implements Guides.
func (s *SQLite) GuideVersion(ctx context.Context, id string, version int) (GuideVersion, error) {
	v, err := scanVersion(s.db.QueryRowContext(ctx, `SELECT `+versionCols+` FROM guide_versions WHERE guide_id = ? AND version = ?`, id, version))
	return v, notFound(err, fmt.Sprintf("guide %s version %d", id, version))
}

// PublishedGuides implements Guides.
func (s *SQLite) PublishedGuides(ctx context.Context) ([]GuideVersion, error) {
	return s.versions(ctx, `SELECT v.guide_id, v.version, v.yaml, v.title, v.category, v.author, v.at, v.note
		FROM guides g JOIN guide_versions v ON v.guide_id = g.id AND v.version = g.published_version ORDER BY g.id`)
}

// SetPublished implements Guides.
func (s *SQLite) SetPublished(ctx context.Context, id string, version int, by string, at time.Time) (GuideRecord, error) {
	var g GuideRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if version > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM guide_versions WHERE guide_id = ? AND version = ?`, id, version).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("guide %s version %d: %w", id, version, ErrNotFound)
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE guides SET published_version = ?, ever_published = MAX(ever_published, ?), updated_at = ?, updated_by = ? WHERE id = ?`,
			version, b2i(version > 0), ms(at), by, id)
		if err := affected(res, err, fmt.Errorf("guide %s: %w", id, ErrNotFound)); err != nil {
			return err
		}
		if err := touchPack(ctx, tx, at); err != nil {
			return err
		}
		g, err = guideRecord(ctx, tx, id)
		return err
	})
	return g, err
}

// SetHidden implements Guides.
func (s *SQLite) SetHidden(ctx context.Context, id string, hidden bool, by string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if hidden {
			_, err = tx.ExecContext(ctx, `INSERT INTO guide_hidden (id, by, at) VALUES (?,?,?) ON CONFLICT(id) DO NOTHING`, id, by, ms(at))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM guide_hidden WHERE id = ?`, id)
		}
		if err != nil {
			return err
		}
		return touchPack(ctx, tx, at)
	})
}

// HiddenGuides implements Guides; sorted.
func (s *SQLite) HiddenGuides(ctx context.Context) ([]string, error) { return hiddenIn(ctx, s.db) }

func hiddenIn(ctx context.Context, q rowsQuerier) ([]string, error) {
	return queryAll(ctx, q, func(sc scanner) (id string, err error) { return id, sc.Scan(&id) }, `SELECT id FROM guide_hidden ORDER BY id`)
}

// GuideVariables implements Guides.
func (s *SQLite) GuideVariables(ctx context.Context) (map[string]string, error) {
	return varsIn(ctx, s.db)
}

func varsIn(ctx context.Context, q rowsQuerier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, value FROM guide_variables`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func setVars(ctx context.Context, tx *sql.Tx, vars map[string]string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM guide_variables`); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO guide_variables (name, value) VALUES (?, ?)`, k, vars[k]); err != nil {
			return err
		}
	}
	return touchPack(ctx, tx, at)
}

// SetGuideVariables implements Guides.
func (s *SQLite) SetGuideVariables(ctx context.Context, vars map[string]string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return setVars(ctx, tx, vars, at) })
}

// GuidePackChanged implements Guides.
func (s *SQLite) GuidePackChanged(ctx context.Context) (time.Time, error) {
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT changed_at FROM guide_pack WHERE id = 1`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return tm(at), err
}

// ImportGuides implements Guides.
func (s *SQLite) ImportGuides(ctx context.Context, imp GuideImport) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i := range imp.Versions {
			v := &imp.Versions[i]
			var same int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM guides g JOIN guide_versions v ON v.guide_id = g.id AND v.version = g.published_version WHERE g.id = ? AND v.yaml = ?`,
				v.GuideID, v.YAML).Scan(&same); err != nil {
				return err
			}
			if same > 0 {
				continue
			}
			v.At = imp.At
			if err := addVersion(ctx, tx, v, imp.Origins[v.GuideID], false, true); err != nil {
				return err
			}
			n++
		}
		// Hidden guides and variables as they are already leave the
		// pack (and its ETag) alone.
		if cur, err := hiddenIn(ctx, tx); err != nil {
			return err
		} else if imp.Hidden != nil && slices.Equal(cur, slices.Sorted(slices.Values(imp.Hidden))) {
			imp.Hidden = nil
		}
		if cur, err := varsIn(ctx, tx); err != nil {
			return err
		} else if imp.Vars != nil && maps.Equal(cur, imp.Vars) {
			imp.Vars = nil
		}
		if imp.Hidden != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM guide_hidden WHERE id NOT IN (SELECT value FROM json_each(?))`, jsonList(imp.Hidden)); err != nil {
				return err
			}
			for _, id := range imp.Hidden {
				if _, err := tx.ExecContext(ctx, `INSERT INTO guide_hidden (id, by, at) VALUES (?,?,?) ON CONFLICT(id) DO NOTHING`, id, imp.By, ms(imp.At)); err != nil {
					return err
				}
			}
			if err := touchPack(ctx, tx, imp.At); err != nil {
				return err
			}
		}
		if imp.Vars != nil {
			return setVars(ctx, tx, imp.Vars, imp.At)
		}
		return nil
	})
	return n, err
}

func jsonList(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// AddGuideFeedback implements GuideFeedbackLog.
func (s *SQLite) AddGuideFeedback(ctx context.Context, f GuideFeedback) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO guide_feedback (guide_id, step_id, comment, os, app_version, at) VALUES (?,?,?,?,?,?)`,
		f.GuideID, f.StepID, f.Comment, f.OS, f.AppVersion, ms(f.At))
	return err
}

// GuideFeedbackFor implements GuideFeedbackLog.
func (s *SQLite) GuideFeedbackFor(ctx context.Context, guideID string, limit int) ([]GuideFeedback, error) {
	if limit <= 0 {
		limit = 500
	}
	return queryAll(ctx, s.db, func(sc scanner) (GuideFeedback, error) {
		var f GuideFeedback
		var at int64
		err := sc.Scan(&f.ID, &f.GuideID, &f.StepID, &f.Comment, &f.OS, &f.AppVersion, &at)
		f.At = tm(at)
		return f, err
	}, `SELECT id, guide_id, step_id, comment, os, app_version, at FROM guide_feedback WHERE guide_id = ? ORDER BY at DESC, id DESC LIMIT ?`, guideID, limit)
}

// GuideFeedbackCounts implements GuideFeedbackLog.
func (s *SQLite) GuideFeedbackCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT guide_id, COUNT(*) FROM guide_feedback GROUP BY guide_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
