package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// withChildCounts gives each live folder of items the number of its live children,
// in one query for the whole list (a page of a thousand folders included), read from
// the index of live sibling names. Files and trashed folders get none.
func withChildCounts(ctx context.Context, q db.DBTX, items []Item) error {
	index := make(map[uuid.UUID]int)
	for i := range items {
		if items[i].IsFolder() && items[i].TrashedAt == nil {
			index[items[i].ID] = i
			items[i].ChildCount = new(int64)
		}
	}
	if len(index) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, 0, len(index))
	for id := range index {
		ids = append(ids, id)
	}
	rows, err := q.Query(ctx, `
		SELECT parent_id, count(*) FROM items
		WHERE parent_id = ANY($1) AND trashed_at IS NULL GROUP BY parent_id`, ids)
	if err != nil {
		return fmt.Errorf("count children: %w", err)
	}
	var parent uuid.UUID
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&parent, &n}, func() error {
		*items[index[parent]].ChildCount = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("count children: %w", err)
	}
	return nil
}

// reread loads an item a write answers with, as the caller now sees it, with its
// child count, in the write's transaction.
func reread(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID) (Item, error) {
	it, err := access(ctx, q, c, id, cartable.Viewer, noLock)
	if err != nil {
		return Item{}, err
	}
	one := []Item{it}
	return one[0], withChildCounts(ctx, q, one)
}
