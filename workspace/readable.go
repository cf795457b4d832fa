package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/sharing"
)

// maxReadRounds bounds how many batches one page of a personal list (recent files,
// favourites) reads to fill itself when the caller lost access to many of its
// rows; past it the page is short, and its cursor goes on after what was read.
const maxReadRounds = 8

// ownerNameSQL selects the display name of the owner of a personal space s (empty
// for other spaces).
const ownerNameSQL = `coalesce((SELECT u.display_name FROM users u WHERE u.id = s.owner_id), '')`

// datedKey is where a page of a personal list ended.
type datedKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// readablePage reads a page of a personal list that remembers items by id (the
// caller's recent files or favourites), keeping only those the caller may read
// now: an item unshared since, moved out of their reach or in a class they left
// is skipped, as sharing.Decide says, not deleted (access may come back). sql
// selects itemColumns, an action, a time and ownerNameSQL, for the user $1, after ($3, $4) when
// $2, newest first, limited to $5.
func (s *Service) readablePage(ctx context.Context, c *cartable.Caller, list, sql string, req cartable.PageRequest) (cartable.Page[RecentItem], error) {
	var none cartable.Page[RecentItem]
	var after datedKey
	size, resumed, err := req.Keyset(list, &after)
	if err != nil || c == nil || c.LinkID != "" {
		return none, err
	}
	var visible []RecentItem
	page := none
	for round := 0; ; round++ {
		batch, err := s.readDated(ctx, sql, c.UserID, resumed, after, size+1)
		if err != nil {
			return none, err
		}
		kept, err := readable(ctx, s, c, batch)
		if err != nil {
			return none, err
		}
		visible = append(visible, kept...)
		if len(visible) > size || len(batch) <= size || round == maxReadRounds-1 {
			page = cartable.CutPage(visible, size, func(last RecentItem) string {
				return cartable.EncodeCursor(list, datedKey{At: last.At, ID: last.Item.ID})
			})
			if len(visible) <= size && len(batch) > size { // the rounds ran out before the rows
				last := batch[len(batch)-1]
				page.NextCursor = cartable.EncodeCursor(list, datedKey{At: last.At, ID: last.Item.ID})
			}
			break
		}
		last := batch[len(batch)-1]
		after, resumed = datedKey{At: last.At, ID: last.Item.ID}, true
	}
	return page, s.withListDetails(ctx, c, page.Items)
}

// readDated runs a personal list's query for one batch.
func (s *Service) readDated(ctx context.Context, sql, userID string, resumed bool, after datedKey, limit int) ([]RecentItem, error) {
	rows, err := s.db.Query(ctx, sql, userID, resumed, after.At, after.ID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RecentItem, error) {
		var r RecentItem
		var owner string
		err := scanItemWith(row, &r.Item, &r.Action, &r.At, &owner)
		r.SpaceName = r.Item.Space.Name
		if r.Item.Space.Kind == SpacePersonal && r.Item.Space.OwnerID != userID && owner != "" {
			r.SpaceName = owner
		}
		return r, err
	})
}

// readable keeps the entries whose item the caller may read now, each with its
// role decided from the grants on it and its ancestors, read in one query.
func readable(ctx context.Context, s *Service, c *cartable.Caller, batch []RecentItem) ([]RecentItem, error) {
	var ids []uuid.UUID
	for _, r := range batch {
		ids = append(append(ids, r.Item.Ancestors...), r.Item.ID)
	}
	grants, err := sharing.GrantsFor(ctx, s.db, c, ids)
	if err != nil {
		return nil, err
	}
	byItem := make(map[uuid.UUID][]sharing.Grant)
	for _, g := range grants {
		byItem[g.ItemID] = append(byItem[g.ItemID], g)
	}
	kept := make([]RecentItem, 0, len(batch))
	for _, r := range batch {
		it := &r.Item
		for _, id := range it.childAncestors() {
			it.grants = append(it.grants, byItem[id]...)
		}
		if it.Role = sharing.Decide(c, it.target()); it.Role > cartable.NoRole {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// withListDetails gives the items of a personal list the caller's rights, their
// thumbnails, locks, child counts and stars, a query each for the page.
func (s *Service) withListDetails(ctx context.Context, c *cartable.Caller, list []RecentItem) error {
	items := make([]Item, len(list))
	for i := range list {
		items[i] = list[i].Item
	}
	if err := s.withItemDetails(ctx, c, items); err != nil {
		return fmt.Errorf("list details: %w", err)
	}
	for i := range list {
		list[i].Item = items[i]
	}
	return nil
}

// withItemDetails gives items gathered from anywhere (recent files, favourites,
// shared with me) the caller's rights, their thumbnails, locks, child counts and
// stars: a query each for the page.
func (s *Service) withItemDetails(ctx context.Context, c *cartable.Caller, items []Item) error {
	if err := withRights(ctx, s.db, c, items); err != nil {
		return err
	}
	if err := s.withPreviews(ctx, items); err != nil {
		return err
	}
	if err := withLocks(ctx, s.db, items); err != nil {
		return err
	}
	if err := withChildCounts(ctx, s.db, items); err != nil {
		return err
	}
	return withFavorites(ctx, s.db, c, items)
}
