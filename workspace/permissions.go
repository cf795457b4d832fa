package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/audit"
	"cartable/events"
	"cartable/sharing"
)

// Permissions lists a page of the grants that apply to an item, oldest first, for
// its managers: those given on it and those inherited from its ancestors (a grant's
// ItemID says which).
func (s *Service) Permissions(ctx context.Context, c *cartable.Caller, id uuid.UUID, req cartable.PageRequest) (cartable.Page[sharing.Grant], error) {
	it, err := access(ctx, s.db, c, id, cartable.Manager, noLock)
	if err != nil {
		return cartable.Page[sharing.Grant]{}, err
	}
	return sharing.List(ctx, s.db, id, it.Ancestors, req)
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
		if err := auditGrant(ctx, tx, c, it, audit.Share, created); err != nil {
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
		it, err := access(ctx, tx, c, id, cartable.Manager, noLock)
		if err != nil {
			return err
		}
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
		if err := sharing.Update(ctx, tx, g); err != nil {
			return err
		}
		return auditGrant(ctx, tx, c, it, audit.ShareChange, g)
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
		if err := auditGrant(ctx, tx, c, it, audit.Unshare, g); err != nil {
			return err
		}
		return events.Record(ctx, tx, shareEvent(events.Unshare, c, it, g))
	})
}

// SharedItem is an item shared with the caller: by whom, when, with which role.
type SharedItem struct {
	Item
	SharedBy string
	// SharedByName is the sharer's display name ("" when the directory no longer
	// knows them): what people read, where SharedBy is an id.
	SharedByName string
	SharedAt     time.Time
	sortName     string // the key of the order by name
}

// sharedSorts are the orders of "shared with me": the condition that keeps what
// follows the cursor ($6, $7) and the order.
var sharedSorts = map[string]struct{ after, order string }{
	"date": {`(shared_at, sort_id) < ($6, $7)`, `shared_at DESC, sort_id DESC`},
	"name": {`(sort_name, sort_id) > ($6, $7)`, `sort_name, sort_id`},
}

// sharedKey is where a page of "shared with me" ended: the share's date (by date)
// or the item's name (by name), and the item's id.
type sharedKey struct {
	At   time.Time `json:"t"`
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// SharedWithMe lists the top-most items shared with the caller (not each item below
// them), newest share first ("date", the default) or by name; items stay where their
// owners keep them.
func (s *Service) SharedWithMe(ctx context.Context, c *cartable.Caller, sortBy string, req cartable.PageRequest) (cartable.Page[SharedItem], error) {
	if sortBy == "" {
		sortBy = "date"
	}
	sort, ok := sharedSorts[sortBy]
	if !ok {
		return cartable.Page[SharedItem]{}, cartable.Errorf(cartable.EInvalid, "sort must be date or name").With("field", "sort")
	}
	var after sharedKey
	size, resumed, err := req.Keyset("shared:"+sortBy, &after)
	if err != nil {
		return cartable.Page[SharedItem]{}, err
	}
	var from any = after.At
	if sortBy == "name" {
		from = after.Name
	}
	// The candidates are few (the top-most shares of one person), so they are
	// computed whole and the keyset applies to them.
	rows, err := s.db.Query(ctx, `SELECT * FROM (`+sharing.SharedWithSQL(itemColumns)+`) shared
		WHERE NOT $5 OR `+sort.after+` ORDER BY `+sort.order+` LIMIT $8`,
		append(sharing.SharedWithArgs(c), resumed, from, after.ID, size+1)...)
	if err != nil {
		return cartable.Page[SharedItem]{}, fmt.Errorf("list shared with %s: %w", c.UserID, err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SharedItem, error) {
		var si SharedItem
		var role string
		err := scanItemWith(row, &si.Item, &role, &si.SharedBy, &si.SharedAt, &si.SharedByName, &si.sortName, new(uuid.UUID))
		si.Role, _ = sharing.ParseRole(role)
		return si, err
	})
	if err != nil {
		return cartable.Page[SharedItem]{}, err
	}
	out := cartable.CutPage(items, size, func(last SharedItem) string {
		return cartable.EncodeCursor("shared:"+sortBy, sharedKey{At: last.SharedAt, Name: last.sortName, ID: last.ID})
	})
	if err := s.withSharedDetails(ctx, c, out.Items); err != nil {
		return cartable.Page[SharedItem]{}, err
	}
	return out, nil
}

// withSharedDetails fills the details of shared items (withItemDetails).
func (s *Service) withSharedDetails(ctx context.Context, c *cartable.Caller, shared []SharedItem) error {
	items := make([]Item, len(shared))
	for i := range shared {
		items[i] = shared[i].Item
	}
	if err := s.withItemDetails(ctx, c, items); err != nil {
		return err
	}
	for i := range shared {
		shared[i].Item = items[i]
	}
	return nil
}

// SharedItemGrants is an item of a space with the grants given on it.
type SharedItemGrants struct {
	Item   Item
	Grants []sharing.Grant
}

// byName is where a page of a list by name ended.
type byName struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// SharedFromSpace lists a page of what is shared in a space, by name, for its
// managers: each item with a grant on it, with its grants (links aside).
func (s *Service) SharedFromSpace(ctx context.Context, c *cartable.Caller, spaceID uuid.UUID, req cartable.PageRequest) (cartable.Page[SharedItemGrants], error) {
	var none cartable.Page[SharedItemGrants]
	var root uuid.UUID
	if err := s.db.QueryRow(ctx, `SELECT root_id FROM spaces WHERE id = $1`, spaceID).Scan(&root); err != nil {
		return none, cartable.Errorf(cartable.ENotFound, "no space %s", spaceID)
	}
	if _, err := access(ctx, s.db, c, root, cartable.Manager, noLock); err != nil {
		return none, err
	}
	var after byName
	size, resumed, err := req.Keyset("shared-from-space", &after)
	if err != nil {
		return none, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+itemColumns+` FROM items i JOIN spaces s ON s.id = i.space_id
		WHERE i.space_id = $1 AND i.trashed_at IS NULL
		  AND EXISTS (SELECT 1 FROM grants g WHERE g.item_id = i.id AND g.grantee_kind <> 'link')
		  AND (NOT $2 OR (i.name_key, i.id) > ($3, $4))
		ORDER BY i.name_key, i.id LIMIT $5`, spaceID, resumed, after.Name, after.ID, size+1)
	if err != nil {
		return none, fmt.Errorf("list shared items of %s: %w", spaceID, err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) { return scanItem(row) })
	if err != nil {
		return none, fmt.Errorf("list shared items of %s: %w", spaceID, err)
	}
	page := cartable.CutPage(items, size, func(last Item) string {
		return cartable.EncodeCursor("shared-from-space", byName{Name: NameKey(last.Name), ID: last.ID})
	})
	list, err := s.withGrants(ctx, c, page.Items)
	return cartable.Page[SharedItemGrants]{Items: list, NextCursor: page.NextCursor}, err
}

// withGrants gives each item of a "shared by me" page its grants (links aside) and
// the caller's rights, as the manager they are.
func (s *Service) withGrants(ctx context.Context, c *cartable.Caller, items []Item) ([]SharedItemGrants, error) {
	ids := make([]uuid.UUID, len(items))
	for i := range items {
		ids[i] = items[i].ID
		items[i].Role = cartable.Manager
	}
	grants, err := sharing.ListFor(ctx, s.db, ids)
	if err != nil {
		return nil, err
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
