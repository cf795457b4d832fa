package workspace

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/sharing"
)

// placeFound gives each result the caller's role and rights, its thumbnails, lock
// and child count, and where it lies. The role comes from Decide, the one access
// decision, as for any item read: a result it gives no role (which the search's
// own conditions should never let through) is left out rather than shown.
func (s *Service) placeFound(ctx context.Context, c *cartable.Caller, found []Found) ([]Found, error) {
	byID, err := s.ancestorsOf(ctx, found)
	if err != nil {
		return nil, err
	}
	grants, err := sharing.GrantsFor(ctx, s.db, c, ids(byID, found))
	if err != nil {
		return nil, err
	}
	kept := found[:0]
	for _, f := range found {
		f.grants = grantsOn(grants, append(slices.Clone(f.Ancestors), f.ID))
		if f.Role = sharing.Decide(c, f.target()); f.Role == cartable.NoRole {
			continue
		}
		f.SpaceName, f.Path = placeOf(c, f.Item, byID, grants)
		kept = append(kept, f)
	}
	items := make([]Item, len(kept))
	for i := range kept {
		items[i] = kept[i].Item
	}
	if err := s.withDetails(ctx, c, items); err != nil {
		return nil, err
	}
	for i := range kept {
		kept[i].Item = items[i]
	}
	return kept, nil
}

// withDetails fills what a listing shows of each item besides its row.
func (s *Service) withDetails(ctx context.Context, c *cartable.Caller, items []Item) error {
	if err := withRights(ctx, s.db, c, items); err != nil {
		return err
	}
	if err := s.withPreviews(ctx, items); err != nil {
		return err
	}
	if err := withLocks(ctx, s.db, items); err != nil {
		return err
	}
	return withChildCounts(ctx, s.db, items)
}

// ids lists the ids of the results and of all their ancestors.
func ids(ancestors map[uuid.UUID]string, found []Found) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ancestors)+len(found))
	for id := range ancestors {
		out = append(out, id)
	}
	for _, f := range found {
		out = append(out, f.ID)
	}
	return out
}

// ancestorsOf reads the names of the results' ancestors, by id.
func (s *Service) ancestorsOf(ctx context.Context, found []Found) (map[uuid.UUID]string, error) {
	var ids []uuid.UUID
	for _, f := range found {
		ids = append(ids, f.Ancestors...)
	}
	rows, err := s.db.Query(ctx, `SELECT id, name FROM items WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("read folders of search results: %w", err)
	}
	names := map[uuid.UUID]string{}
	var id uuid.UUID
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		names[id] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read folders of search results: %w", err)
	}
	return names, nil
}

// grantsOn keeps the grants given on one of the ids.
func grantsOn(grants []sharing.Grant, ids []uuid.UUID) []sharing.Grant {
	var on []sharing.Grant
	for _, g := range grants {
		if slices.Contains(ids, g.ItemID) {
			on = append(on, g)
		}
	}
	return on
}

// placeOf is where an item lies as the caller may see it: its space's name when the
// space is theirs, and the names of the folders above it that they may read (the
// space root left out). Above a folder shared with them, nothing is named: a pupil
// who was given "Séquence 1" does not learn the names of the teacher's folders.
func placeOf(c *cartable.Caller, it Item, names map[uuid.UUID]string, grants []sharing.Grant) (string, []string) {
	spaceName := ""
	if sharing.SpaceRole(c, it.Space.accessSpace()) > cartable.NoRole {
		spaceName = it.Space.Name
	}
	path := []string{}
	for k, id := range it.Ancestors {
		if id == it.Space.RootID {
			continue
		}
		t := sharing.Target{Space: it.Space.accessSpace(), Grants: grantsOn(grants, it.Ancestors[:k+1]), PrivateTo: it.PrivateTo}
		if sharing.Decide(c, t) > cartable.NoRole {
			path = append(path, names[id])
		}
	}
	return spaceName, path
}
