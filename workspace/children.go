package workspace

import (
	"bytes"
	"context"
	"encoding/base64"
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
	Cursor     string // from the previous page's NextCursor
	Limit      int    // 1..MaxPageSize; DefaultPageSize when 0
}

// Page sizes.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Page is one page of a listing.
type Page struct {
	Items      []Item
	NextCursor string // empty on the last page
}

// sortColumns maps a sort order to the column it reads.
var sortColumns = map[string]string{
	SortName:     "i.name_key",
	SortModified: "i.modified_at",
	SortCreated:  "i.created_at",
	SortSize:     "i.size",
}

// cursor is where a page ended: the last item's folder rank, sort value and id.
type cursor struct {
	Sort  string    `json:"s"`
	Desc  bool      `json:"d,omitempty"`
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
	opts, after, err := normalizeListOptions(opts)
	if err != nil {
		return Page{}, err
	}
	items, err := s.queryChildren(ctx, c, folder, opts, after)
	if err != nil {
		return Page{}, err
	}
	page := Page{Items: items}
	if len(items) > opts.Limit {
		page.Items = items[:opts.Limit]
		page.NextCursor = encodeCursor(opts, page.Items[opts.Limit-1])
	}
	if err := s.withPreviews(ctx, page.Items); err != nil {
		return Page{}, err
	}
	return page, withChildCounts(ctx, s.db, page.Items)
}

func normalizeListOptions(opts ListOptions) (ListOptions, *cursor, error) {
	if opts.Sort == "" {
		opts.Sort = SortName
	}
	if _, ok := sortColumns[opts.Sort]; !ok {
		return opts, nil, cartable.Errorf(cartable.EInvalid, "unknown sort %q (name, modified, created, size)", opts.Sort)
	}
	switch {
	case opts.Limit == 0:
		opts.Limit = DefaultPageSize
	case opts.Limit < 0 || opts.Limit > MaxPageSize:
		return opts, nil, cartable.Errorf(cartable.EInvalid, "limit must be between 1 and %d", MaxPageSize)
	}
	if opts.Cursor == "" {
		return opts, nil, nil
	}
	after, err := decodeCursor(opts.Cursor)
	if err != nil || after.Sort != opts.Sort || after.Desc != opts.Descending {
		return opts, nil, cartable.Errorf(cartable.EInvalid, "the cursor is invalid or was made for another sort")
	}
	return opts, after, nil
}

func (s *Service) queryChildren(ctx context.Context, c *cartable.Caller, folder Item, opts ListOptions, after *cursor) ([]Item, error) {
	col := sortColumns[opts.Sort]
	dir, cmp := "ASC", ">"
	if opts.Descending {
		dir, cmp = "DESC", "<"
	}
	args := []any{folder.ID, opts.Limit + 1}
	where := ""
	if after != nil {
		// Folders first in either direction, then the sort key, then the id as a tie-break.
		where = fmt.Sprintf(` AND ((i.kind = 'file') > $3 OR ((i.kind = 'file') = $3 AND (%s, i.id) %s ($4, $5)))`, col, cmp)
		args = append(args, after.Files, after.Value, after.ID)
	}
	sql := `SELECT ` + itemColumns + ` FROM items i JOIN spaces s ON s.id = i.space_id
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

func encodeCursor(opts ListOptions, last Item) string {
	c := cursor{Sort: opts.Sort, Desc: opts.Descending, Files: !last.IsFolder(), ID: last.ID}
	switch opts.Sort {
	case SortName:
		c.Value = NameKey(last.Name)
	case SortModified:
		c.Value = last.ModifiedAt.UTC().Format(time.RFC3339Nano)
	case SortCreated:
		c.Value = last.CreatedAt.UTC().Format(time.RFC3339Nano)
	case SortSize:
		c.Value = last.Size
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c cursor
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	c.Value, err = typedCursorValue(c.Sort, c.Value)
	return &c, err
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
