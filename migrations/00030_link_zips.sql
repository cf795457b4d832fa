-- +goose Up
-- A link's visitor may download the link's folder as one zip too: a selection is
-- then the link's (no user), and goes with it when the link is revoked.
ALTER TABLE zip_selections ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE zip_selections ADD COLUMN link_id uuid REFERENCES links (id) ON DELETE CASCADE;
ALTER TABLE zip_selections ADD CONSTRAINT zip_selections_one_holder CHECK ((user_id IS NULL) <> (link_id IS NULL));
CREATE INDEX zip_selections_link ON zip_selections (link_id) WHERE link_id IS NOT NULL;

-- +goose Down
DELETE FROM zip_selections WHERE link_id IS NOT NULL;
DROP INDEX zip_selections_link;
ALTER TABLE zip_selections DROP CONSTRAINT zip_selections_one_holder;
ALTER TABLE zip_selections DROP COLUMN link_id;
ALTER TABLE zip_selections ALTER COLUMN user_id SET NOT NULL;
