package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/sharing"
)

// Search finds items by name across everything the caller may read: their personal
// space, the spaces of their classes, groups and establishments (as SpaceRole gives
// them, without the other pupils' private folders), and what is shared with them,
// with everything below it. The trash is not searched, nor file contents.
//
// A name matches when each word of the query is found in it, ignoring case and
// accents (cartable_fold): "eleve" finds "Élève", "xpos" finds "exposé.odt". Results
// come by relevance (the whole name, or the name without its extension, equal to
// the query; then names where every query word begins a word; then the others),
// then the most recently modified first.

// Search types: which items a type filter keeps.
const (
	SearchImages    = "images"
	SearchDocuments = "documents"
	SearchPDF       = "pdf"
	SearchVideo     = "video"
	SearchFolders   = "folders"
)

// searchTypes maps a type filter to its SQL condition on items i. Documents are
// what a teacher calls one: PDF, word processing, spreadsheets, presentations
// (OpenDocument, Office Open XML, the older Microsoft formats, RTF) and text.
var searchTypes = map[string]string{
	SearchImages: `i.kind = 'file' AND i.mime_type LIKE 'image/%'`,
	SearchVideo:  `i.kind = 'file' AND i.mime_type LIKE 'video/%'`,
	SearchPDF:    `i.kind = 'file' AND i.mime_type = 'application/pdf'`,
	SearchDocuments: `i.kind = 'file' AND (i.mime_type = 'application/pdf' OR i.mime_type LIKE 'text/%'
		OR i.mime_type LIKE 'application/vnd.oasis.opendocument.%' OR i.mime_type LIKE 'application/vnd.openxmlformats-officedocument.%'
		OR i.mime_type LIKE 'application/vnd.ms-%' OR i.mime_type IN ('application/msword', 'application/rtf'))`,
	SearchFolders: `i.kind = 'folder'`,
}

// Query sizes: at least two letters (one letter finds everything), at most a long
// title's worth.
const (
	minSearchRunes  = 2
	maxSearchRunes  = 200
	maxSearchWords  = 8
	trigramMinRunes = 3 // pg_trgm indexes words from three letters
)

// SearchOptions select a page of search results.
type SearchOptions struct {
	Query         string
	Type          string     // one of the Search constants; empty for every item
	SpaceID       *uuid.UUID // only this space
	ModifiedAfter *time.Time // only items modified after this instant
	cartable.PageRequest
}

// Found is a search result: the item, with where it lies as the caller may see it.
type Found struct {
	Item
	// SpaceName is the name of the item's space, empty when the caller reaches the
	// item only through a share (the space itself is not theirs to see).
	SpaceName string
	// Path is the names of the folders from the space's root (left out) down to the
	// item's parent, only those the caller may read: below a shared folder, the
	// path starts at that folder.
	Path []string

	rank int
}

// searchKey is where a page of results ended: the last item's rank, modification
// and id.
type searchKey struct {
	Rank     int       `json:"r"`
	Modified time.Time `json:"m"`
	ID       uuid.UUID `json:"i"`
}

// Search answers a page of the items the caller may read whose names match.
func (s *Service) Search(ctx context.Context, c *cartable.Caller, opts SearchOptions) (cartable.Page[Found], error) {
	q, err := s.foldQuery(ctx, opts)
	if err != nil {
		return cartable.Page[Found]{}, err
	}
	var after searchKey
	size, resumed, err := opts.Keyset(q.list(opts), &after)
	if err != nil {
		return cartable.Page[Found]{}, err
	}
	reach, err := s.reachOf(ctx, c)
	if err != nil {
		return cartable.Page[Found]{}, err
	}
	var from *searchKey
	if resumed {
		from = &after
	}
	found, err := s.queryFound(ctx, c, q, reach, opts, from, size+1)
	if err != nil {
		return cartable.Page[Found]{}, err
	}
	page := cartable.CutPage(found, size, func(last Found) string {
		return cartable.EncodeCursor(q.list(opts), searchKey{Rank: last.rank, Modified: last.ModifiedAt, ID: last.ID})
	})
	if page.Items, err = s.placeFound(ctx, c, page.Items); err != nil {
		return cartable.Page[Found]{}, err
	}
	return page, nil
}

// searchQuery is a query folded as names are: the whole of it and its words.
type searchQuery struct {
	Whole string   `json:"q"`
	Words []string `json:"w"`
}

// foldQuery checks the options and folds the query with the database's own
// cartable_fold, so that it matches names folded by the index.
func (s *Service) foldQuery(ctx context.Context, opts SearchOptions) (searchQuery, error) {
	if _, ok := searchTypes[opts.Type]; opts.Type != "" && !ok {
		return searchQuery{}, cartable.Errorf(cartable.EInvalid, "unknown type %q (images, documents, pdf, video, folders)", opts.Type).With("field", "type")
	}
	raw := strings.TrimSpace(opts.Query)
	if n := utf8.RuneCountInString(raw); n < minSearchRunes || n > maxSearchRunes {
		return searchQuery{}, cartable.Errorf(cartable.EInvalid, "q must hold from %d to %d characters", minSearchRunes, maxSearchRunes).With("field", "q")
	}
	var q searchQuery
	err := s.db.QueryRow(ctx, `SELECT cartable_fold($1), cartable_words($1)`, raw).Scan(&q.Whole, &q.Words)
	if err != nil {
		return searchQuery{}, fmt.Errorf("fold search query: %w", err)
	}
	if len(q.Words) == 0 {
		return searchQuery{}, cartable.Errorf(cartable.EInvalid, "q must hold a letter or a digit").With("field", "q")
	}
	if len(q.Words) > maxSearchWords {
		q.Words = q.Words[:maxSearchWords]
	}
	return q, nil
}

// list names a search in its cursors: the folded query and its filters, so that a
// cursor only continues the search that made it.
func (q searchQuery) list(opts SearchOptions) string {
	b, _ := json.Marshal(struct {
		Q     searchQuery `json:"q"`
		Type  string      `json:"t,omitempty"`
		Space *uuid.UUID  `json:"s,omitempty"`
		After *time.Time  `json:"a,omitempty"`
	}{q, opts.Type, opts.SpaceID, opts.ModifiedAfter})
	return "search:" + string(b)
}

// reach is what a caller may read, as a search starts from it: the spaces they are
// a member of (managed: they see every item, private folders included; joined:
// they see all but the other members' private folders) and the items shared with
// them.
type reach struct {
	managed, joined []uuid.UUID
	roots           []uuid.UUID // of the spaces managed and joined
	// tops are the tops of the trees of the joined spaces the caller may see: their
	// roots, and the private trees kept for the caller (not the other members').
	tops    []uuid.UUID
	granted []uuid.UUID
}

// reachOf finds the caller's spaces (without creating the missing ones: a space
// not yet created holds nothing), the archived classes they were in, and the items
// shared with them.
func (s *Service) reachOf(ctx context.Context, c *cartable.Caller) (reach, error) {
	var r reach
	rows, err := s.db.Query(ctx, `
		SELECT id, kind, coalesce(structure_id, ''), coalesce(owner_id, ''), coalesce(group_id, ''), root_id, archived_at
		FROM spaces
		WHERE owner_id = $1 OR group_id = ANY($2) OR (kind = 'structure' AND structure_id = ANY($3))
			OR id = ANY($4::uuid[])`,
		c.UserID, groupIDs(c), structureIDs(c), formerSpaceIDs(c))
	if err != nil {
		return reach{}, fmt.Errorf("find spaces of %s: %w", c.UserID, err)
	}
	var sp Space
	_, err = pgx.ForEachRow(rows, []any{&sp.ID, &sp.Kind, &sp.StructureID, &sp.OwnerID, &sp.GroupID, &sp.RootID, &sp.ArchivedAt}, func() error {
		role := sharing.SpaceRole(c, sp.accessSpace())
		switch {
		case role >= cartable.Manager:
			r.managed = append(r.managed, sp.ID)
		case role > cartable.NoRole:
			r.joined = append(r.joined, sp.ID)
		}
		if role > cartable.NoRole {
			r.roots = append(r.roots, sp.RootID)
		}
		return nil
	})
	if err != nil {
		return reach{}, fmt.Errorf("find spaces of %s: %w", c.UserID, err)
	}
	if r.tops, err = visibleTops(ctx, s.db, c, r.joined); err != nil {
		return reach{}, err
	}
	r.granted, err = sharing.GrantedItems(ctx, s.db, c)
	return r, err
}

// visibleTops lists the tops of the trees of the joined spaces that the caller may
// see: the tops that hang below no folder (the roots and the private trees) but the
// private trees kept for someone else, as Decide rules.
func visibleTops(ctx context.Context, q db.DBTX, c *cartable.Caller, joined []uuid.UUID) ([]uuid.UUID, error) {
	if len(joined) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `
		SELECT id FROM items WHERE space_id = ANY($1) AND parent_id IS NULL AND (private_to IS NULL OR private_to = $2)`,
		joined, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("find the trees of %s's spaces: %w", c.UserID, err)
	}
	tops, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("find the trees of %s's spaces: %w", c.UserID, err)
	}
	return tops, nil
}
