-- +goose Up
-- Searching items by name (GET /api/v1/search): a name matches when every word of
-- the query is found in it, folded by cartable_fold (case and accents off), so
-- "eleve" finds "Élève" and "xpos" finds "exposé.odt".
--
-- One GIN index serves every search: on the space (btree_gin) and on the trigrams of
-- the folded name (pg_trgm). A search reads only the caller's spaces' entries of the
-- query's trigrams, however common the word is across the region; a query of short
-- words (under three letters, which have no trigram) still reads only the caller's
-- spaces. Items under a shared folder are found through items_ancestors and the
-- trigrams. Both extensions are in PostgreSQL's contrib and trusted: a database
-- owner may create them without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX items_name_search ON items USING gin (space_id, cartable_fold(name) gin_trgm_ops) WHERE trashed_at IS NULL;

-- +goose Down
DROP INDEX items_name_search;
