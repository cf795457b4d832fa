-- +goose Up
-- The outbox of notifications for the portal: every share, unshare and drop-box
-- deposit, written in the transaction that makes it. The portal reads them as a feed
-- (by id), and a job delivers them to a webhook, retrying with backoff.
CREATE TABLE events (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('share', 'unshare', 'drop')),
    actor           text NOT NULL,
    item_id         uuid NOT NULL,
    item_name       text NOT NULL,
    recipient_kind  text,
    recipient_id    text,
    recipient_profile text,
    role            text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_undelivered ON events (next_attempt_at) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE events;
