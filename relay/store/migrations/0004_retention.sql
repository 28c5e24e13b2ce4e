-- Retention (relay/store/sqlite_retention.go): waiting requests expire by
-- their last change, closed requests and ended sessions go after their
-- period, transcripts by line time.
CREATE INDEX help_requests_state_updated ON help_requests(state, updated_at);
CREATE INDEX sessions_ended ON sessions(ended_at);
CREATE INDEX chat_at ON chat_messages(at);
