-- Follow-ups and recurring requests (relay/store/sqlite_followup.go).
-- A request remembers the desktop's install id and the person's normalised
-- name and contact, to find earlier requests of the same computer or
-- person; recurring and reopened are the QueueItem fields as JSON ('' for
-- none).
ALTER TABLE help_requests ADD COLUMN install_id TEXT NOT NULL DEFAULT '';
ALTER TABLE help_requests ADD COLUMN person_key TEXT NOT NULL DEFAULT '';
ALTER TABLE help_requests ADD COLUMN recurring TEXT NOT NULL DEFAULT '';
ALTER TABLE help_requests ADD COLUMN reopened TEXT NOT NULL DEFAULT '';
CREATE INDEX help_requests_install ON help_requests(install_id, created_at);
CREATE INDEX help_requests_person ON help_requests(person_key, created_at);

-- One follow-up per request: the last session that resolved it, when to
-- ask, how often it was asked, and the answer.
CREATE TABLE followups (
	request_id  TEXT PRIMARY KEY,
	session_id  TEXT NOT NULL,
	technician  TEXT NOT NULL DEFAULT '',
	ended_at    INTEGER NOT NULL,
	due_at      INTEGER NOT NULL,
	offers      INTEGER NOT NULL DEFAULT 0,
	offered_at  INTEGER NOT NULL DEFAULT 0,
	answered_at INTEGER NOT NULL DEFAULT 0,
	working     INTEGER NOT NULL DEFAULT 0,
	rating      INTEGER NOT NULL DEFAULT 0,
	comment     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX followups_due ON followups(due_at) WHERE answered_at = 0;
