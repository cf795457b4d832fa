package sharing

import (
	"fmt"

	"cartable"
)

// SharedWithSQL selects, for the caller (principals in $2..$4), the top-most items
// shared with them: items with a live grant naming them and no such grant on any
// ancestor, not trashed, outside their own personal space. Each comes once, with
// its best grant; the select list is the caller's (items i, spaces s), followed by
// share_role, shared_by, shared_at, and the sort keys sort_name and sort_id. $1 is
// the caller's id.
func SharedWithSQL(itemColumns string) string {
	return fmt.Sprintf(`
		SELECT DISTINCT ON (i.id) %s, g.role AS share_role, g.granted_by AS shared_by, g.created_at AS shared_at,
			lower(i.name) AS sort_name, i.id AS sort_id
		FROM grants g JOIN items i ON i.id = g.item_id JOIN spaces s ON s.id = i.space_id
		WHERE %s AND i.trashed_at IS NULL AND s.owner_id IS DISTINCT FROM $1
		  AND NOT EXISTS (SELECT 1 FROM grants a WHERE a.item_id = ANY(i.ancestors) AND %s)
		ORDER BY i.id, CASE g.role WHEN 'manager' THEN 3 WHEN 'contributor' THEN 2 ELSE 1 END DESC, g.created_at`,
		itemColumns, namesCaller("g"), namesCaller("a"))
}

// SharedWithArgs are the query arguments of SharedWithSQL for the caller.
func SharedWithArgs(c *cartable.Caller) []any {
	return append([]any{c.UserID}, principals(c)...)
}
