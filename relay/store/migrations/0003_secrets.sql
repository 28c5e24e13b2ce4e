-- Secrets move out of the database into the relay's key file (relay.key).
-- One-time codes are now stored as HMAC-SHA256 under that key; a code
-- stored before is an unkeyed SHA-256 that no longer matches, so the open
-- ones are cancelled (a code lives 10 minutes; the technician makes a new
-- one). TOTP secrets stored in clear are encrypted by the relay on its
-- next start (they need the key, which SQL does not have).
UPDATE codes SET cancelled = 1 WHERE used_at = 0 AND cancelled = 0;

-- The newest TOTP time step accepted per technician: a login accepts a
-- step at most once and never an older one, across restarts.
ALTER TABLE technicians ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
