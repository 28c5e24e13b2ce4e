-- The guide a person started in, on an outcome reached in a guide an
-- answer led them to (protocol.InsightEvent.from_guide_id): which guides
-- hand people on, and where to.
ALTER TABLE insight_events ADD COLUMN from_guide_id TEXT NOT NULL DEFAULT '';
