-- +goose Up
-- App passwords: what a WebDAV client (a file manager, LibreOffice, rclone) signs
-- in with, since ENT users sign in through SSO and have no password Cartable could
-- check. The secret is shown once and kept only as its SHA-256: it is 125 random
-- bits, so a fast hash is as safe as a slow one and lets a request find its row by
-- index.
CREATE TABLE app_passwords (
    id             uuid PRIMARY KEY,
    user_id        text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    hash           bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    hint           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    last_used_from text
);
CREATE INDEX app_passwords_user ON app_passwords (user_id, created_at);

-- +goose Down
DROP TABLE app_passwords;
