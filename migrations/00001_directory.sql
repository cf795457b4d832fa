-- +goose Up
-- The directory: establishments, people and groups as provisioned by the ENT.

CREATE TABLE structures (
    id          text PRIMARY KEY,
    uai         text NOT NULL UNIQUE CHECK (uai ~ '^[0-9]{7}[A-Z]$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                   text PRIMARY KEY,
    display_name         text NOT NULL,
    profile              text NOT NULL CHECK (profile IN ('Student', 'Teacher', 'Relative', 'Personnel', 'Guest')),
    primary_structure_id text REFERENCES structures (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_structures (
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    structure_id text NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    local_admin  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, structure_id)
);
CREATE INDEX user_structures_structure_idx ON user_structures (structure_id);

CREATE TABLE groups (
    id           text PRIMARY KEY,
    structure_id text NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('class', 'teaching_group', 'manual')),
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX groups_structure_idx ON groups (structure_id);

CREATE TABLE group_members (
    group_id text NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile  text NOT NULL CHECK (profile IN ('Student', 'Teacher', 'Relative', 'Personnel', 'Guest')),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

-- +goose Down
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE user_structures;
DROP TABLE users;
DROP TABLE structures;
