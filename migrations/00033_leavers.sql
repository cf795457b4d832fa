-- +goose Up
-- Leavers (package leaver): a user the ENT deprovisions is not deleted at once. The
-- row stays, marked, for a grace period (CARTABLE_LEAVER_RETENTION, 90 days): the
-- user cannot sign in, their links stop, and re-provisioning the same id brings them
-- back intact; an admin sees them and may hand a teacher's materials to a colleague.
-- Past purge_after, the purge job applies the README's rule and deletes the row.
ALTER TABLE users ADD COLUMN left_at timestamptz, ADD COLUMN purge_after timestamptz;
ALTER TABLE users ADD CONSTRAINT users_leaver CHECK ((left_at IS NULL) = (purge_after IS NULL));
-- The purge job finds who is due without scanning the million live users.
CREATE INDEX users_purge_due ON users (purge_after) WHERE left_at IS NOT NULL;

-- The purge finds everything that names a leaver, one user at a time: by index, not
-- by a scan of the region's items, versions and events per purged user (a summer's
-- leavers are tens of thousands of pupils). The partial ones cover only the rows
-- that name anyone. IF NOT EXISTS: on a large database, create them CONCURRENTLY
-- before migrating, and the migration skips them (see the README, "Leavers").
CREATE INDEX IF NOT EXISTS items_created_by ON items (created_by);
CREATE INDEX IF NOT EXISTS items_modified_by ON items (modified_by);
CREATE INDEX IF NOT EXISTS items_trashed_by ON items (trashed_by) WHERE trashed_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_private_to ON items (private_to) WHERE private_to IS NOT NULL;
CREATE INDEX IF NOT EXISTS versions_created_by ON versions (created_by);
CREATE INDEX IF NOT EXISTS events_actor ON events (actor);
CREATE INDEX IF NOT EXISTS events_recipient_user ON events (recipient_id) WHERE recipient_kind = 'user';
CREATE INDEX IF NOT EXISTS grants_granted_by ON grants (granted_by);
CREATE INDEX IF NOT EXISTS links_created_by ON links (created_by);
CREATE INDEX IF NOT EXISTS embeds_created_by ON embeds (created_by);
CREATE INDEX IF NOT EXISTS assignments_created_by ON assignments (created_by);
CREATE INDEX IF NOT EXISTS assignments_deleted_by ON assignments (deleted_by) WHERE deleted_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS assignment_pupils_pupil ON assignment_pupils (pupil_id);
CREATE INDEX IF NOT EXISTS spaces_archived_by ON spaces (archived_by) WHERE archived_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS item_locks_owner ON item_locks (owner_id);

-- A purged pupil's hand-ins stay with the class under a pseudonym, "Ancien élève 17":
-- the number comes from here, never from anything about the pupil.
CREATE SEQUENCE leaver_pseudonyms;

-- A purged pupil's work row takes the pseudonym as its pupil id; the hand-ins follow.
ALTER TABLE handins DROP CONSTRAINT handins_assignment_id_pupil_id_fkey;
ALTER TABLE handins ADD CONSTRAINT handins_assignment_id_pupil_id_fkey FOREIGN KEY (assignment_id, pupil_id)
    REFERENCES assignment_work (assignment_id, pupil_id) ON DELETE CASCADE ON UPDATE CASCADE;

-- +goose StatementBegin
-- A deleted space (a purged leaver's personal space, a class deleted by provisioning,
-- an emptied archive) gives its bytes back to its structure's pool. Without this, the
-- versions its deletion cascades to were credited to nobody: by the time their
-- trigger runs the space row is gone, quota_accounts_of finds no account, and the
-- pool kept the bytes until the nightly recomputation. The space's own account goes
-- with it (cascade); its blob counts and reservations are dropped here, so the
-- version triggers that follow find nothing left to credit twice.
CREATE FUNCTION spaces_give_back() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    used bigint;
    reserved bigint;
BEGIN
    SELECT coalesce(sum(size), 0) INTO used FROM space_blobs WHERE space_id = OLD.id;
    SELECT coalesce(sum(bytes), 0) INTO reserved FROM quota_reservations WHERE space_id = OLD.id;
    IF OLD.structure_id IS NOT NULL AND (used > 0 OR reserved > 0) THEN
        UPDATE quota_accounts
        SET used_bytes = greatest(used_bytes - used, 0), reserved_bytes = greatest(reserved_bytes - reserved, 0)
        WHERE id = 'structure:' || OLD.structure_id;
    END IF;
    DELETE FROM space_blobs WHERE space_id = OLD.id;
    DELETE FROM quota_reservations WHERE space_id = OLD.id;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER spaces_give_back BEFORE DELETE ON spaces FOR EACH ROW EXECUTE FUNCTION spaces_give_back();

-- +goose StatementBegin
-- quota_take, as in 00003, except that a transaction that set cartable.quota_handover
-- to 'on' (set_config(..., true): that transaction only) is charged without the
-- limits being checked: handing a leaver's materials to a colleague or a class moves
-- bytes that exist already, and refusing the move would lose them. The accounts may
-- then be over their limit, as after an admin lowers one: they refuse new writes
-- until back under it.
CREATE OR REPLACE FUNCTION quota_take(p_space uuid, n bigint, p_used boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    acct text;
    a quota_accounts;
    forced boolean := coalesce(current_setting('cartable.quota_handover', true), '') = 'on';
BEGIN
    IF n <= 0 THEN
        RETURN;
    END IF;
    FOREACH acct IN ARRAY quota_accounts_of(p_space) LOOP
        UPDATE quota_accounts
        SET used_bytes = used_bytes + CASE WHEN p_used THEN n ELSE 0 END,
            reserved_bytes = reserved_bytes + CASE WHEN p_used THEN 0 ELSE n END
        WHERE id = acct AND (forced OR limit_bytes IS NULL OR used_bytes + reserved_bytes + n <= limit_bytes);
        IF NOT FOUND THEN
            SELECT * INTO a FROM quota_accounts WHERE id = acct;
            RAISE EXCEPTION 'quota exceeded'
                USING ERRCODE = 'CQ001',
                      DETAIL = json_build_object('account', a.id, 'kind', a.kind, 'limit', a.limit_bytes, 'needed', n,
                          'available', greatest(a.limit_bytes - a.used_bytes - a.reserved_bytes, 0))::text;
        END IF;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION quota_take(p_space uuid, n bigint, p_used boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    acct text;
    a quota_accounts;
BEGIN
    IF n <= 0 THEN
        RETURN;
    END IF;
    FOREACH acct IN ARRAY quota_accounts_of(p_space) LOOP
        UPDATE quota_accounts
        SET used_bytes = used_bytes + CASE WHEN p_used THEN n ELSE 0 END,
            reserved_bytes = reserved_bytes + CASE WHEN p_used THEN 0 ELSE n END
        WHERE id = acct AND (limit_bytes IS NULL OR used_bytes + reserved_bytes + n <= limit_bytes);
        IF NOT FOUND THEN
            SELECT * INTO a FROM quota_accounts WHERE id = acct;
            RAISE EXCEPTION 'quota exceeded'
                USING ERRCODE = 'CQ001',
                      DETAIL = json_build_object('account', a.id, 'kind', a.kind, 'limit', a.limit_bytes, 'needed', n,
                          'available', greatest(a.limit_bytes - a.used_bytes - a.reserved_bytes, 0))::text;
        END IF;
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP TRIGGER spaces_give_back ON spaces;
DROP FUNCTION spaces_give_back();
ALTER TABLE handins DROP CONSTRAINT handins_assignment_id_pupil_id_fkey;
ALTER TABLE handins ADD CONSTRAINT handins_assignment_id_pupil_id_fkey FOREIGN KEY (assignment_id, pupil_id)
    REFERENCES assignment_work (assignment_id, pupil_id) ON DELETE CASCADE;
DROP SEQUENCE leaver_pseudonyms;
DROP INDEX items_created_by, items_modified_by, items_trashed_by, items_private_to, versions_created_by, events_actor,
    events_recipient_user, grants_granted_by, links_created_by, embeds_created_by, assignments_created_by,
    assignments_deleted_by, assignment_pupils_pupil, spaces_archived_by, item_locks_owner;
DROP INDEX users_purge_due;
ALTER TABLE users DROP CONSTRAINT users_leaver;
ALTER TABLE users DROP COLUMN left_at, DROP COLUMN purge_after;
