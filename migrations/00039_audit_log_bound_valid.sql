-- +goose Up
-- The second step of the audit log's partitioning (see 00038): the bound checked
-- on every line, with a SHARE UPDATE EXCLUSIVE lock, under which the log's writes
-- go on. (A transaction of its own: 00038's lock is gone.)
ALTER TABLE audit_log VALIDATE CONSTRAINT audit_log_before_partitioning;

-- +goose Down
SELECT 1;
