-- +goose Up
-- Resumable uploads (tus). The upload's bytes live in S3 under tusd's s3store; this
-- row is what Cartable knows of it: who may continue it, where it goes, the quota it
-- holds, the pending blob its final object becomes, and the item once committed.
CREATE TABLE uploads (
    object_id         uuid PRIMARY KEY,
    owner_id          text NOT NULL,
    space_id          uuid NOT NULL,
    parent_id         uuid,
    item_id           uuid,
    name              text,
    auto_rename       boolean NOT NULL DEFAULT false,
    size              bigint NOT NULL CHECK (size >= 0),
    reservation_id    uuid,
    blob_id           uuid NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    committed_item_id uuid,
    committed_etag    text,
    committed_at      timestamptz,
    CHECK ((parent_id IS NULL) <> (item_id IS NULL))
);
CREATE INDEX uploads_expiry ON uploads (expires_at);

-- A tus upload's hash is computed after it is committed, by a job, so that finishing
-- a 2 GB upload does not read it back while the client waits.
ALTER TABLE versions ALTER COLUMN sha256 DROP NOT NULL;

-- +goose Down
ALTER TABLE versions ALTER COLUMN sha256 SET NOT NULL;
DROP TABLE uploads;
