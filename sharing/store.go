package sharing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// grantColumns is the select list scanGrant reads.
const grantColumns = `g.id, g.item_id, g.grantee_kind, g.grantee_id, coalesce(g.profile, ''), g.role, g.granted_by, g.created_at, g.expires_at`

func scanGrant(row pgx.Row) (Grant, error) {
	var g Grant
	var role, profile string
	err := row.Scan(&g.ID, &g.ItemID, &g.GranteeKind, &g.GranteeID, &profile, &role, &g.GrantedBy, &g.CreatedAt, &g.ExpiresAt)
	g.Role, _ = ParseRole(role)
	g.Profile = cartable.Profile(profile)
	return g, err
}

// namesCaller is the SQL condition that the grant aliased g is live and names the
// caller, whose principals are $2 (kinds), $3 (ids) and $4 (profiles): the caller
// as a user, each group with the profile they hold in it, each structure with
// their profile. A grant narrowed to a profile names only principals with it.
func namesCaller(g string) string {
	return `(` + g + `.expires_at IS NULL OR ` + g + `.expires_at > now()) AND EXISTS (
		SELECT 1 FROM unnest($2::text[], $3::text[], $4::text[]) AS me(kind, id, profile)
		WHERE me.kind = ` + g + `.grantee_kind AND me.id = ` + g + `.grantee_id
		  AND (` + g + `.profile IS NULL OR ` + g + `.profile = me.profile))`
}

// principals lists who the caller is, for namesCaller.
func principals(c *cartable.Caller) []any {
	if c.LinkID != "" {
		return []any{[]string{ToLink}, []string{c.LinkID}, []string{""}}
	}
	kinds, ids, profiles := []string{ToUser}, []string{c.UserID}, []string{string(c.Profile)}
	for _, m := range c.Groups {
		kinds, ids, profiles = append(kinds, ToGroup), append(ids, m.GroupID), append(profiles, string(m.Profile))
	}
	for _, s := range c.Structures {
		kinds, ids, profiles = append(kinds, ToStructure), append(ids, s.StructureID), append(profiles, string(c.Profile))
	}
	return []any{kinds, ids, profiles}
}

// GrantsFor returns the live grants on the items that name the caller: what Decide
// needs for an item and its ancestors, in one query.
func GrantsFor(ctx context.Context, q db.DBTX, c *cartable.Caller, itemIDs []uuid.UUID) ([]Grant, error) {
	if c == nil || len(itemIDs) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT `+grantColumns+` FROM grants g WHERE g.item_id = ANY($1) AND `+namesCaller("g"),
		append([]any{itemIDs}, principals(c)...)...)
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	grants, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Grant, error) { return scanGrant(row) })
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	matching := grants[:0]
	for _, g := range grants {
		if g.Matches(c) {
			matching = append(matching, g)
		}
	}
	return matching, nil
}

// List returns a page of the grants that apply to an item, oldest first (for its
// managers to see): those given on it and those it inherits from its ancestors
// (whose ItemID is then the ancestor's, and ItemName its name), with the names of
// their grantees.
func List(ctx context.Context, q db.DBTX, itemID uuid.UUID, ancestors []uuid.UUID, req cartable.PageRequest) (cartable.Page[Grant], error) {
	on := append(slices.Clone(ancestors), itemID)
	return pageOfItem(ctx, q, "permissions", `SELECT `+grantColumns+`, coalesce(u.display_name, gr.name, st.name, ''), i.name
		FROM grants g
		JOIN items i ON i.id = g.item_id
		LEFT JOIN users u ON g.grantee_kind = 'user' AND u.id = g.grantee_id
		LEFT JOIN groups gr ON g.grantee_kind = 'group' AND gr.id = g.grantee_id
		LEFT JOIN structures st ON g.grantee_kind = 'structure' AND st.id = g.grantee_id
		WHERE g.item_id = ANY($1) AND (NOT $2 OR (g.created_at, g.id) > ($3, $4)) ORDER BY g.created_at, g.id LIMIT $5`,
		on, req, scanNamedGrant, func(g Grant) createdKey { return createdKey{At: g.CreatedAt, ID: g.ID} })
}

// scanNamedGrant reads a grant followed by its grantee's name and its item's name.
func scanNamedGrant(row pgx.Row) (Grant, error) {
	var g Grant
	var role, profile string
	err := row.Scan(&g.ID, &g.ItemID, &g.GranteeKind, &g.GranteeID, &profile, &role, &g.GrantedBy, &g.CreatedAt, &g.ExpiresAt, &g.GranteeName, &g.ItemName)
	g.Role, _ = ParseRole(role)
	g.Profile = cartable.Profile(profile)
	return g, err
}

// createdKey is where a page of a list in creation order ended.
type createdKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// pageOfItem reads a page of what an item has (its grants, its links) in creation
// order: query selects it for the item (or items) $1, after the position ($3, $4)
// when $2, at most $5 rows.
func pageOfItem[T any](ctx context.Context, q db.DBTX, list, query string, itemID any, req cartable.PageRequest,
	scan func(pgx.Row) (T, error), key func(T) createdKey) (cartable.Page[T], error) {
	var after createdKey
	size, resumed, err := req.Keyset(list, &after)
	if err != nil {
		return cartable.Page[T]{}, err
	}
	rows, err := q.Query(ctx, query, itemID, resumed, after.At, after.ID, size+1)
	if err != nil {
		return cartable.Page[T]{}, fmt.Errorf("list %s of %v: %w", list, itemID, err)
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	if err != nil {
		return cartable.Page[T]{}, fmt.Errorf("list %s of %v: %w", list, itemID, err)
	}
	return cartable.CutPage(found, size, func(last T) string { return cartable.EncodeCursor(list, key(last)) }), nil
}

// Get returns one grant of the item.
func Get(ctx context.Context, q db.DBTX, itemID, grantID uuid.UUID) (Grant, error) {
	g, err := scanGrant(q.QueryRow(ctx, `SELECT `+grantColumns+` FROM grants g WHERE g.item_id = $1 AND g.id = $2`, itemID, grantID))
	if err == pgx.ErrNoRows {
		return Grant{}, cartable.Errorf(cartable.ENotFound, "no permission %s on item %s", grantID, itemID)
	}
	return g, err
}

// Insert stores a new grant; giving the same grantee a grant again is a conflict.
func Insert(ctx context.Context, q db.DBTX, g Grant) (Grant, error) {
	g.ID = uuid.Must(uuid.NewV7())
	err := q.QueryRow(ctx, `
		INSERT INTO grants (id, item_id, grantee_kind, grantee_id, profile, role, granted_by, expires_at)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, $8) RETURNING created_at`,
		g.ID, g.ItemID, g.GranteeKind, g.GranteeID, string(g.Profile), g.Role.String(), g.GrantedBy, g.ExpiresAt).Scan(&g.CreatedAt)
	if db.IsUniqueViolation(err, "") {
		return Grant{}, cartable.Errorf(cartable.EConflict, "this item is already shared with this grantee: change that permission instead")
	}
	if err != nil {
		return Grant{}, fmt.Errorf("insert grant: %w", err)
	}
	return g, nil
}

// Update changes a grant's role and expiry.
func Update(ctx context.Context, q db.DBTX, g Grant) error {
	_, err := q.Exec(ctx, `UPDATE grants SET role = $2, expires_at = $3, updated_at = now() WHERE id = $1`, g.ID, g.Role.String(), g.ExpiresAt)
	if err != nil {
		return fmt.Errorf("update grant %s: %w", g.ID, err)
	}
	return nil
}

// Delete removes a grant; access it gave ends at once.
func Delete(ctx context.Context, q db.DBTX, itemID, grantID uuid.UUID) error {
	tag, err := q.Exec(ctx, `DELETE FROM grants WHERE item_id = $1 AND id = $2`, itemID, grantID)
	if err != nil {
		return fmt.Errorf("delete grant %s: %w", grantID, err)
	}
	if tag.RowsAffected() == 0 {
		return cartable.Errorf(cartable.ENotFound, "no permission %s on item %s", grantID, itemID)
	}
	return nil
}

// maxExpiry bounds how far ahead a grant may expire when an expiry is given.
const maxExpiry = 5 * 365 * 24 * time.Hour

// ListFor returns the grants given on the items (links excepted), by item.
func ListFor(ctx context.Context, q db.DBTX, itemIDs []uuid.UUID) (map[uuid.UUID][]Grant, error) {
	rows, err := q.Query(ctx, `SELECT `+grantColumns+` FROM grants g WHERE g.item_id = ANY($1) AND g.grantee_kind <> 'link'
		ORDER BY g.created_at, g.id`, itemIDs)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	grants, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Grant, error) { return scanGrant(row) })
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	out := map[uuid.UUID][]Grant{}
	for _, g := range grants {
		out[g.ItemID] = append(out[g.ItemID], g)
	}
	return out, nil
}
