-- +goose Up
-- Who sent a blob's bytes: while the blob waits for its antivirus scan only they may
-- read it. A version's author is not them when the version reuses the blob (a copy,
-- a restored version, a hand-out's copy), and must not be let through.
ALTER TABLE blobs ADD COLUMN uploaded_by text;
-- The antivirus catch-up looks for files pending for long as well as unscanned ones.
CREATE INDEX blobs_scan_waiting ON blobs (created_at) WHERE scan IN ('pending', 'unscanned');
DROP INDEX blobs_scan_unscanned;

-- +goose Down
CREATE INDEX blobs_scan_unscanned ON blobs (created_at) WHERE scan = 'unscanned';
DROP INDEX blobs_scan_waiting;
ALTER TABLE blobs DROP COLUMN uploaded_by;
