-- +goose Up
-- The GDPR export (package export) reads everything one person made, whatever the
-- space, the item or the structure. Migration 00033 (leavers) already indexes the
-- authors of items, grants, links and assignments, which the export reads too;
-- this one adds the audit log by actor, without which each export would read a
-- region's 9 months of downloads. It also serves the admins' ?actor= filter.
CREATE INDEX audit_log_actor ON audit_log (actor, at DESC, id DESC);

-- +goose Down
DROP INDEX audit_log_actor;
