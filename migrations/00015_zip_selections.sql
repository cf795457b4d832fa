-- +goose Up
-- What a user asked to download as one zip: the signed URL names the selection,
-- not its items (a URL of a thousand ids would be too long for proxies). Rows live
-- as long as their URL and are cleared as new ones come.
CREATE TABLE zip_selections (
    id         uuid PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_ids   uuid[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX zip_selections_expiry ON zip_selections (expires_at);

-- +goose Down
DROP TABLE zip_selections;
