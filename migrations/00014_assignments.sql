-- +goose Up
-- Assignments: a teacher hands out work to a class; each pupil works in copies of
-- the templates and hands in a pinned snapshot.

-- A pupil's work lives in the class space (so a copy shares its template's blob and
-- charges nothing until the pupil changes it), in a folder that hangs below no
-- folder of the space: no listing reaches it. private_to names the pupil that
-- folder is for: the members of the class space then get no role on it or below it
-- (see sharing.Decide); its pupil keeps theirs, the class's teachers theirs.
ALTER TABLE items ADD COLUMN private_to text;

CREATE TABLE assignments (
    id           uuid PRIMARY KEY,
    space_id     uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    instructions text NOT NULL DEFAULT '' CHECK (length(instructions) <= 20000),
    -- whole_class false: only the pupils listed in assignment_pupils.
    whole_class  boolean NOT NULL DEFAULT true,
    due_at       timestamptz NOT NULL,
    close_at     timestamptz CHECK (close_at >= due_at),
    late_allowed boolean NOT NULL DEFAULT false,
    max_points   numeric(6, 2) CHECK (max_points > 0),
    -- A draft with publish_at is published by a job once the time comes.
    publish_at   timestamptz,
    published_at timestamptz,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    revision     bigint NOT NULL DEFAULT 1
);
CREATE INDEX assignments_space ON assignments (space_id, due_at);
CREATE INDEX assignments_scheduled ON assignments (publish_at) WHERE published_at IS NULL AND publish_at IS NOT NULL;

-- The pupils of an assignment given to part of a class.
CREATE TABLE assignment_pupils (
    assignment_id uuid NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    pupil_id      text NOT NULL,
    PRIMARY KEY (assignment_id, pupil_id)
);

-- Materials (read in place by the class) and templates (copied per pupil).
CREATE TABLE assignment_attachments (
    assignment_id uuid NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    item_id       uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('material', 'template')),
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assignment_id, item_id)
);

-- One row per pupil who received the assignment: their private folder and where
-- their work stands. returned_at/excused_at are a teacher's decisions.
CREATE TABLE assignment_work (
    assignment_id uuid NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    pupil_id      text NOT NULL,
    folder_id     uuid REFERENCES items (id) ON DELETE SET NULL,
    handed_out_at timestamptz NOT NULL DEFAULT now(),
    opened_at     timestamptz,
    returned_at   timestamptz,
    feedback      text CHECK (length(feedback) <= 20000),
    points        numeric(6, 2),
    excused_at    timestamptz,
    PRIMARY KEY (assignment_id, pupil_id)
);
CREATE INDEX assignment_work_pupil ON assignment_work (pupil_id);
CREATE INDEX assignment_work_folder ON assignment_work (folder_id);

-- Every hand-in, kept as history; the live one has no taken_back_at. At most one is
-- live per pupil: two hand-ins racing end with one of them refused.
CREATE TABLE handins (
    id            uuid PRIMARY KEY,
    assignment_id uuid NOT NULL,
    pupil_id      text NOT NULL,
    handed_in_at  timestamptz NOT NULL,
    late          boolean NOT NULL,
    taken_back_at timestamptz,
    FOREIGN KEY (assignment_id, pupil_id) REFERENCES assignment_work (assignment_id, pupil_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX handins_live ON handins (assignment_id, pupil_id) WHERE taken_back_at IS NULL;

-- The versions a hand-in pinned: what the teacher received, whatever the pupil
-- changes afterwards. Name and size are kept as they were.
CREATE TABLE handin_files (
    handin_id  uuid NOT NULL REFERENCES handins (id) ON DELETE CASCADE,
    item_id    uuid NOT NULL,
    version_id uuid REFERENCES versions (id) ON DELETE SET NULL,
    name       text NOT NULL,
    size       bigint NOT NULL,
    mime_type  text NOT NULL,
    PRIMARY KEY (handin_id, item_id)
);

-- Assignment events go through the same outbox; item_id is then the assignment's id.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('share', 'unshare', 'drop', 'assignment_published', 'assignment_handed_in', 'assignment_returned'));

-- +goose Down
DELETE FROM events WHERE kind LIKE 'assignment_%';
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('share', 'unshare', 'drop'));
DROP TABLE handin_files;
DROP TABLE handins;
DROP TABLE assignment_work;
DROP TABLE assignment_attachments;
DROP TABLE assignment_pupils;
DROP TABLE assignments;
ALTER TABLE items DROP COLUMN private_to;
