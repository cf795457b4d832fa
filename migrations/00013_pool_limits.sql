-- A structure's pool opened by its admin report before anything was charged to it
-- was left without a limit (the report's INSERT and UPDATE ran in one statement,
-- and the UPDATE did not see the new row). Give such pools the limit they were
-- meant to have; a pool whose structure and region set none keeps none.

-- +goose Up
UPDATE quota_accounts a SET limit_bytes = quota_limit_of(a)
WHERE a.kind = 'structure' AND a.limit_bytes IS NULL;

-- +goose Down
SELECT 1;
