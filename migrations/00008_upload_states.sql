-- +goose Up
-- An upload's S3 multipart upload is created when its first bytes arrive, not at
-- creation: tus_id is tusd's id of it ("<object id>+<multipart id>") once it exists,
-- NULL while no byte has come (or when the whole file came in one request, stored
-- with one PutObject). metadata is the Upload-Metadata header, answered on HEAD.
ALTER TABLE uploads ADD COLUMN tus_id text, ADD COLUMN metadata text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE uploads DROP COLUMN tus_id, DROP COLUMN metadata;
