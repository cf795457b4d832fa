-- +goose Up
-- A resumable upload created with conflict=replace becomes, when it commits, the
-- next version of the file of its folder bearing its name (or a new file when the
-- name is free then).
ALTER TABLE uploads ADD COLUMN replace_file boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE uploads DROP COLUMN replace_file;
