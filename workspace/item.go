package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/lock"
	"cartable/sharing"
)

// Item kinds.
const (
	KindFile   = "file"
	KindFolder = "folder"
)

// Item is a folder or a file, as the caller sees it.
type Item struct {
	ID               uuid.UUID
	SpaceID          uuid.UUID
	ParentID         *uuid.UUID // nil for a space root
	Ancestors        []uuid.UUID
	Kind             string
	Name             string
	Size             int64
	MimeType         string
	CurrentVersionID *uuid.UUID
	Revision         int64
	CreatedAt        time.Time
	CreatedBy        string
	ModifiedAt       time.Time
	ModifiedBy       string
	TrashedAt        *time.Time
	TrashedBy        string
	TrashRootID      *uuid.UUID
	TrashedFromID    *uuid.UUID

	// Mode is a folder's own mode (Inherit: it follows its parent), Within the mode
	// in effect where the item lies: together they narrow or widen what authors may do.
	Mode   sharing.Mode
	Within sharing.Mode
	// PrivateTo is the pupil a private tree of a shared space is kept for (their
	// work on an assignment), read from the top of the item's tree; empty elsewhere.
	PrivateTo string

	// Space is the space holding the item; Role is the caller's role on it, and
	// Rights what that role lets them do with this very item.
	Space  Space
	Role   cartable.Role
	Rights sharing.Rights

	// Preview is the file's thumbnails, where listed (nil: none, or not asked).
	Preview *Preview
	// ChildCount is a live folder's number of live children, in the answers that
	// show items to clients (nil: a file, a trashed folder, or not counted).
	ChildCount *int64
	// Lock is the item's live lock, in the answers that show items to clients (nil:
	// none, or not asked).
	Lock *lock.Lock
	// Scan is the antivirus verdict on the current version, in the answers that
	// show items to clients, when it is news: ScanPending, Infected or Unscanned
	// ("" otherwise: clean, scanned before antivirus was on, or not asked).
	Scan string
	// Favorite: the caller starred the item, in the answers that show items to
	// clients (false: not starred, or not asked).
	Favorite bool

	// grants are the live grants naming the caller on the item and its ancestors.
	grants []sharing.Grant
	// place is what Rights were computed from, for the checks that say why not.
	place sharing.Placement
	// replaced: an upload made this file's new version in place of a new file.
	replaced bool
}

// IsFolder reports whether the item is a folder.
func (it *Item) IsFolder() bool { return it.Kind == KindFolder }

// IsRoot reports whether the item is its space's root folder.
func (it *Item) IsRoot() bool { return it.ParentID == nil }

// ETag is the item's entity tag: it changes with every change to the item, its
// name, place or content.
func (it *Item) ETag() string { return `"` + strconv.FormatInt(it.Revision, 10) + `"` }

// checkETag fails with precondition_failed when the client sent an If-Match that
// does not match. An empty ifMatch or "*" means no condition.
func (it *Item) checkETag(ifMatch string) error {
	if ifMatch == "" || ifMatch == "*" || ifMatch == it.ETag() || ifMatch == "W/"+it.ETag() {
		return nil
	}
	return cartable.Errorf(cartable.EPreconditionFailed, "the item has changed since it was read").
		With("etag", it.ETag())
}

// itemColumns is the select list scanItem reads, items aliased i and spaces s. The
// mode in effect where an item lies is its nearest ancestor's own mode, found in
// the small index of marked folders.
const itemColumns = `i.id, i.space_id, i.parent_id, i.ancestors, i.kind, i.name, i.size,
	coalesce(i.mime_type, ''), i.current_version_id, i.revision,
	i.created_at, coalesce(i.created_by, ''), i.modified_at, coalesce(i.modified_by, ''),
	i.trashed_at, coalesce(i.trashed_by, ''), i.trash_root_id, i.trashed_from_id,
	coalesce(i.mode, ''), coalesce((SELECT m.mode FROM items m WHERE m.id = ANY(i.ancestors) AND m.mode IS NOT NULL
		ORDER BY cardinality(m.ancestors) DESC LIMIT 1), ''),
	coalesce((SELECT r.private_to FROM items r WHERE r.id = coalesce(i.ancestors[1], i.id)), ''),
	s.id, s.kind, s.name, coalesce(s.structure_id, ''), coalesce(s.owner_id, ''), coalesce(s.group_id, ''), s.root_id, s.archived_at`

// bareItemColumns is itemColumns without what only rights are computed from (the
// mode in effect, the private tree's pupil), which it reads as empty: for a Bare
// listing, whose items carry no rights.
var bareItemColumns = strings.Replace(itemColumns, `coalesce((SELECT m.mode FROM items m WHERE m.id = ANY(i.ancestors) AND m.mode IS NOT NULL
		ORDER BY cardinality(m.ancestors) DESC LIMIT 1), ''),
	coalesce((SELECT r.private_to FROM items r WHERE r.id = coalesce(i.ancestors[1], i.id)), ''),`, `'', '',`, 1)

func scanItem(row pgx.Row) (Item, error) {
	var it Item
	err := scanItemWith(row, &it)
	return it, err
}

// scanItemWith scans itemColumns into it, and the columns that follow into extra.
func scanItemWith(row pgx.Row, it *Item, extra ...any) error {
	sp := &it.Space
	dest := []any{&it.ID, &it.SpaceID, &it.ParentID, &it.Ancestors, &it.Kind, &it.Name, &it.Size,
		&it.MimeType, &it.CurrentVersionID, &it.Revision,
		&it.CreatedAt, &it.CreatedBy, &it.ModifiedAt, &it.ModifiedBy,
		&it.TrashedAt, &it.TrashedBy, &it.TrashRootID, &it.TrashedFromID,
		&it.Mode, &it.Within, &it.PrivateTo,
		&sp.ID, &sp.Kind, &sp.Name, &sp.StructureID, &sp.OwnerID, &sp.GroupID, &sp.RootID, &sp.ArchivedAt}
	return row.Scan(append(dest, extra...)...)
}

// lockMode says whether loadItem locks the row for the rest of the transaction.
type lockMode int

const (
	noLock lockMode = iota
	// forUpdate: the caller will change the item, or the set of its children.
	// NO KEY UPDATE, because it must not block inserts that merely reference the row.
	forUpdate
)

// loadItem reads an item with its space, whatever the caller's rights.
func loadItem(ctx context.Context, q db.DBTX, id uuid.UUID, rowLock lockMode) (Item, error) {
	sql := `SELECT ` + itemColumns + ` FROM items i JOIN spaces s ON s.id = i.space_id WHERE i.id = $1`
	if rowLock == forUpdate {
		sql += ` FOR NO KEY UPDATE OF i`
	}
	it, err := scanItem(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, errNotFound(id)
	}
	if err != nil {
		return Item{}, fmt.Errorf("load item %s: %w", id, err)
	}
	return it, nil
}

func errNotFound(id uuid.UUID) error {
	return cartable.Errorf(cartable.ENotFound, "no item %s", id)
}

// access loads an item the caller must hold at least role on. An item the caller
// cannot see, or that is in the trash, is not found; one they see but may not
// change is forbidden.
func access(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID, need cartable.Role, rowLock lockMode) (Item, error) {
	it, err := accessAny(ctx, q, c, id, need, rowLock)
	if err != nil {
		return Item{}, err
	}
	if it.TrashedAt != nil {
		return Item{}, errNotFound(id)
	}
	return it, nil
}

// accessAny is access that also finds items in the trash.
func accessAny(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID, need cartable.Role, rowLock lockMode) (Item, error) {
	it, err := loadItem(ctx, q, id, rowLock)
	if err != nil {
		return Item{}, err
	}
	if it.grants, err = sharing.GrantsFor(ctx, q, c, append(slices.Clone(it.Ancestors), it.ID)); err != nil {
		return Item{}, err
	}
	it.Role = sharing.Decide(c, it.target())
	if it.Role == cartable.NoRole {
		return Item{}, errNotFound(id)
	}
	if it.Role < need {
		return Item{}, it.lacks(need)
	}
	one := []Item{it}
	if err := withRights(ctx, q, c, one); err != nil {
		return Item{}, err
	}
	return one[0], nil
}

// lacks is the refusal of what needs a role the caller does not hold on the item:
// in an archived space, that the space is archived (nobody holds more than viewer
// there), else the role it needs.
func (it *Item) lacks(need cartable.Role) error {
	if it.Space.Archived() {
		return sharing.SpaceArchived()
	}
	return cartable.Errorf(cartable.EForbidden, "this needs the %s role; you have %s", need, it.Role).
		With("required_role", need.String())
}

func (it *Item) target() sharing.Target {
	return sharing.Target{Space: it.Space.accessSpace(), Grants: it.grants, PrivateTo: it.PrivateTo}
}

// childAncestors is the ancestors array of the item's children.
func (it *Item) childAncestors() []uuid.UUID {
	out := make([]uuid.UUID, 0, len(it.Ancestors)+1)
	return append(append(out, it.Ancestors...), it.ID)
}
