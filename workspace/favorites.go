package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// SetFavorite stars (on) or unstars an item the caller may read; both are
// idempotent. An item they may not see, or in the trash, is not found.
func (s *Service) SetFavorite(ctx context.Context, c *cartable.Caller, id uuid.UUID, on bool) error {
	if c == nil || c.LinkID != "" {
		return errNotFound(id)
	}
	if _, err := access(ctx, s.db, c, id, cartable.Viewer, noLock); err != nil {
		return err
	}
	sql := `DELETE FROM favorites WHERE user_id = $1 AND item_id = $2`
	if on {
		sql = `INSERT INTO favorites (user_id, item_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	}
	if _, err := s.db.Exec(ctx, sql, c.UserID, id); err != nil {
		return fmt.Errorf("set favorite %s of %s to %v: %w", id, c.UserID, on, err)
	}
	return nil
}

// Favorites lists a page of the items the caller starred, newest star first, across
// spaces: only those they may still read now. At is when each was starred.
func (s *Service) Favorites(ctx context.Context, c *cartable.Caller, req cartable.PageRequest) (cartable.Page[RecentItem], error) {
	page, err := s.readablePage(ctx, c, "favorites", `
		SELECT `+itemColumns+`, '', f.created_at, `+ownerNameSQL+` FROM favorites f
		JOIN items i ON i.id = f.item_id JOIN spaces s ON s.id = i.space_id
		WHERE f.user_id = $1 AND i.trashed_at IS NULL
		  AND (NOT $2 OR (f.created_at, f.item_id) < ($3, $4))
		ORDER BY f.created_at DESC, f.item_id DESC LIMIT $5`, req)
	if err != nil {
		return cartable.Page[RecentItem]{}, fmt.Errorf("list favorites: %w", err)
	}
	return page, nil
}

// withFavorites marks the items the caller starred, in one query for the page.
func withFavorites(ctx context.Context, q db.DBTX, c *cartable.Caller, items []Item) error {
	if len(items) == 0 || c == nil || c.LinkID != "" {
		return nil
	}
	index := make(map[uuid.UUID]int, len(items))
	ids := make([]uuid.UUID, len(items))
	for i := range items {
		ids[i], index[items[i].ID] = items[i].ID, i
	}
	rows, err := q.Query(ctx, `SELECT item_id FROM favorites WHERE user_id = $1 AND item_id = ANY($2)`, c.UserID, ids)
	if err != nil {
		return fmt.Errorf("read favorites: %w", err)
	}
	var id uuid.UUID
	_, err = pgx.ForEachRow(rows, []any{&id}, func() error {
		items[index[id]].Favorite = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("read favorites: %w", err)
	}
	return nil
}
