-- +goose Up
-- Thumbnails, one record per blob (copies share their blob, and so their previews).
-- A record is pending from the transaction that commits the version until its job
-- ends: ready with the renditions' object keys, or failed with a stable code.
-- Deleting the blob deletes the record; the collector deletes the objects.
CREATE TABLE previews (
    blob_id        uuid PRIMARY KEY REFERENCES blobs (id) ON DELETE CASCADE,
    state          text NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
    -- The name of the recorded render ('' before the first): the folder of its
    -- objects, the token of the thumbnail URLs and ETags, and what a render checks
    -- it replaces before recording itself.
    render         text NOT NULL DEFAULT '',
    -- [{size, format, key, width, height, bytes}]
    renditions     jsonb NOT NULL DEFAULT '[]',
    failure_code   text,
    failure_detail text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- The sweep looks for previews left pending by a job that died.
CREATE INDEX previews_pending ON previews (updated_at) WHERE state = 'pending';

-- +goose Down
DROP TABLE previews;
