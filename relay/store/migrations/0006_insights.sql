-- Insights (relay/store/sqlite_insights.go): what desktops report of
-- self-help (insight.events, and outcome.report from older desktops), and
-- the relay's own facts about each request and session, kept anonymous so
-- they can outlive the personal records (retention "outcomes", default a
-- year, where requests and sessions go after 180 days).
--
-- Times are Unix milliseconds, like every other table.

CREATE TABLE insight_events (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL, -- the desktop's time, clamped to the relay's receive time ± 1 day
	kind        TEXT NOT NULL,    -- protocol.InsightKind
	journey     TEXT NOT NULL DEFAULT '',
	query       TEXT NOT NULL DEFAULT '', -- '' when the organisation switched search text off
	query_norm  TEXT NOT NULL DEFAULT '', -- relay/querynorm key of query
	guide_id    TEXT NOT NULL DEFAULT '',
	step_id     TEXT NOT NULL DEFAULT '',
	check_name  TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL DEFAULT '',
	request_id  TEXT NOT NULL DEFAULT '',
	os          TEXT NOT NULL DEFAULT '',
	app_version TEXT NOT NULL DEFAULT '',
	escalated   INTEGER NOT NULL DEFAULT 0 -- a search whose journey escalated (set by the triggers below)
);
-- Indexes: the outcome summary reads by kind and time; the gap report
-- only the searches that found nothing or escalated (covering), then the
-- latest text of each query; the triggers find a journey's events.
CREATE INDEX insight_events_kind_at ON insight_events(kind, at);
CREATE INDEX insight_events_gaps ON insight_events(at, query_norm, kind, escalated)
	WHERE query_norm != '' AND (kind = 'search.no_results' OR escalated = 1);
CREATE INDEX insight_events_norm ON insight_events(query_norm, at) WHERE query_norm != '';
CREATE INDEX insight_events_journey ON insight_events(journey, kind) WHERE journey != '';
CREATE INDEX insight_events_at ON insight_events(at);

-- A search is marked escalated when its journey escalates, whichever of
-- the two the relay stores first. (journey != '' lets the lookups use the
-- partial journey index.)
CREATE TRIGGER insight_journey_escalated AFTER INSERT ON insight_events
	WHEN NEW.kind = 'escalated' AND NEW.journey != '' BEGIN
	UPDATE insight_events SET escalated = 1
		WHERE journey = NEW.journey AND journey != '' AND kind IN ('search','search.no_results') AND escalated = 0;
END;
CREATE TRIGGER insight_search_after_escalation AFTER INSERT ON insight_events
	WHEN NEW.kind IN ('search','search.no_results') AND NEW.journey != '' BEGIN
	UPDATE insight_events SET escalated = 1 WHERE id = NEW.id
		AND EXISTS (SELECT 1 FROM insight_events WHERE journey = NEW.journey AND journey != '' AND kind = 'escalated');
END;

-- Daily counts kept by triggers as events are stored (and pruned), so a
-- year of reports reads thousands of rows instead of a million: by kind
-- (the funnel), by guide and kind (the guide table), by guide, step and
-- kind (the step funnel and where people give up). Days are UTC
-- (at / 86400000); the reports' ranges are whole UTC days.
CREATE TABLE insight_day_kind (
	day  INTEGER NOT NULL,
	kind TEXT NOT NULL,
	n    INTEGER NOT NULL,
	PRIMARY KEY (day, kind)
) WITHOUT ROWID;
CREATE TABLE insight_day_guide (
	day      INTEGER NOT NULL,
	guide_id TEXT NOT NULL,
	kind     TEXT NOT NULL,
	n        INTEGER NOT NULL,
	PRIMARY KEY (day, guide_id, kind)
) WITHOUT ROWID;
CREATE TABLE insight_day_step (
	guide_id TEXT NOT NULL,
	step_id  TEXT NOT NULL,
	kind     TEXT NOT NULL,
	day      INTEGER NOT NULL,
	n        INTEGER NOT NULL,
	PRIMARY KEY (guide_id, day, step_id, kind)
) WITHOUT ROWID;
CREATE INDEX insight_day_step_kind ON insight_day_step(kind, day, guide_id, step_id, n);

CREATE TRIGGER insight_event_added AFTER INSERT ON insight_events BEGIN
	INSERT INTO insight_day_kind (day, kind, n) VALUES (NEW.at / 86400000, NEW.kind, 1)
		ON CONFLICT DO UPDATE SET n = n + 1;
	INSERT INTO insight_day_guide (day, guide_id, kind, n) SELECT NEW.at / 86400000, NEW.guide_id, NEW.kind, 1
		WHERE NEW.guide_id != '' ON CONFLICT DO UPDATE SET n = n + 1;
	INSERT INTO insight_day_step (guide_id, step_id, kind, day, n) SELECT NEW.guide_id, NEW.step_id, NEW.kind, NEW.at / 86400000, 1
		WHERE NEW.guide_id != '' AND NEW.step_id != '' ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER insight_event_removed AFTER DELETE ON insight_events BEGIN
	UPDATE insight_day_kind SET n = n - 1 WHERE day = OLD.at / 86400000 AND kind = OLD.kind;
	UPDATE insight_day_guide SET n = n - 1 WHERE day = OLD.at / 86400000 AND guide_id = OLD.guide_id AND kind = OLD.kind;
	UPDATE insight_day_step SET n = n - 1 WHERE guide_id = OLD.guide_id AND day = OLD.at / 86400000
		AND step_id = OLD.step_id AND kind = OLD.kind;
END;

-- One vocabulary: the outcomes stored before insight events become events
-- (lifeline_querynorm is relay/querynorm, registered by relay/store)
-- (fixed → guide.fixed, no_results → search.no_results, abandoned →
-- guide.abandoned, escalated → escalated; protocol.OutcomeReport.Insight).
INSERT INTO insight_events (at, kind, guide_id, step_id, query, query_norm, os, app_version)
	SELECT at, CASE kind WHEN 'fixed' THEN 'guide.fixed' WHEN 'no_results' THEN 'search.no_results'
		WHEN 'abandoned' THEN 'guide.abandoned' ELSE kind END,
		guide_id, step_id, query, lifeline_querynorm(query), os, app_version FROM guide_outcomes;
DROP TABLE guide_outcomes;

-- The relay's facts, one row per request and per session, written by
-- triggers so that no path (request, code, take, restart, end, notes) can
-- miss one: no name, contact, description or address.
CREATE TABLE insight_requests (
	request_id  TEXT PRIMARY KEY,
	created_at  INTEGER NOT NULL,
	source      TEXT NOT NULL,             -- "request" or "code"
	tried_guide INTEGER NOT NULL DEFAULT 0, -- the request came with a guide path
	guide_id    TEXT NOT NULL DEFAULT '',  -- the guide it came from
	taken_at    INTEGER NOT NULL DEFAULT 0 -- its first session's start
);
CREATE INDEX insight_requests_created ON insight_requests(created_at, source, tried_guide, taken_at);

CREATE TABLE insight_sessions (
	session_id TEXT PRIMARY KEY,
	request_id TEXT NOT NULL,
	tech_id    INTEGER NOT NULL,
	started_at INTEGER NOT NULL,
	ended_at   INTEGER NOT NULL DEFAULT 0,
	end_reason TEXT NOT NULL DEFAULT '',
	category   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX insight_sessions_started ON insight_sessions(started_at, tech_id, ended_at, end_reason, category);
CREATE INDEX insight_sessions_request ON insight_sessions(request_id);

CREATE TRIGGER insight_request_created AFTER INSERT ON help_requests BEGIN
	INSERT OR IGNORE INTO insight_requests (request_id, created_at, source, tried_guide, guide_id)
	VALUES (NEW.id, NEW.created_at, NEW.source, NEW.guide != '',
		CASE WHEN json_valid(NEW.guide) THEN coalesce(json_extract(NEW.guide, '$.guide_id'), '') ELSE '' END);
END;

CREATE TRIGGER insight_session_started AFTER INSERT ON sessions BEGIN
	INSERT OR IGNORE INTO insight_sessions (session_id, request_id, tech_id, started_at, ended_at, end_reason, category)
	VALUES (NEW.id, NEW.request_id, NEW.tech_id, NEW.started_at, NEW.ended_at, NEW.end_reason, NEW.category);
	UPDATE insight_requests SET taken_at = NEW.started_at WHERE request_id = NEW.request_id AND taken_at = 0;
END;

CREATE TRIGGER insight_session_changed AFTER UPDATE OF tech_id, ended_at, end_reason, category ON sessions BEGIN
	UPDATE insight_sessions SET tech_id = NEW.tech_id, ended_at = NEW.ended_at, end_reason = NEW.end_reason,
		category = NEW.category WHERE session_id = NEW.id;
END;

-- What the relay already holds.
INSERT INTO insight_requests (request_id, created_at, source, tried_guide, guide_id)
	SELECT id, created_at, source, guide != '',
		CASE WHEN json_valid(guide) THEN coalesce(json_extract(guide, '$.guide_id'), '') ELSE '' END FROM help_requests;
INSERT INTO insight_sessions (session_id, request_id, tech_id, started_at, ended_at, end_reason, category)
	SELECT id, request_id, tech_id, started_at, ended_at, end_reason, category FROM sessions;
UPDATE insight_requests SET taken_at = coalesce((SELECT min(started_at) FROM sessions WHERE request_id = insight_requests.request_id), 0);
