-- +goose Up
-- Quotas. Bytes are charged to the space that holds them and to its structure; a
-- blob counts once per space however many versions there reference it. The charge
-- is kept by triggers on versions and items, so every write path (upload, new
-- version, copy, move, restore, purge, and later tus and WOPI) is counted the same
-- way, in the transaction that makes the change. Every writer of an establishment
-- shares its account row, so the functions that lock account rows run within one
-- statement each (a reservation, a version insert that also ends its reservation):
-- no round trip to the client happens while an account row is locked.

-- Limits the region (structure_id NULL) or an establishment sets: per profile for
-- personal spaces, for group spaces, and the structure pool.
CREATE TABLE quota_defaults (
    structure_id text REFERENCES structures (id) ON DELETE CASCADE,
    subject      text NOT NULL CHECK (subject IN ('Student', 'Teacher', 'Relative', 'Personnel', 'Guest', 'group_space', 'structure_pool')),
    limit_bytes  bigint NOT NULL CHECK (limit_bytes >= 0),
    UNIQUE NULLS NOT DISTINCT (structure_id, subject)
);
INSERT INTO quota_defaults (structure_id, subject, limit_bytes) VALUES
    (NULL, 'Student', 500 * 1024 * 1024::bigint),
    (NULL, 'Teacher', 5 * 1024 * 1024 * 1024::bigint),
    (NULL, 'Personnel', 5 * 1024 * 1024 * 1024::bigint),
    (NULL, 'Relative', 100 * 1024 * 1024::bigint),
    (NULL, 'Guest', 100 * 1024 * 1024::bigint),
    (NULL, 'group_space', 10 * 1024 * 1024 * 1024::bigint),
    (NULL, 'structure_pool', 1024 * 1024 * 1024 * 1024::bigint);

-- A local admin's override of one user's personal cap.
CREATE TABLE quota_user_overrides (
    user_id     text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    limit_bytes bigint NOT NULL CHECK (limit_bytes >= 0),
    set_by      text,
    set_at      timestamptz NOT NULL DEFAULT now()
);

-- One account per structure ('structure:<id>') and per space ('space:<uuid>').
-- limit_bytes is the effective limit (NULL: none), derived from explicit_limit, the
-- overrides and the defaults by quota_limit_of; used + reserved may only grow by a
-- conditional UPDATE that keeps it under the limit.
CREATE TABLE quota_accounts (
    id             text PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('structure', 'personal', 'group', 'structure_space')),
    structure_id   text,
    space_id       uuid UNIQUE REFERENCES spaces (id) ON DELETE CASCADE,
    owner_id       text,
    explicit_limit bigint CHECK (explicit_limit >= 0),
    limit_bytes    bigint,
    used_bytes     bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
    reserved_bytes bigint NOT NULL DEFAULT 0 CHECK (reserved_bytes >= 0)
);
CREATE INDEX quota_accounts_structure ON quota_accounts (structure_id);

-- Which blobs a space holds, and how many of its versions reference each.
CREATE TABLE space_blobs (
    space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    blob_id  uuid NOT NULL,
    refs     int NOT NULL CHECK (refs > 0),
    size     bigint NOT NULL,
    PRIMARY KEY (space_id, blob_id)
);

-- Bytes held for uploads in flight. The owner turns a reservation into usage in the
-- transaction that creates the version, or gives it back; the sweeper releases the
-- ones whose owner died.
CREATE TABLE quota_reservations (
    id         uuid PRIMARY KEY,
    space_id   uuid NOT NULL,
    bytes      bigint NOT NULL CHECK (bytes >= 0),
    owner_id   text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX quota_reservations_expiry ON quota_reservations (expires_at);

-- The version's space, kept in step by the move trigger, so that a version deleted
-- along with its item (cascade) still knows which space to credit.
ALTER TABLE versions ADD COLUMN space_id uuid;
CREATE INDEX versions_space_blob ON versions (space_id, blob_id);

-- +goose StatementBegin
CREATE FUNCTION quota_limit_of(a quota_accounts) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT CASE a.kind
        WHEN 'structure' THEN coalesce(a.explicit_limit,
            (SELECT limit_bytes FROM quota_defaults WHERE structure_id = a.structure_id AND subject = 'structure_pool'),
            (SELECT limit_bytes FROM quota_defaults WHERE structure_id IS NULL AND subject = 'structure_pool'))
        WHEN 'personal' THEN coalesce(
            (SELECT limit_bytes FROM quota_user_overrides WHERE user_id = a.owner_id),
            (SELECT d.limit_bytes FROM quota_defaults d JOIN users u ON u.id = a.owner_id
              WHERE d.structure_id = a.structure_id AND d.subject = u.profile),
            (SELECT d.limit_bytes FROM quota_defaults d JOIN users u ON u.id = a.owner_id
              WHERE d.structure_id IS NULL AND d.subject = u.profile))
        ELSE coalesce(a.explicit_limit,
            (SELECT limit_bytes FROM quota_defaults WHERE structure_id = a.structure_id AND subject = 'group_space'),
            (SELECT limit_bytes FROM quota_defaults WHERE structure_id IS NULL AND subject = 'group_space'))
    END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- quota_accounts_of returns the accounts a space's bytes are charged to, structure
-- first (every writer locks them in that order, so two writers never deadlock),
-- creating the missing ones with their default limits.
CREATE FUNCTION quota_accounts_of(p_space uuid) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    sp spaces;
    ids text[] := '{}';
BEGIN
    SELECT * INTO sp FROM spaces WHERE id = p_space;
    IF NOT FOUND THEN
        RETURN ids;
    END IF;
    IF sp.structure_id IS NOT NULL THEN
        INSERT INTO quota_accounts (id, kind, structure_id) VALUES ('structure:' || sp.structure_id, 'structure', sp.structure_id)
        ON CONFLICT DO NOTHING; -- on id or space_id: two writers may open the same account at once
        IF FOUND THEN
            UPDATE quota_accounts a SET limit_bytes = quota_limit_of(a) WHERE a.id = 'structure:' || sp.structure_id;
        END IF;
        ids := ids || ('structure:' || sp.structure_id);
    END IF;
    INSERT INTO quota_accounts (id, kind, structure_id, space_id, owner_id)
    VALUES ('space:' || sp.id, CASE sp.kind WHEN 'structure' THEN 'structure_space' ELSE sp.kind END, sp.structure_id, sp.id, sp.owner_id)
    ON CONFLICT DO NOTHING; -- on id or space_id: two writers may open the same account at once
    IF FOUND THEN
        UPDATE quota_accounts a SET limit_bytes = quota_limit_of(a) WHERE a.id = 'space:' || sp.id;
    END IF;
    ids := ids || ('space:' || sp.id);
    RETURN ids;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- quota_take adds n bytes to the used (p_used) or reserved bytes of a space's
-- accounts, each only if it stays under its limit; otherwise it raises CQ001 with
-- the account that refused, its limit and what was available.
CREATE FUNCTION quota_take(p_space uuid, n bigint, p_used boolean) RETURNS void LANGUAGE plpgsql AS $$
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

-- +goose StatementBegin
-- quota_give takes n bytes off the used or reserved bytes of a space's accounts.
CREATE FUNCTION quota_give(p_space uuid, n bigint, p_used boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    acct text;
BEGIN
    IF n <= 0 THEN
        RETURN;
    END IF;
    FOREACH acct IN ARRAY quota_accounts_of(p_space) LOOP
        UPDATE quota_accounts
        SET used_bytes = greatest(used_bytes - CASE WHEN p_used THEN n ELSE 0 END, 0),
            reserved_bytes = greatest(reserved_bytes - CASE WHEN p_used THEN 0 ELSE n END, 0)
        WHERE id = acct;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- space_blob_add counts one more reference of a space to a blob; the first charges it.
CREATE FUNCTION space_blob_add(p_space uuid, p_blob uuid, p_size bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    INSERT INTO space_blobs (space_id, blob_id, refs, size) VALUES (p_space, p_blob, 1, p_size)
    ON CONFLICT (space_id, blob_id) DO UPDATE SET refs = space_blobs.refs + 1
    RETURNING refs INTO n;
    IF n = 1 THEN
        PERFORM quota_take(p_space, p_size, true);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- space_blob_remove counts one reference less; the last one credits the blob back.
CREATE FUNCTION space_blob_remove(p_space uuid, p_blob uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n int;
    sz bigint;
BEGIN
    UPDATE space_blobs SET refs = refs - 1 WHERE space_id = p_space AND blob_id = p_blob AND refs > 1;
    IF FOUND THEN
        RETURN;
    END IF;
    DELETE FROM space_blobs WHERE space_id = p_space AND blob_id = p_blob RETURNING size INTO sz;
    IF FOUND THEN
        PERFORM quota_give(p_space, sz, true);
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- quota_reserve records a reservation and takes its bytes, or raises CQ001.
CREATE FUNCTION quota_reserve(p_id uuid, p_space uuid, p_bytes bigint, p_owner text, p_expires timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO quota_reservations (id, space_id, bytes, owner_id, expires_at) VALUES (p_id, p_space, p_bytes, p_owner, p_expires);
    PERFORM quota_take(p_space, p_bytes, false);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- quota_consume_pending ends the reservation the transaction named with
-- set_config('cartable.reservation', id, true), giving its bytes back, just before
-- the version it was for is charged.
CREATE FUNCTION quota_consume_pending() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    res_id text := nullif(current_setting('cartable.reservation', true), '');
    sp uuid;
    n bigint;
BEGIN
    IF res_id IS NULL THEN
        RETURN;
    END IF;
    PERFORM set_config('cartable.reservation', '', true);
    DELETE FROM quota_reservations WHERE id = res_id::uuid RETURNING space_id, bytes INTO sp, n;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'quota reservation % expired before the upload finished', res_id USING ERRCODE = 'CQ002';
    END IF;
    PERFORM quota_give(sp, n, false);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION versions_charge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT space_id INTO NEW.space_id FROM items WHERE id = NEW.item_id;
        PERFORM quota_consume_pending();
        PERFORM space_blob_add(NEW.space_id, NEW.blob_id, NEW.size);
        RETURN NEW;
    END IF;
    PERFORM space_blob_remove(OLD.space_id, OLD.blob_id);
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER versions_charge_insert BEFORE INSERT ON versions FOR EACH ROW EXECUTE FUNCTION versions_charge();
CREATE TRIGGER versions_charge_delete AFTER DELETE ON versions FOR EACH ROW EXECUTE FUNCTION versions_charge();

-- +goose StatementBegin
-- A moved item's versions leave one space for another: the new space is charged
-- (and may refuse), the old one credited.
CREATE FUNCTION items_move_charge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT id, blob_id, size FROM versions WHERE item_id = NEW.id LOOP
        PERFORM space_blob_add(NEW.space_id, v.blob_id, v.size);
        PERFORM space_blob_remove(OLD.space_id, v.blob_id);
    END LOOP;
    UPDATE versions SET space_id = NEW.space_id WHERE item_id = NEW.id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER items_move_charge AFTER UPDATE OF space_id ON items
    FOR EACH ROW WHEN (OLD.space_id IS DISTINCT FROM NEW.space_id) EXECUTE FUNCTION items_move_charge();

-- +goose Down
DROP TRIGGER items_move_charge ON items;
DROP TRIGGER versions_charge_delete ON versions;
DROP TRIGGER versions_charge_insert ON versions;
DROP FUNCTION items_move_charge, versions_charge, quota_consume_pending, quota_reserve, space_blob_remove, space_blob_add, quota_give, quota_take, quota_accounts_of, quota_limit_of;
ALTER TABLE versions DROP COLUMN space_id;
DROP TABLE quota_reservations, space_blobs, quota_accounts, quota_user_overrides, quota_defaults;
