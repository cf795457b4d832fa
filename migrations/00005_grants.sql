-- +goose Up
-- Grants: a role on an item given to a user, a group (optionally narrowed to one
-- profile: "6A — students") or a whole structure narrowed to one profile ("teachers
-- of the collège"). A grant is stored once, on the item it was given on; it applies
-- to everything below through the items' ancestors, so a move changes what applies.
CREATE TABLE grants (
    id           uuid PRIMARY KEY,
    item_id      uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    grantee_kind text NOT NULL CHECK (grantee_kind IN ('user', 'group', 'structure', 'link')),
    grantee_id   text NOT NULL,
    profile      text CHECK (profile IN ('Student', 'Teacher', 'Relative', 'Personnel', 'Guest')),
    role         text NOT NULL CHECK (role IN ('viewer', 'contributor', 'manager')),
    granted_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    CHECK (grantee_kind <> 'user' OR profile IS NULL),
    CHECK (grantee_kind <> 'structure' OR profile IS NOT NULL),
    UNIQUE NULLS NOT DISTINCT (item_id, grantee_kind, grantee_id, profile)
);
-- "What is shared with me": grants by grantee.
CREATE INDEX grants_grantee ON grants (grantee_kind, grantee_id);

-- Links: capability URLs to one item. Each link is also a grant (grantee_kind
-- 'link'), so the one access decision covers it and revoking is deleting the grant.
-- Only the SHA-256 of the token is kept; the token is shown once, at creation.
CREATE TABLE links (
    id            uuid PRIMARY KEY,
    item_id       uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    grant_id      uuid NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('view', 'upload')),
    token_hash    bytea NOT NULL UNIQUE,
    password_hash text,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX links_item ON links (item_id);

-- +goose Down
DROP TABLE links;
DROP TABLE grants;
