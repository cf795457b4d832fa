-- +goose Up
-- Assignments, continued: corrected files returned to a pupil, deleting (and
-- restoring) an assignment, and the versions a hand-in pinned kept while the
-- assignment exists.

-- A deleted assignment is hidden from its pupils and its folders are in the class
-- space's trash; a teacher may restore it until that trash is purged.
ALTER TABLE assignments ADD COLUMN deleted_at timestamptz, ADD COLUMN deleted_by text;

-- The pupil's read-only private folder holding what the teacher returned to them
-- (corrected files): copies sharing the teacher's blobs, created by the teacher.
ALTER TABLE assignment_work ADD COLUMN corrected_folder_id uuid REFERENCES items (id) ON DELETE SET NULL;

-- The triggers and purges below look a version up by it.
CREATE INDEX handin_files_version ON handin_files (version_id) WHERE version_id IS NOT NULL;

-- pinned_versions is the workspace's one view of what hand-ins hold: the versions a
-- hand-in (live or taken back) of an assignment not deleted pinned. The workspace
-- never purges them; deleting the assignment releases them (its folders then go
-- through the trash like anything else).
CREATE VIEW pinned_versions AS
    SELECT f.version_id
    FROM handin_files f
    JOIN handins h ON h.id = f.handin_id
    JOIN assignments a ON a.id = h.assignment_id
    WHERE f.version_id IS NOT NULL AND a.deleted_at IS NULL;

-- +goose StatementBegin
-- versions_keep_pinned refuses to delete a pinned version, whatever the path: a
-- purge, a retention job or a route written later. The purges leave pinned items
-- alone before they get here; this is the backstop. A version whose space is being
-- deleted (a class removed by provisioning, its assignments with it) is let go.
CREATE FUNCTION versions_keep_pinned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pinned_versions WHERE version_id = OLD.id)
       AND EXISTS (SELECT 1 FROM spaces WHERE id = OLD.space_id) THEN
        RAISE EXCEPTION 'version % is pinned by a hand-in', OLD.id USING ERRCODE = 'CP001';
    END IF;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER versions_keep_pinned BEFORE DELETE ON versions FOR EACH ROW EXECUTE FUNCTION versions_keep_pinned();

-- +goose Down
DROP TRIGGER versions_keep_pinned ON versions;
DROP FUNCTION versions_keep_pinned();
DROP VIEW pinned_versions;
DROP INDEX handin_files_version;
ALTER TABLE assignment_work DROP COLUMN corrected_folder_id;
ALTER TABLE assignments DROP COLUMN deleted_at, DROP COLUMN deleted_by;
