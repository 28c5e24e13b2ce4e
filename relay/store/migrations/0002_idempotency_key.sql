-- A desktop client that kept a help request while the relay was unreachable
-- sends it with a key chosen once per request; a repeated submit with the
-- same key returns the original request instead of creating a second one.
ALTER TABLE help_requests ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX help_requests_idempotency_key ON help_requests(idempotency_key) WHERE idempotency_key IS NOT NULL;
