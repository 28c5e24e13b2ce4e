CREATE TABLE technicians (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	is_admin      INTEGER NOT NULL DEFAULT 0,
	disabled      INTEGER NOT NULL DEFAULT 0,
	totp_secret   TEXT NOT NULL DEFAULT '',
	totp_enabled  INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
);

CREATE TABLE logins (
	token_hash BLOB PRIMARY KEY,
	tech_id    INTEGER NOT NULL REFERENCES technicians(id),
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);

CREATE TABLE help_requests (
	id          TEXT PRIMARY KEY,
	state       TEXT NOT NULL,
	source      TEXT NOT NULL,
	name        TEXT NOT NULL DEFAULT '',
	contact     TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	os          TEXT NOT NULL DEFAULT '',
	app_version TEXT NOT NULL DEFAULT '',
	guide       TEXT NOT NULL DEFAULT '',
	diagnostics TEXT NOT NULL DEFAULT '',
	resume_hash BLOB,
	address     TEXT NOT NULL DEFAULT '',
	taken_by    INTEGER NOT NULL DEFAULT 0,
	session_id  TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX help_requests_state ON help_requests(state, created_at);

CREATE TABLE sessions (
	id                 TEXT PRIMARY KEY,
	request_id         TEXT NOT NULL,
	tech_id            INTEGER NOT NULL,
	started_at         INTEGER NOT NULL,
	ended_at           INTEGER NOT NULL DEFAULT 0,
	end_reason         TEXT NOT NULL DEFAULT '',
	view_granted_at    INTEGER NOT NULL DEFAULT 0,
	control_granted_at INTEGER NOT NULL DEFAULT 0,
	notes              TEXT NOT NULL DEFAULT '',
	category           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_started ON sessions(started_at);

CREATE TABLE audit_events (
	id         INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	address    TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	session_id TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit_events(at);
CREATE INDEX audit_session ON audit_events(session_id);

CREATE TABLE codes (
	id         INTEGER PRIMARY KEY,
	code_hash  BLOB NOT NULL,
	tech_id    INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0,
	cancelled  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX codes_expires ON codes(expires_at);

CREATE TABLE chat_messages (
	id         INTEGER PRIMARY KEY,
	session_id TEXT NOT NULL,
	at         INTEGER NOT NULL,
	sender     TEXT NOT NULL,
	text       TEXT NOT NULL
);
CREATE INDEX chat_session ON chat_messages(session_id, at);

CREATE TABLE guide_outcomes (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	guide_id    TEXT NOT NULL DEFAULT '',
	step_id     TEXT NOT NULL DEFAULT '',
	query       TEXT NOT NULL DEFAULT '',
	os          TEXT NOT NULL DEFAULT '',
	app_version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outcomes_at ON guide_outcomes(at);
