-- +goose Up
-- Recent files: the last time each user opened (downloaded, read in the office
-- editor or over WebDAV) or changed (a new file, a new version) each file. One row
-- per (user, item), overwritten: a hot file costs an upsert, never a growing log.
-- The hourly job keeps the latest recentKeep rows per user (see workspace/recent.go).
CREATE TABLE recent_items (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    action  text NOT NULL CHECK (action IN ('opened', 'changed')),
    at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, item_id)
);
-- The list, newest first, by keyset.
CREATE INDEX recent_items_user_at_idx ON recent_items (user_id, at DESC, item_id DESC);
-- Purging an item deletes its rows without scanning the table.
CREATE INDEX recent_items_item_idx ON recent_items (item_id);

-- Favourites: the items a user starred, newest star first.
CREATE TABLE favorites (
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id    uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, item_id)
);
CREATE INDEX favorites_user_created_idx ON favorites (user_id, created_at DESC, item_id DESC);
CREATE INDEX favorites_item_idx ON favorites (item_id);

-- +goose Down
DROP TABLE favorites;
DROP TABLE recent_items;
