-- +goose Up
-- Searching items by name (GET /api/v1/search): a name matches when every word of
-- the query is found in it, folded by cartable_fold (case and accents off), so
-- "eleve" finds "Élève" and "xpos" finds "exposé.odt".
--
-- name_folded keeps the folded name: folding (a translate over a long table of
-- accented letters) costs tens of microseconds a name, too much to redo for every
-- candidate of every search. Two indexes serve searches:
--   - items_space_names reads the caller's spaces' names and keeps the matching ones
--     without visiting the table (an index-only scan): its cost is bounded by what
--     the caller has, however common the word is across the region ("exercice" is
--     in one name of ten, but a teacher has a few tens of thousands of items);
--   - items_name_trigrams (pg_trgm) finds, next to items_ancestors, the names below
--     the folders shared with the caller.
-- pg_trgm is in PostgreSQL's contrib and trusted: a database owner may create it
-- without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE items ADD COLUMN name_folded text GENERATED ALWAYS AS (cartable_fold(name)) STORED;
CREATE INDEX items_space_names ON items (space_id, name_folded) INCLUDE (id, modified_at) WHERE trashed_at IS NULL;
CREATE INDEX items_name_trigrams ON items USING gin (name_folded gin_trgm_ops) WHERE trashed_at IS NULL;

-- +goose Down
DROP INDEX items_name_trigrams;
DROP INDEX items_space_names;
ALTER TABLE items DROP COLUMN name_folded;
