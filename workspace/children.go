package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/sharing"
)

// Sort orders of a listing. Folders always come before files.
const (
	SortName     = "name"
	SortModified = "modified"
	SortCreated  = "created"
	SortSize     = "size"
)

// ListOptions select a page of a folder's children.
type ListOptions struct {
	Sort       string // one of the Sort constants; name by default
	Descending bool
	// Bare leaves out the thumbnails, the child counts and each child's own role and
	// rights (Role is the folder's, which a grant on the child may only raise;
	// Rights are left empty, refusing everything): for a listing that shows names,
	// sizes and dates and must be fast for 10,000 items (a WebDAV PROPFIND). Nor
	// are Within and PrivateTo read (bareItemColumns). Which children are listed
	// does not change.
	Bare bool
	cartable.PageRequest
}

// Page is one page of a listing of items.
type Page = cartable.Page[Item]

// sortColumns maps a sort order to the column it reads.
var sortColumns = map[string]string{
	SortName:     "i.name_key",
	SortModified: "i.modified_at",
	SortCreated:  "i.created_at",
	SortSize:     "i.size",
}

// childKey is where a page of children ended: the last item's folder rank, sort
// value and id.
type childKey struct {
	Files bool      `json:"f"`
	Value any       `json:"v"`
	ID    uuid.UUID `json:"i"`
}

// Children lists a page of a folder's children, for any caller who may view it.
func (s *Service) Children(ctx context.Context, c *cartable.Caller, folderID uuid.UUID, opts ListOptions) (Page, error) {
	folder, err := access(ctx, s.db, c, folderID, cartable.Viewer, noLock)
	if err != nil {
		return Page{}, err
	}
	if !folder.IsFolder() {
		return Page{}, cartable.Errorf(cartable.EInvalid, "item %s is a file, not a folder", folderID)
	}
	if opts.Sort == "" {
		opts.Sort = SortName
	}
	size, after, err := childrenKeyset(opts)
	if err != nil {
		return Page{}, err
	}
	items, err := s.queryChildren(ctx, c, folder, opts, size, after)
	if err != nil {
		return Page{}, err
	}
	page := cartable.CutPage(items, size, func(last Item) string {
		return cartable.EncodeCursor(childrenList(opts), childKeyOf(opts.Sort, last))
	})
	if opts.Bare {
		return page, nil
	}
	if err := s.withPreviews(ctx, page.Items); err != nil {
		return Page{}, err
	}
	if err := withLocks(ctx, s.db, page.Items); err != nil {
		return Page{}, err
	}
	if err := withFavorites(ctx, s.db, c, page.Items); err != nil {
		return Page{}, err
	}
	return page, withChildCounts(ctx, s.db, page.Items)
}

// childrenList names a listing's order in its cursors.
func childrenList(opts ListOptions) string {
	dir := "asc"
	if opts.Descending {
		dir = "desc"
	}
	return "children:" + opts.Sort + ":" + dir
}

// childrenKeyset checks the options of a listing and returns its page size and the
// position it starts after (nil for the first page).
func childrenKeyset(opts ListOptions) (int, *childKey, error) {
	if _, ok := sortColumns[opts.Sort]; !ok {
		return 0, nil, cartable.Errorf(cartable.EInvalid, "unknown sort %q (name, modified, created, size)", opts.Sort).With("field", "sort")
	}
	var after childKey
	size, resumed, err := opts.Keyset(childrenList(opts), &after)
	if err != nil || !resumed {
		return size, nil, err
	}
	if after.Value, err = typedCursorValue(opts.Sort, after.Value); err != nil {
		return 0, nil, cartable.InvalidCursor()
	}
	return size, &after, nil
}

func (s *Service) queryChildren(ctx context.Context, c *cartable.Caller, folder Item, opts ListOptions, size int, after *childKey) ([]Item, error) {
	col := sortColumns[opts.Sort]
	dir, cmp := "ASC", ">"
	if opts.Descending {
		dir, cmp = "DESC", "<"
	}
	args := []any{folder.ID, size + 1}
	where := ""
	if after != nil {
		// Folders first in either direction, then the sort key, then the id as a tie-break.
		where = fmt.Sprintf(` AND ((i.kind = 'file') > $3 OR ((i.kind = 'file') = $3 AND (%s, i.id) %s ($4, $5)))`, col, cmp)
		args = append(args, after.Files, after.Value, after.ID)
	}
	cols := itemColumns
	if opts.Bare {
		cols = bareItemColumns
	}
	sql := `SELECT ` + cols + ` FROM items i JOIN spaces s ON s.id = i.space_id
		WHERE i.parent_id = $1 AND i.trashed_at IS NULL` + where + `
		ORDER BY (i.kind = 'file'), ` + col + ` ` + dir + `, i.id ` + dir + ` LIMIT $2`
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list children of %s: %w", folder.ID, err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) { return scanItem(row) })
	if err != nil {
		return nil, fmt.Errorf("scan children of %s: %w", folder.ID, err)
	}
	if opts.Bare {
		for i := range items {
			items[i].Role, items[i].grants = folder.Role, folder.grants
		}
		return items, nil
	}
	return withRoles(ctx, s.db, c, folder, items)
}

// withRoles gives each child the caller's role on it (what the folder gives, raised
// by any grant on the child itself) and their rights.
func withRoles(ctx context.Context, q db.DBTX, c *cartable.Caller, folder Item, items []Item) ([]Item, error) {
	ids := make([]uuid.UUID, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	own, err := sharing.GrantsFor(ctx, q, c, ids)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].grants = folder.grants
		for _, g := range own {
			if g.ItemID == items[i].ID {
				items[i].grants = append(slices.Clone(items[i].grants), g)
			}
		}
		items[i].Role = max(folder.Role, sharing.Decide(c, items[i].target()))
	}
	return items, withRights(ctx, q, c, items)
}

// childKeyOf is the position after an item in a listing by sort.
func childKeyOf(sort string, last Item) childKey {
	k := childKey{Files: !last.IsFolder(), ID: last.ID}
	switch sort {
	case SortName:
		k.Value = NameKey(last.Name)
	case SortModified:
		k.Value = last.ModifiedAt.UTC().Format(time.RFC3339Nano)
	case SortCreated:
		k.Value = last.CreatedAt.UTC().Format(time.RFC3339Nano)
	case SortSize:
		k.Value = last.Size
	}
	return k
}

// typedCursorValue turns the JSON value back into the Go type of its column.
func typedCursorValue(sort string, v any) (any, error) {
	switch sort {
	case SortName:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case SortModified, SortCreated:
		if s, ok := v.(string); ok {
			return time.Parse(time.RFC3339Nano, s)
		}
	case SortSize:
		if n, ok := v.(json.Number); ok {
			return n.Int64()
		}
	}
	return nil, fmt.Errorf("bad cursor value %v for sort %q", v, sort)
}
