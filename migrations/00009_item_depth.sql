-- +goose Up
-- Folders nest at most 64 deep: deeper trees break zip exports, WebDAV clients and
-- Windows paths long before, and each level costs every access decision below it.
-- NOT VALID: a tree that is deeper already stays as it is; nothing new goes deeper.
ALTER TABLE items ADD CONSTRAINT items_depth CHECK (cardinality(ancestors) <= 64) NOT VALID;

-- +goose Down
ALTER TABLE items DROP CONSTRAINT items_depth;
