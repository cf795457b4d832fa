-- +goose Up
-- A folder's mode says what the authors of a shared space (pupils in a class space,
-- teachers in the staff room) may change below it: standard (what they created),
-- collaborative (everything) or read_only (nothing). NULL: the folder follows its
-- parent. Few folders carry one, so the partial index that finds the mode in effect
-- for an item (its nearest marked ancestor) stays tiny.
ALTER TABLE items ADD COLUMN mode text;
-- NOT VALID: the new column is NULL everywhere, so there is nothing to check, and a
-- region's table is not scanned under an exclusive lock.
ALTER TABLE items ADD CONSTRAINT items_mode
    CHECK (mode IS NULL OR (mode IN ('standard', 'collaborative', 'read_only') AND kind = 'folder')) NOT VALID;
CREATE INDEX items_marked ON items (id) INCLUDE (mode, ancestors) WHERE mode IS NOT NULL;

-- +goose Down
DROP INDEX items_marked;
ALTER TABLE items DROP CONSTRAINT items_mode;
ALTER TABLE items DROP COLUMN mode;
