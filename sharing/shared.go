package sharing

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// SharedWithSQL selects, for the caller (principals in $2..$4), the top-most items
// shared with them: items with a live grant naming them and no such grant on any
// ancestor, not trashed, outside their own personal space. Each comes once, with
// its best grant; the select list is the caller's (items i, spaces s), followed by
// share_role, shared_by, shared_at, shared_by_name (the sharer's display name, empty
// when the directory no longer knows them), and the sort keys sort_name and
// sort_id. $1 is the caller's id.
func SharedWithSQL(itemColumns string) string {
	// Driven from the caller's principals, so each finds its grants through the
	// grantee index instead of scanning every grant.
	return fmt.Sprintf(`
		SELECT DISTINCT ON (i.id) %s, g.role AS share_role, g.granted_by AS shared_by, g.created_at AS shared_at,
			coalesce((SELECT u.display_name FROM users u WHERE u.id = g.granted_by), '') AS shared_by_name,
			lower(i.name) AS sort_name, i.id AS sort_id
		FROM unnest($2::text[], $3::text[], $4::text[]) AS me(kind, id, profile)
		JOIN grants g ON g.grantee_kind = me.kind AND g.grantee_id = me.id
			AND (g.profile IS NULL OR g.profile = me.profile) AND (g.expires_at IS NULL OR g.expires_at > now())
		JOIN items i ON i.id = g.item_id JOIN spaces s ON s.id = i.space_id
		WHERE i.trashed_at IS NULL AND s.owner_id IS DISTINCT FROM $1
		  AND NOT EXISTS (SELECT 1 FROM grants a WHERE a.item_id = ANY(i.ancestors) AND %s)
		ORDER BY i.id, CASE g.role WHEN 'manager' THEN 3 WHEN 'contributor' THEN 2 ELSE 1 END DESC, g.created_at`,
		itemColumns, namesCaller("a"))
}

// SharedWithArgs are the query arguments of SharedWithSQL for the caller.
func SharedWithArgs(c *cartable.Caller) []any {
	return append([]any{c.UserID}, principals(c)...)
}

// GrantedItems returns the items on which a live grant names the caller (its
// descendants inherit it): with the spaces the caller belongs to, what a search
// across everything they may read starts from.
func GrantedItems(ctx context.Context, q db.DBTX, c *cartable.Caller) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `
		SELECT DISTINCT g.item_id
		FROM unnest($1::text[], $2::text[], $3::text[]) AS me(kind, id, profile)
		JOIN grants g ON g.grantee_kind = me.kind AND g.grantee_id = me.id
			AND (g.profile IS NULL OR g.profile = me.profile) AND (g.expires_at IS NULL OR g.expires_at > now())`,
		principals(c)...)
	if err != nil {
		return nil, fmt.Errorf("find items granted to %s: %w", c.UserID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("find items granted to %s: %w", c.UserID, err)
	}
	return ids, nil
}
