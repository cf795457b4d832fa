-- +goose Up
-- The audit log: who read, downloaded, shared, unshared, moved, trashed and purged
-- what, when and from which address (package audit). Append-only: rows are only
-- inserted, and deleted by the retention job once older than CARTABLE_AUDIT_RETENTION.
--
-- A plain table, not partitioned by month: a write is one INSERT touching the heap
-- and two btrees, and the retention job deletes in batches along the time index.
-- Monthly partitions would make the purge a DROP, but need a job that creates next
-- month's partition ahead of time (a missing one fails every write, downloads and
-- shares included) and an index per partition; at the sizes expected (see the
-- README, "Audit log") batched deletes are cheap enough.
--
-- No foreign keys on purpose: the log outlives the items, users, spaces and
-- structures it names (a purge is logged, and must stay readable after it).
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    at            timestamptz NOT NULL DEFAULT now(),
    -- A user id, "link:<id>" for a link's visitor, "embed:<id>" for an embed.
    actor         text NOT NULL,
    action        text NOT NULL,
    item_id       uuid,
    -- The item's name when the action took place.
    item_name     text NOT NULL DEFAULT '',
    space_id      uuid,
    -- The structure the item's space is charged to: a structure admin reads theirs.
    structure_id  text,
    -- The client's address, as the API computes it (X-Forwarded-For from trusted proxies only).
    address       inet,
    details       jsonb
);
-- A structure admin's page: an index scan by structure, newest first.
CREATE INDEX audit_log_structure ON audit_log (structure_id, at DESC, id DESC);
-- The region's page, newest first, and the retention job's oldest rows.
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);

-- +goose Down
DROP TABLE audit_log;
