package quota

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// Drift is one figure the books had wrong, and what it is now.
type Drift struct {
	Account  string `json:"account"`
	Field    string `json:"field"` // used_bytes, reserved_bytes or limit_bytes
	Recorded *int64 `json:"recorded"`
	Actual   *int64 `json:"actual"`
}

// Recompute rebuilds the accounts of a structure (every structure when structureID
// is empty) from the versions and reservations themselves, fixes them, and returns
// what had drifted. It holds a short exclusive lock on the bookkeeping tables so that
// no upload commits in the middle; writers queue behind it for that time.
func Recompute(ctx context.Context, q db.DBTX, structureID string) ([]Drift, error) {
	var drift []Drift
	err := db.Transact(ctx, q, func(tx pgx.Tx) error {
		// Writers lock space_blobs and quota_reservations before account rows, and
		// so does this: the order rules out deadlocks.
		if _, err := tx.Exec(ctx, `LOCK TABLE space_blobs, quota_reservations IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock quota books: %w", err)
		}
		spaces, err := spacesOf(ctx, tx, structureID)
		if err != nil {
			return err
		}
		if err := rebuildSpaceBlobs(ctx, tx, spaces); err != nil {
			return err
		}
		drift, err = fixAccounts(ctx, tx, spaces, structureID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recompute quotas of %q: %w", structureID, err)
	}
	return drift, nil
}

func spacesOf(ctx context.Context, tx pgx.Tx, structureID string) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM spaces WHERE $1 = '' OR structure_id = $1`, structureID)
	if err != nil {
		return nil, fmt.Errorf("list spaces: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("list spaces: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT quota_accounts_of(id) FROM unnest($1::uuid[]) AS id`, ids); err != nil {
		return nil, fmt.Errorf("open accounts: %w", err)
	}
	return ids, nil
}

// rebuildSpaceBlobs derives which blobs each space holds from the versions of its
// items, the source of truth.
func rebuildSpaceBlobs(ctx context.Context, tx pgx.Tx, spaces []uuid.UUID) error {
	statements := []string{
		`UPDATE versions v SET space_id = i.space_id FROM items i
		 WHERE i.id = v.item_id AND i.space_id = ANY($1) AND v.space_id IS DISTINCT FROM i.space_id`,
		`DELETE FROM space_blobs WHERE space_id = ANY($1)`,
		`INSERT INTO space_blobs (space_id, blob_id, refs, size)
		 SELECT v.space_id, v.blob_id, count(*), max(v.size) FROM versions v
		 WHERE v.space_id = ANY($1) GROUP BY v.space_id, v.blob_id`,
	}
	for _, sql := range statements {
		if _, err := tx.Exec(ctx, sql, spaces); err != nil {
			return fmt.Errorf("rebuild space blobs: %w", err)
		}
	}
	return nil
}

// fixAccounts compares each account with the truth, records the differences and
// writes the truth.
func fixAccounts(ctx context.Context, tx pgx.Tx, spaces []uuid.UUID, structureID string) ([]Drift, error) {
	rows, err := tx.Query(ctx, `
		WITH space_truth AS (
			SELECT sp.id AS space_id, sp.structure_id,
				coalesce((SELECT sum(size) FROM space_blobs b WHERE b.space_id = sp.id), 0)::bigint AS used,
				coalesce((SELECT sum(bytes) FROM quota_reservations r WHERE r.space_id = sp.id), 0)::bigint AS reserved
			FROM spaces sp WHERE sp.id = ANY($1)
		), truth AS (
			SELECT 'space:' || space_id AS id, used, reserved FROM space_truth
			UNION ALL
			SELECT 'structure:' || structure_id, sum(used)::bigint, sum(reserved)::bigint
			FROM space_truth WHERE structure_id IS NOT NULL AND ($2 = '' OR structure_id = $2) GROUP BY structure_id
		), old AS (
			SELECT a.id, a.used_bytes, a.reserved_bytes, a.limit_bytes, quota_limit_of(a) AS new_limit,
				t.used, t.reserved
			FROM quota_accounts a JOIN truth t ON t.id = a.id
			WHERE a.used_bytes <> t.used OR a.reserved_bytes <> t.reserved OR a.limit_bytes IS DISTINCT FROM quota_limit_of(a)
			FOR UPDATE OF a
		), fixed AS (
			UPDATE quota_accounts a SET used_bytes = old.used, reserved_bytes = old.reserved, limit_bytes = old.new_limit
			FROM old WHERE a.id = old.id
		)
		SELECT id, used_bytes, used, reserved_bytes, reserved, limit_bytes, new_limit FROM old ORDER BY id`,
		spaces, structureID)
	if err != nil {
		return nil, fmt.Errorf("fix accounts: %w", err)
	}
	var drift []Drift
	var id string
	var usedWas, usedIs, reservedWas, reservedIs int64
	var limitWas, limitIs *int64
	_, err = pgx.ForEachRow(rows, []any{&id, &usedWas, &usedIs, &reservedWas, &reservedIs, &limitWas, &limitIs}, func() error {
		drift = appendDrift(drift, id, "used_bytes", &usedWas, &usedIs)
		drift = appendDrift(drift, id, "reserved_bytes", &reservedWas, &reservedIs)
		drift = appendDrift(drift, id, "limit_bytes", limitWas, limitIs)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fix accounts: %w", err)
	}
	return drift, nil
}

func appendDrift(drift []Drift, account, field string, was, is *int64) []Drift {
	if (was == nil) == (is == nil) && (was == nil || *was == *is) {
		return drift
	}
	return append(drift, Drift{Account: account, Field: field, Recorded: copyInt(was), Actual: copyInt(is)})
}

func copyInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
