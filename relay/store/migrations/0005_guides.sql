-- The organisation's guide pack (relay/store/sqlite_guides.go): each guide
-- the organisation wrote or changed (a built-in one overridden by id), its
-- versions, which one is published; the built-in guides it hid; its
-- variables; what desktop users said about a guide's steps. And the
-- technicians' guide publishing role.
ALTER TABLE technicians ADD COLUMN knowledge_editor INTEGER NOT NULL DEFAULT 0;

CREATE TABLE guides (
	id                TEXT PRIMARY KEY,
	origin            TEXT NOT NULL,              -- 'org' or 'builtin-override'
	latest_version    INTEGER NOT NULL,
	published_version INTEGER NOT NULL DEFAULT 0, -- 0: not published
	ever_published    INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	updated_by        TEXT NOT NULL
);

CREATE TABLE guide_versions (
	guide_id TEXT NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
	version  INTEGER NOT NULL,
	yaml     TEXT NOT NULL,
	title    TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	author   TEXT NOT NULL,
	at       INTEGER NOT NULL,
	note     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (guide_id, version)
);

CREATE TABLE guide_hidden (
	id  TEXT PRIMARY KEY,
	by  TEXT NOT NULL,
	at  INTEGER NOT NULL
);

CREATE TABLE guide_variables (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- One row: when the published pack last changed.
CREATE TABLE guide_pack (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	changed_at INTEGER NOT NULL
);

CREATE TABLE guide_feedback (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	guide_id    TEXT NOT NULL,
	step_id     TEXT NOT NULL DEFAULT '',
	comment     TEXT NOT NULL DEFAULT '',
	os          TEXT NOT NULL DEFAULT '',
	app_version TEXT NOT NULL DEFAULT '',
	at          INTEGER NOT NULL
);
CREATE INDEX guide_feedback_guide ON guide_feedback(guide_id, at);
