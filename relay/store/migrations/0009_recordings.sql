-- Session recordings (relay/store/sqlite_recordings.go): the technician's
-- console uploads the decoded screen as WebM chunks while the session
-- runs; the chunks are appended to one file per session under the data
-- directory and this row is their index. bytes is what the file holds
-- for sure (a crash between writing the file and this row leaves extra
-- bytes, which the next append cuts off); next_seq is the sequence
-- number the next chunk must carry; duration_ms is the recorded time the
-- console reported with the last chunk.
CREATE TABLE recordings (
	session_id  TEXT PRIMARY KEY,
	tech_id     INTEGER NOT NULL,
	started_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	next_seq    INTEGER NOT NULL,
	bytes       INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL
);
CREATE INDEX recordings_updated ON recordings(updated_at);
