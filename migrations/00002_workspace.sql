-- +goose Up
-- The workspace: spaces, their item trees, file versions and the blobs behind them.

CREATE TABLE spaces (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('personal', 'group', 'structure')),
    name          text NOT NULL,
    -- The structure whose pool the space's bytes are charged to.
    structure_id  text REFERENCES structures (id) ON DELETE SET NULL,
    owner_id      text UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    group_id      text UNIQUE REFERENCES groups (id) ON DELETE CASCADE,
    root_id       uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'personal') = (owner_id IS NOT NULL)),
    CHECK ((kind = 'group') = (group_id IS NOT NULL))
);
CREATE UNIQUE INDEX spaces_one_per_structure ON spaces (structure_id) WHERE kind = 'structure';

-- Blobs are immutable S3 objects. A row is written before the object (pending_until set),
-- so that a crash between the two leaves a row the collector can find; committing the
-- version clears pending_until. A blob with no version is deleted by the collector.
CREATE TABLE blobs (
    id            uuid PRIMARY KEY,
    key           text NOT NULL UNIQUE,
    size          bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    sha256        bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    pending_until timestamptz
);
CREATE INDEX blobs_pending_idx ON blobs (pending_until) WHERE pending_until IS NOT NULL;

CREATE TABLE items (
    id                 uuid PRIMARY KEY,
    space_id           uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    parent_id          uuid REFERENCES items (id) ON DELETE CASCADE,
    -- Ids from the space root down to the parent: inheritance and subtree operations
    -- read it instead of walking the tree.
    ancestors          uuid[] NOT NULL DEFAULT '{}',
    kind               text NOT NULL CHECK (kind IN ('file', 'folder')),
    name               text NOT NULL,
    -- Case-folded NFC name, the key of sibling uniqueness.
    name_key           text NOT NULL,
    size               bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    mime_type          text,
    current_version_id uuid,
    revision           bigint NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    created_by         text,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    modified_by        text,
    trashed_at         timestamptz,
    trashed_by         text,
    -- The item the user trashed; its whole subtree shares it and comes back with it.
    trash_root_id      uuid,
    -- Where a trashed item lived, to restore it there.
    trashed_from_id    uuid,
    CHECK ((kind = 'folder') = (current_version_id IS NULL))
);
CREATE UNIQUE INDEX items_sibling_name ON items (parent_id, name_key) WHERE trashed_at IS NULL;
-- Listing a folder by name, folders first, reads this index in order (no sort).
CREATE INDEX items_children_name ON items (parent_id, (kind = 'file'), name_key, id) WHERE trashed_at IS NULL;
CREATE INDEX items_ancestors ON items USING gin (ancestors);
CREATE INDEX items_trash ON items (space_id, trashed_at) WHERE trashed_at IS NOT NULL AND id = trash_root_id;
CREATE INDEX items_trash_root ON items (trash_root_id) WHERE trash_root_id IS NOT NULL;

ALTER TABLE spaces ADD CONSTRAINT spaces_root_fk FOREIGN KEY (root_id) REFERENCES items (id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE versions (
    id          uuid PRIMARY KEY,
    item_id     uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    number      int NOT NULL,
    -- RESTRICT: the database itself refuses to forget a blob some version still needs.
    blob_id     uuid NOT NULL REFERENCES blobs (id) ON DELETE RESTRICT,
    size        bigint NOT NULL CHECK (size >= 0),
    sha256      bytea NOT NULL,
    mime_type   text NOT NULL,
    created_by  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, number)
);
CREATE INDEX versions_blob_idx ON versions (blob_id);

ALTER TABLE items ADD CONSTRAINT items_current_version_fk FOREIGN KEY (current_version_id) REFERENCES versions (id) DEFERRABLE INITIALLY DEFERRED;

-- +goose Down
ALTER TABLE items DROP CONSTRAINT items_current_version_fk;
DROP TABLE versions;
ALTER TABLE spaces DROP CONSTRAINT spaces_root_fk;
DROP TABLE items;
DROP TABLE blobs;
DROP TABLE spaces;
