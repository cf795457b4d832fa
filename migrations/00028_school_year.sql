-- +goose Up
-- The school year. At the summer rollover a class space is archived: read-only for
-- everyone, kept until purge_after, then trashed by the retention job. An archived
-- space lets go of its group (group_id NULL, former_group_id kept for the record),
-- so that the group, whether the ENT keeps its id for next year's class or
-- recreates it, gets a fresh space made from the establishment's folder template.
-- Who may still read it is frozen at archive time in space_archive_members: last
-- year's pupils and teachers, not next year's.
ALTER TABLE spaces
    ADD COLUMN archived_at     timestamptz,
    ADD COLUMN archived_label  text,
    ADD COLUMN archived_by     text,
    ADD COLUMN purge_after     timestamptz,
    ADD COLUMN former_group_id text;
-- A group space holds its group while live; an archived one may have let it go.
ALTER TABLE spaces DROP CONSTRAINT spaces_check1;
ALTER TABLE spaces ADD CONSTRAINT spaces_group_kind
    CHECK ((kind = 'group' AND (group_id IS NOT NULL OR archived_at IS NOT NULL))
        OR (kind <> 'group' AND group_id IS NULL));
ALTER TABLE spaces ADD CONSTRAINT spaces_archive_kind
    CHECK (archived_at IS NULL OR (kind = 'group' AND purge_after IS NOT NULL));
-- The retention job finds what is due without scanning live spaces.
CREATE INDEX spaces_archived_idx ON spaces (purge_after) WHERE archived_at IS NOT NULL;

CREATE TABLE space_archive_members (
    space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    user_id  text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile  text NOT NULL CHECK (profile IN ('Student', 'Teacher', 'Relative', 'Personnel', 'Guest')),
    PRIMARY KEY (space_id, user_id)
);
-- LoadCaller reads a user's former classes on every request.
CREATE INDEX space_archive_members_user_idx ON space_archive_members (user_id);

-- A structure's rollovers, one per year label: asking again for the same year does
-- nothing (the classes provisioned since are next year's).
CREATE TABLE structure_rollovers (
    structure_id text NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    year_label   text NOT NULL,
    archived     integer NOT NULL,
    done_by      text,
    done_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (structure_id, year_label)
);

-- The folders every new class space of a structure starts with ("Cours",
-- "Devoirs", "Cours/Chapitre 1"), edited by its local admins.
CREATE TABLE folder_templates (
    structure_id text PRIMARY KEY REFERENCES structures (id) ON DELETE CASCADE,
    folders      text[] NOT NULL,
    updated_by   text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE folder_templates;
DROP TABLE structure_rollovers;
DROP TABLE space_archive_members;
DROP INDEX spaces_archived_idx;
DELETE FROM spaces WHERE group_id IS NULL AND kind = 'group';
ALTER TABLE spaces DROP CONSTRAINT spaces_archive_kind;
ALTER TABLE spaces DROP CONSTRAINT spaces_group_kind;
ALTER TABLE spaces ADD CONSTRAINT spaces_check1 CHECK ((kind = 'group') = (group_id IS NOT NULL));
ALTER TABLE spaces
    DROP COLUMN archived_at,
    DROP COLUMN archived_label,
    DROP COLUMN archived_by,
    DROP COLUMN purge_after,
    DROP COLUMN former_group_id;
