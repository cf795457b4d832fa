package workspace

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/events"
	"cartable/sharing"
)

// Permissions lists the grants given on an item, for its managers.
func (s *Service) Permissions(ctx context.Context, c *cartable.Caller, id uuid.UUID) ([]sharing.Grant, error) {
	if _, err := access(ctx, s.db, c, id, cartable.Manager, noLock); err != nil {
		return nil, err
	}
	return sharing.List(ctx, s.db, id)
}

// Share gives a grant on an item: the caller must manage the item and be allowed to
// share with the grantee. The grant applies at once to the item and everything
// below it, now and later.
func (s *Service) Share(ctx context.Context, c *cartable.Caller, id uuid.UUID, g sharing.Grant) (sharing.Grant, error) {
	var created sharing.Grant
	err := s.transact(ctx, func(tx pgx.Tx) error {
		it, err := access(ctx, tx, c, id, cartable.Manager, noLock)
		if err != nil {
			return err
		}
		g.ItemID, g.GrantedBy = id, c.UserID
		if err := sharing.CheckGrant(ctx, tx, c, g, s.now()); err != nil {
			return err
		}
		if created, err = sharing.Insert(ctx, tx, g); err != nil {
			return err
		}
		return events.Record(ctx, tx, shareEvent(events.Share, c, it, created))
	})
	return created, err
}

func shareEvent(kind string, c *cartable.Caller, it Item, g sharing.Grant) events.Event {
	return events.Event{Kind: kind, Actor: c.UserID, ItemID: it.ID, ItemName: it.Name, Role: g.Role.String(),
		Recipient: &events.Recipient{Kind: g.GranteeKind, ID: g.GranteeID, Profile: string(g.Profile)}}
}

// PermissionChange changes a grant's role and/or expiry; nil fields stay.
type PermissionChange struct {
	Role cartable.Role
	// ExpiresAt, when set, replaces the expiry; ClearExpiry removes it.
	ExpiresAt   *time.Time
	ClearExpiry bool
}

// UpdatePermission changes a grant of an item, for its managers.
func (s *Service) UpdatePermission(ctx context.Context, c *cartable.Caller, id, grantID uuid.UUID, ch PermissionChange) (sharing.Grant, error) {
	var g sharing.Grant
	err := s.transact(ctx, func(tx pgx.Tx) error {
		if _, err := access(ctx, tx, c, id, cartable.Manager, noLock); err != nil {
			return err
		}
		var err error
		if g, err = sharing.Get(ctx, tx, id, grantID); err != nil {
			return err
		}
		if ch.Role != cartable.NoRole {
			g.Role = ch.Role
		}
		if ch.ExpiresAt != nil {
			g.ExpiresAt = ch.ExpiresAt
		}
		if ch.ClearExpiry {
			g.ExpiresAt = nil
		}
		// The same rules as a new grant: the manager now changing it must be allowed too.
		if err := sharing.CheckGrant(ctx, tx, c, g, s.now()); err != nil {
			return err
		}
		return sharing.Update(ctx, tx, g)
	})
	return g, err
}

// Unshare removes a grant of an item, for its managers; the access it gave ends at once.
func (s *Service) Unshare(ctx context.Context, c *cartable.Caller, id, grantID uuid.UUID) error {
	return s.transact(ctx, func(tx pgx.Tx) error {
		it, err := access(ctx, tx, c, id, cartable.Manager, noLock)
		if err != nil {
			return err
		}
		g, err := sharing.Get(ctx, tx, id, grantID)
		if err != nil {
			return err
		}
		if err := sharing.Delete(ctx, tx, id, grantID); err != nil {
			return err
		}
		return events.Record(ctx, tx, shareEvent(events.Unshare, c, it, g))
	})
}

// SharedItem is an item shared with the caller: by whom, when, with which role.
type SharedItem struct {
	Item
	SharedBy string
	SharedAt time.Time
}

// SharedWithMe lists the top-most items shared with the caller (not each item below
// them), newest share first, or by name; items stay where their owners keep them.
func (s *Service) SharedWithMe(ctx context.Context, c *cartable.Caller, sortBy string, cursor string, limit int) ([]SharedItem, string, error) {
	offset, limit, order, err := sharedPage(sortBy, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.db.Query(ctx, `SELECT * FROM (`+sharing.SharedWithSQL(itemColumns)+`) shared
		ORDER BY `+order+` LIMIT `+strconv.Itoa(limit+1)+` OFFSET `+strconv.Itoa(offset), sharing.SharedWithArgs(c)...)
	if err != nil {
		return nil, "", fmt.Errorf("list shared with %s: %w", c.UserID, err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SharedItem, error) {
		var si SharedItem
		var role, sortName string
		var sortID uuid.UUID
		err := scanItemWith(row, &si.Item, &role, &si.SharedBy, &si.SharedAt, &sortName, &sortID)
		si.Role, _ = sharing.ParseRole(role)
		return si, err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items, next = items[:limit], encodeOffset(offset+limit)
	}
	if err := s.withSharedDetails(ctx, c, items); err != nil {
		return nil, "", err
	}
	return items, next, nil
}

// withSharedDetails fills the caller's rights on shared items and their thumbnails.
func (s *Service) withSharedDetails(ctx context.Context, c *cartable.Caller, shared []SharedItem) error {
	items := make([]Item, len(shared))
	for i := range shared {
		items[i] = shared[i].Item
	}
	if err := withRights(ctx, s.db, c, items); err != nil {
		return err
	}
	if err := s.withPreviews(ctx, items); err != nil {
		return err
	}
	if err := withChildCounts(ctx, s.db, items); err != nil {
		return err
	}
	for i := range shared {
		shared[i].Item = items[i]
	}
	return nil
}

// sharedPage reads the sort, cursor (an offset: the list is short) and limit of a
// "shared with me" page.
func sharedPage(sortBy, cursor string, limit int) (offset, lim int, order string, err error) {
	switch sortBy {
	case "", "date":
		order = "shared_at DESC, sort_id"
	case "name":
		order = "sort_name, sort_id"
	default:
		return 0, 0, "", cartable.Errorf(cartable.EInvalid, "sort must be date or name")
	}
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 0 || limit > MaxPageSize {
		return 0, 0, "", cartable.Errorf(cartable.EInvalid, "limit must be between 1 and %d", MaxPageSize)
	}
	if cursor != "" {
		b, derr := base64.RawURLEncoding.DecodeString(cursor)
		if offset, err = strconv.Atoi(string(b)); derr != nil || err != nil || offset < 0 {
			return 0, 0, "", cartable.Errorf(cartable.EInvalid, "the cursor is invalid")
		}
	}
	return offset, limit, order, nil
}

func encodeOffset(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(n)))
}

// SharedItemGrants is an item of a space with the grants given on it.
type SharedItemGrants struct {
	Item   Item
	Grants []sharing.Grant
}

// maxSharedFrom bounds the "shared by me" view of one space.
const maxSharedFrom = 1000

// SharedFromSpace lists what is shared in a space, for its managers: each item with
// a grant on it (the first 1,000 by name), with its grants.
func (s *Service) SharedFromSpace(ctx context.Context, c *cartable.Caller, spaceID uuid.UUID) ([]SharedItemGrants, error) {
	var root uuid.UUID
	if err := s.db.QueryRow(ctx, `SELECT root_id FROM spaces WHERE id = $1`, spaceID).Scan(&root); err != nil {
		return nil, cartable.Errorf(cartable.ENotFound, "no space %s", spaceID)
	}
	if _, err := access(ctx, s.db, c, root, cartable.Manager, noLock); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+itemColumns+` FROM items i JOIN spaces s ON s.id = i.space_id
		WHERE i.space_id = $1 AND i.trashed_at IS NULL
		  AND EXISTS (SELECT 1 FROM grants g WHERE g.item_id = i.id AND g.grantee_kind <> 'link')
		ORDER BY i.name_key, i.id LIMIT $2`, spaceID, maxSharedFrom)
	if err != nil {
		return nil, fmt.Errorf("list shared items of %s: %w", spaceID, err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) { return scanItem(row) })
	if err != nil {
		return nil, fmt.Errorf("list shared items of %s: %w", spaceID, err)
	}
	ids := make([]uuid.UUID, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	grants, err := sharing.ListFor(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].Role = cartable.Manager
	}
	if err := withRights(ctx, s.db, c, items); err != nil {
		return nil, err
	}
	if err := withChildCounts(ctx, s.db, items); err != nil {
		return nil, err
	}
	out := make([]SharedItemGrants, 0, len(items))
	for _, it := range items {
		out = append(out, SharedItemGrants{Item: it, Grants: grants[it.ID]})
	}
	return out, nil
}
