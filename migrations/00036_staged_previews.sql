-- +goose Up
-- A file's first render comes in stages (small thumbnails for the whole queue
-- first, then medium, then large): a preview is ready, and served, from its first
-- stage on; complete says whether every size is there or more are on their way.
-- Renders recorded before stages are complete.
ALTER TABLE previews ADD COLUMN complete boolean NOT NULL DEFAULT true;
-- The sweep also looks for renders left part-way by a job that died.
CREATE INDEX previews_partial ON previews (updated_at) WHERE state = 'ready' AND NOT complete;

-- +goose Down
DROP INDEX previews_partial;
ALTER TABLE previews DROP COLUMN complete;
