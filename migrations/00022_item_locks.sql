-- +goose Up
-- Write locks on items, taken by office editors (WOPI) and WebDAV clients (LOCK).
-- One lock per item at most; a lock whose expires_at has passed is no lock, and
-- the next taker overwrites its row. A WOPI lock is shared by the co-editors of a
-- document (they all present its token); a WebDAV lock belongs to its owner.
-- deep: a WebDAV "Depth: infinity" lock on a folder, which covers what is below.
CREATE TABLE item_locks (
    item_id    uuid PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    token      text NOT NULL CHECK (length(token) BETWEEN 1 AND 1024),
    protocol   text NOT NULL CHECK (protocol IN ('wopi', 'dav')),
    owner_id   text NOT NULL,
    app        text NOT NULL DEFAULT '' CHECK (length(app) <= 1024),
    deep       boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE item_locks;
