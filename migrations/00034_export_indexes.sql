-- +goose Up
-- The GDPR export (package export) reads everything one person made, whatever the
-- space, the item or the structure: without these indexes each export would read
-- the whole items, grants and links tables and the whole audit log (a region's 9
-- months of downloads). Exports are rare; the indexes are what makes one take
-- milliseconds rather than a scan of the largest tables. The one on the audit log
-- also serves the admins' ?actor= filter.
CREATE INDEX items_created_by ON items (created_by) WHERE created_by IS NOT NULL AND trashed_at IS NULL;
CREATE INDEX grants_granted_by ON grants (granted_by);
CREATE INDEX links_created_by ON links (created_by);
CREATE INDEX audit_log_actor ON audit_log (actor, at DESC, id DESC);
CREATE INDEX assignments_created_by ON assignments (created_by);

-- +goose Down
DROP INDEX audit_log_actor;
DROP INDEX assignments_created_by;
DROP INDEX links_created_by;
DROP INDEX grants_granted_by;
DROP INDEX items_created_by;
