-- +goose Up
-- The first of three steps that partition the audit log by month (00040) without
-- holding its writes: attaching the log's table as a partition has PostgreSQL
-- check that every line lies before the partition's bound, a scan of the whole
-- table while every download waits. A CHECK constraint already validated spares
-- that scan. This step adds it NOT VALID (no scan, a moment's lock); 00039
-- validates it with a lock that lets writes through; 00040 attaches the table.
--
-- The bound leaves two months ahead of the newest line and of now, in UTC: the
-- lines logged meanwhile (at = now()) must pass it until 00040 runs, whatever
-- the month when the deployment applies the three. It is kept for 00040.
-- +goose StatementBegin
DO $$
DECLARE
    upto timestamptz;
BEGIN
    PERFORM set_config('TimeZone', 'UTC', true); -- months in UTC, whatever the server's zone
    SELECT greatest(date_trunc('month', now()) + interval '2 months',
                    date_trunc('month', max(at)) + interval '1 month')
        INTO upto FROM audit_log;
    CREATE TABLE audit_log_partitioning (upto timestamptz NOT NULL);
    INSERT INTO audit_log_partitioning VALUES (upto);
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT audit_log_before_partitioning CHECK (at < %L) NOT VALID', upto);
END $$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_before_partitioning;
DROP TABLE IF EXISTS audit_log_partitioning;
