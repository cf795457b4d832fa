-- +goose Up
-- An upload's S3 multipart upload is created when its first bytes arrive, not at
-- creation: tus_id is tusd's id of it ("<object id>+<multipart id>") once it exists,
-- NULL while no byte has come (or when the whole file came in one request, stored
-- with one PutObject). metadata is the Upload-Metadata header, answered on HEAD.
-- length_deferred: the client has not said the length yet (its reservation grows with
-- the bytes it sends). concat: '' for a plain upload, 'partial' for a part of a
-- concatenation, the Upload-Concat header of a final one.
ALTER TABLE uploads
    ADD COLUMN tus_id text,
    ADD COLUMN metadata text NOT NULL DEFAULT '',
    ADD COLUMN length_deferred boolean NOT NULL DEFAULT false,
    ADD COLUMN concat text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE uploads DROP COLUMN tus_id, DROP COLUMN metadata, DROP COLUMN length_deferred, DROP COLUMN concat;
