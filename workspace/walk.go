package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"cartable"
	"cartable/lock"
)

// Walk follows names down from the folder fromID, as a path does (WebDAV maps its
// URLs to items so): each name is a live child of the previous item, matched as
// sibling names are kept unique (NFC, ignoring case). It returns the deepest item
// reached and how many names it consumed: found < len(names) means names[found] is
// not there. The item returned is one the caller may view, else not_found: the
// walk itself reads only ids, and the access decision is the one of every use case.
func (s *Service) Walk(ctx context.Context, c *cartable.Caller, fromID uuid.UUID, names []string) (it Item, found int, err error) {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = NameKey(norm.NFC.String(n))
	}
	var id uuid.UUID
	err = s.db.QueryRow(ctx, `
		WITH RECURSIVE walk (id, depth) AS (
			SELECT $1::uuid, 0
			UNION ALL
			SELECT i.id, w.depth + 1 FROM walk w
			JOIN items i ON i.parent_id = w.id AND i.name_key = ($2::text[])[w.depth + 1] AND i.trashed_at IS NULL
			WHERE w.depth < cardinality($2::text[])
		)
		SELECT id, depth FROM walk ORDER BY depth DESC LIMIT 1`, fromID, keys).Scan(&id, &found)
	if err != nil {
		return Item{}, 0, fmt.Errorf("walk from %s: %w", fromID, err)
	}
	it, err = access(ctx, s.db, c, id, cartable.Viewer, noLock)
	return it, found, err
}

// ChildLocks returns the live locks on the children of a folder the caller may
// view, by item, for a listing that shows them (WebDAV's lockdiscovery).
func (s *Service) ChildLocks(ctx context.Context, c *cartable.Caller, folderID uuid.UUID) (map[uuid.UUID]lock.Lock, error) {
	if _, err := access(ctx, s.db, c, folderID, cartable.Viewer, noLock); err != nil {
		return nil, err
	}
	locks, err := lock.OfChildren(ctx, s.db, folderID)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]lock.Lock, len(locks))
	for _, l := range locks {
		out[l.ItemID] = l
	}
	return out, nil
}
