package lock

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// OfChildren returns the live locks on the live children of a folder, in one query
// for a listing of any length.
func OfChildren(ctx context.Context, q db.DBTX, parentID uuid.UUID) ([]Lock, error) {
	rows, err := q.Query(ctx, `SELECT `+lockColumns+`
		FROM item_locks l JOIN items i ON i.id = l.item_id LEFT JOIN users u ON u.id = l.owner_id
		WHERE i.parent_id = $1 AND i.trashed_at IS NULL AND l.expires_at > now()`, parentID)
	if err != nil {
		return nil, fmt.Errorf("read the locks below %s: %w", parentID, err)
	}
	locks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Lock, error) { return scan(row) })
	if err != nil {
		return nil, fmt.Errorf("read the locks below %s: %w", parentID, err)
	}
	return locks, nil
}
