-- +goose Up
-- Embeds: capability URLs that publish one version of one file (an image, a video, a
-- sound) in a blog or a wiki page, to whoever reads it, without an account. The token
-- is kept only as its SHA-256: the URL is shown once, at creation. An embed serves
-- its version whatever is uploaded after; deleting the row (revocation) ends it at
-- once, and so does purging the file or the version (the cascades).
CREATE TABLE embeds (
    id          uuid PRIMARY KEY,
    item_id     uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    version_id  uuid NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    mime_type   text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- A file's embeds, oldest first, by keyset.
CREATE INDEX embeds_item_idx ON embeds (item_id, created_at, id);
-- Purging a version deletes its embeds without scanning the table.
CREATE INDEX embeds_version_idx ON embeds (version_id);

-- Embeds made and revoked go through the events outbox, for the portal's feed.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('share', 'unshare', 'drop', 'assignment_published', 'assignment_handed_in', 'assignment_returned',
                    'embed_created', 'embed_revoked'));

-- +goose Down
DELETE FROM events WHERE kind LIKE 'embed_%';
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('share', 'unshare', 'drop', 'assignment_published', 'assignment_handed_in', 'assignment_returned'));
DROP TABLE embeds;
