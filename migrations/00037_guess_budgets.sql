-- +goose Up
-- The failed attempts at a secret (a link's token or password, an app password)
-- each address may still make, shared by every API node: behind a round-robin
-- proxy, a budget of each node's own would let a brute force try as many times
-- more as there are nodes. A token bucket: tokens as of refilled_at, refilled at
-- the rate the code sets. Unlogged: a crash forgets the budgets, which refill
-- within seconds anyway, and their writes cost no WAL.
CREATE UNLOGGED TABLE guess_budgets (
    addr text PRIMARY KEY,
    tokens double precision NOT NULL,
    refilled_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE guess_budgets;
