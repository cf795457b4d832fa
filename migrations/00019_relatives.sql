-- +goose Up
-- A parent's children, as the ENT provisions them (a Relative user's "children"):
-- what lets a parent follow their child's assignments. Deleting either user takes
-- the link along; a re-import replaces a parent's set.
CREATE TABLE user_children (
    relative_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    child_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (relative_id, child_id),
    CHECK (relative_id <> child_id)
);
-- A pupil's parents, when the pupil's profile changes or the pupil goes.
CREATE INDEX user_children_child ON user_children (child_id);

-- +goose Down
DROP TABLE user_children;
