-- +goose Up
-- Antivirus: every blob written while clamd is configured is scanned before anyone
-- else reads it or a thumbnail is rendered from it. The state lives on the blob, not
-- the item: copies and restored versions share a blob, and so its verdict.
--   NULL       written before antivirus was on, or with it off: served as before;
--   pending    waiting for its scan: only its uploader may read it;
--   clean      scanned, nothing found;
--   infected   quarantined: nobody downloads it, no thumbnail, never rewritten;
--   unscanned  clamd did not answer and the setting is to fail open: served, and
--              scanned again as soon as clamd answers.
-- Adding nullable columns rewrites nothing: the migration is instant on a large table.
ALTER TABLE blobs
    ADD COLUMN scan text CHECK (scan IN ('pending', 'clean', 'infected', 'unscanned')),
    ADD COLUMN scan_signature text,
    ADD COLUMN scanned_at timestamptz;
-- The catch-up scan looks for what fail-open let through; the quarantine report for
-- what was found. Both are a handful of rows among millions.
CREATE INDEX blobs_scan_unscanned ON blobs (created_at) WHERE scan = 'unscanned';
CREATE INDEX blobs_scan_infected ON blobs (scanned_at) WHERE scan = 'infected';

-- A quarantine is told on the events feed: to the uploader, and to the structure
-- (its admins), each an event of its own.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('share', 'unshare', 'drop', 'assignment_published', 'assignment_handed_in', 'assignment_returned',
                    'embed_created', 'embed_revoked', 'infected'));

-- +goose Down
DELETE FROM events WHERE kind = 'infected';
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('share', 'unshare', 'drop', 'assignment_published', 'assignment_handed_in', 'assignment_returned',
                    'embed_created', 'embed_revoked'));
DROP INDEX blobs_scan_infected;
DROP INDEX blobs_scan_unscanned;
ALTER TABLE blobs DROP COLUMN scanned_at, DROP COLUMN scan_signature, DROP COLUMN scan;
