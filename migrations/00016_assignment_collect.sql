-- +goose Up
-- What a teacher collects as one zip: the hand-ins decided when the signed URL was
-- made. The URL names the collection, and its GET serves those hand-ins and no
-- other: a pupil who hands in afterwards is in the next collect, a pupil left out
-- of a subset stays out. Rows live as long as their URL and are cleared as new
-- ones come, like zip_selections.
CREATE TABLE assignment_collections (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    handin_ids    uuid[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX assignment_collections_expiry ON assignment_collections (expires_at);

-- +goose Down
DROP TABLE assignment_collections;
