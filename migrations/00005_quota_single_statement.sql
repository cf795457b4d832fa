-- +goose Up
-- Shorter holds on the account rows, which every writer of an establishment shares:
-- a reservation is taken in one statement, and a reservation is turned into usage
-- by the version trigger itself, in the statement that inserts the version, so that
-- no round trip to the client happens while an account row is locked.

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
CREATE OR REPLACE FUNCTION versions_charge() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION versions_charge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT space_id INTO NEW.space_id FROM items WHERE id = NEW.item_id;
        PERFORM space_blob_add(NEW.space_id, NEW.blob_id, NEW.size);
        RETURN NEW;
    END IF;
    PERFORM space_blob_remove(OLD.space_id, OLD.blob_id);
    RETURN OLD;
END
$$;
-- +goose StatementEnd
DROP FUNCTION quota_consume_pending, quota_reserve;
