-- +goose Up
-- The audit log, partitioned by month of `at` (UTC), so that the retention job
-- drops a month past the retention whole instead of deleting its lines in batches:
-- at the region's scale 4.7 million lines a school day, 47 million at ten times
-- that, the heaviest vacuum work of the database (deploy/CAPACITY.md, section 8).
--
-- The lines logged before this migration are not copied: the table they are in
-- becomes the partition of everything before the bound 00038 chose and 00039
-- validated (two months ahead: this month's lines and the next's go on into it),
-- audit_log_upto_yYYYYmMM with that bound in its name, dropped once the bound
-- passes the retention. Its validated CHECK spares the attachment a scan of the
-- whole table under a lock that every download would wait for. The month from the
-- bound gets its partition here; the retention job keeps two months ahead
-- (audit.EnsurePartitions). A line whose month has no
-- partition (the job stopped for months) goes to audit_log_default: a write never
-- fails for want of a partition, and the batched purge still deletes it in time.
-- +goose StatementBegin
DO $$
DECLARE
    this_month timestamptz;
    upto timestamptz;
    next_id bigint;
    old_name text;
    m timestamptz;
BEGIN
    PERFORM set_config('TimeZone', 'UTC', true); -- months in UTC, whatever the server's zone
    this_month := date_trunc('month', now());
    SELECT p.upto INTO upto FROM audit_log_partitioning p;
    ALTER TABLE audit_log RENAME TO audit_log_old;
    ALTER INDEX audit_log_structure RENAME TO audit_log_old_structure;
    ALTER INDEX audit_log_at RENAME TO audit_log_old_at;
    ALTER INDEX audit_log_actor RENAME TO audit_log_old_actor;
    SELECT coalesce(max(id), 0) + 1 INTO next_id FROM audit_log_old;
    -- A partition takes its ids from the partitioned table's identity.
    ALTER TABLE audit_log_old ALTER COLUMN id DROP IDENTITY;

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
    ) PARTITION BY RANGE (at);
    EXECUTE format('ALTER TABLE audit_log ALTER COLUMN id RESTART WITH %s', next_id);

    old_name := 'audit_log_upto_' || to_char(upto AT TIME ZONE 'UTC', '"y"YYYY"m"MM');
    EXECUTE format('ALTER TABLE audit_log_old RENAME TO %I', old_name);
    EXECUTE format('ALTER TABLE audit_log ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', old_name, upto);
    -- Its work is done: the partition's bound says the same.
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT audit_log_before_partitioning', old_name);
    DROP TABLE audit_log_partitioning;
    m := upto;
    WHILE m <= this_month + interval '2 months' LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
            'audit_log_' || to_char(m AT TIME ZONE 'UTC', '"y"YYYY"m"MM'), m, m + interval '1 month');
        m := m + interval '1 month';
    END LOOP;
    CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

    -- The old table's indexes become its partition's (they match: not rebuilt).
    -- A structure admin's page: an index scan by structure, newest first.
    CREATE INDEX audit_log_structure ON audit_log (structure_id, at DESC, id DESC);
    -- The region's page, newest first, and the retention job's oldest rows.
    CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
    -- The GDPR export and the admins' ?actor= filter.
    CREATE INDEX audit_log_actor ON audit_log (actor, at DESC, id DESC);
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    next_id bigint;
BEGIN
    SELECT coalesce(max(id), 0) + 1 INTO next_id FROM audit_log;
    CREATE TABLE audit_log_plain (
        id            bigint GENERATED ALWAYS AS IDENTITY,
        at            timestamptz NOT NULL DEFAULT now(),
        actor         text NOT NULL,
        action        text NOT NULL,
        item_id       uuid,
        item_name     text NOT NULL DEFAULT '',
        space_id      uuid,
        structure_id  text,
        address       inet,
        details       jsonb
    );
    INSERT INTO audit_log_plain (id, at, actor, action, item_id, item_name, space_id, structure_id, address, details)
        OVERRIDING SYSTEM VALUE
        SELECT id, at, actor, action, item_id, item_name, space_id, structure_id, address, details FROM audit_log;
    EXECUTE format('ALTER TABLE audit_log_plain ALTER COLUMN id RESTART WITH %s', next_id);
    DROP TABLE audit_log;
    ALTER TABLE audit_log_plain RENAME TO audit_log;
    CREATE INDEX audit_log_structure ON audit_log (structure_id, at DESC, id DESC);
    CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
    CREATE INDEX audit_log_actor ON audit_log (actor, at DESC, id DESC);
    -- As 00038 left it, for 00040 to run again.
    PERFORM set_config('TimeZone', 'UTC', true);
    CREATE TABLE audit_log_partitioning (upto timestamptz NOT NULL);
    INSERT INTO audit_log_partitioning SELECT greatest(date_trunc('month', now()) + interval '2 months',
        date_trunc('month', max(at)) + interval '1 month') FROM audit_log;
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT audit_log_before_partitioning CHECK (at < %L) NOT VALID',
        (SELECT upto FROM audit_log_partitioning));
END $$;
-- +goose StatementEnd
