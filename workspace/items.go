package workspace

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// WriteOptions are the conditions a client puts on a write.
type WriteOptions struct {
	// IfMatch is the ETag the client last read; the write fails with
	// precondition_failed when the item has changed since. Empty: no condition.
	IfMatch string
	// AutoRename picks "name (2).ext" on a name clash instead of failing with
	// name_conflict.
	AutoRename bool
	// Replace makes an upload whose name a file already bears the next version of
	// that file (see replace.go). Only uploads read it.
	Replace bool
	// Lock is the token of the lock the writer holds on the item (an office editor's
	// or a WebDAV client's); a locked item refuses writes without it (locks.go).
	Lock string
}

// Item returns an item the caller may view, with its thumbnails.
func (s *Service) Item(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Item, error) {
	it, err := access(ctx, s.db, c, id, cartable.Viewer, noLock)
	if err != nil {
		return Item{}, err
	}
	items := []Item{it}
	if err := s.withPreviews(ctx, items); err != nil {
		return Item{}, err
	}
	if err := withLocks(ctx, s.db, items); err != nil {
		return Item{}, err
	}
	if err := withFavorites(ctx, s.db, c, items); err != nil {
		return Item{}, err
	}
	return items[0], withChildCounts(ctx, s.db, items)
}

// CreateFolder creates a folder in parent, for a contributor of parent.
func (s *Service) CreateFolder(ctx context.Context, c *cartable.Caller, parentID uuid.UUID, name string, opts WriteOptions) (Item, error) {
	name, err := NormalizeName(name)
	if err != nil {
		return Item{}, err
	}
	var created Item
	err = s.transact(ctx, func(tx pgx.Tx) error {
		parent, err := writableFolder(ctx, tx, c, parentID, opts.IfMatch, forUpdate)
		if err != nil {
			return err
		}
		if err := unlocked(ctx, tx, c, parent, opts.Lock); err != nil {
			return err
		}
		if name, err = pickName(ctx, tx, parent.ID, name, true, opts.AutoRename); err != nil {
			return err
		}
		id := newID()
		_, err = tx.Exec(ctx, `
			INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by)
			VALUES ($1, $2, $3, $4, 'folder', $5, $6, $7, $7)`,
			id, parent.SpaceID, parent.ID, parent.childAncestors(), name, NameKey(name), c.UserID)
		if err != nil {
			return fmt.Errorf("insert folder %q: %w", name, err)
		}
		created, err = reread(ctx, tx, c, id)
		return err
	})
	return created, err
}

// writableFolder loads a folder the caller may add children to, checking its ETag.
// Locked (forUpdate), it serializes every change to the folder's set of children, so
// that two requests cannot both decide that the same name is free; unlocked, it is
// the read-only check made before an upload's bytes are read.
func writableFolder(ctx context.Context, tx db.DBTX, c *cartable.Caller, id uuid.UUID, ifMatch string, rowLock lockMode) (Item, error) {
	folder, err := visibleFolder(ctx, tx, c, id, "", rowLock)
	if err != nil {
		return Item{}, err
	}
	if err := folder.mayAdd(); err != nil {
		return Item{}, err
	}
	return folder, folder.checkETag(ifMatch)
}

// visibleFolder loads a folder the caller may see, checking its ETag, without
// asking whether they may add to it.
func visibleFolder(ctx context.Context, tx db.DBTX, c *cartable.Caller, id uuid.UUID, ifMatch string, rowLock lockMode) (Item, error) {
	folder, err := access(ctx, tx, c, id, cartable.Viewer, rowLock)
	if err != nil {
		return Item{}, err
	}
	if !folder.IsFolder() {
		return Item{}, cartable.Errorf(cartable.EInvalid, "item %s is a file, not a folder", id)
	}
	return folder, folder.checkETag(ifMatch)
}

// pickName returns the name a new child of parent gets: name itself when no live
// sibling has it (ignoring case), else the first free "name (n).ext" when
// autoRename is set, else a name_conflict error. The parent must be locked.
func pickName(ctx context.Context, tx db.DBTX, parentID uuid.UUID, name string, isFolder, autoRename bool) (string, error) {
	taken, err := siblingKeys(ctx, tx, parentID, name, isFolder)
	if err != nil {
		return "", err
	}
	if !taken[NameKey(name)] {
		return name, nil
	}
	if !autoRename {
		return "", cartable.Errorf(cartable.ENameConflict, "an item named %q already exists here", name).With("name", name)
	}
	for n := 2; ; n++ {
		candidate := numberedName(name, n, isFolder)
		if !taken[NameKey(candidate)] {
			return candidate, nil
		}
	}
}

// siblingKeys returns the name keys of the live children of parent that could clash
// with name or one of its numbered alternatives: the ones sharing its stem.
func siblingKeys(ctx context.Context, q db.DBTX, parentID uuid.UUID, name string, isFolder bool) (map[string]bool, error) {
	stem := numberedName(name, 2, isFolder)
	stem = stem[:strings.LastIndex(stem, " (2)")]
	rows, err := q.Query(ctx, `
		SELECT name_key FROM items
		WHERE parent_id = $1 AND trashed_at IS NULL AND starts_with(name_key, $2)`,
		parentID, NameKey(stem))
	if err != nil {
		return nil, fmt.Errorf("read sibling names: %w", err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("scan sibling names: %w", err)
	}
	taken := make(map[string]bool, len(keys))
	for _, k := range keys {
		taken[k] = true
	}
	return taken, nil
}

// touch records that the item changed: a new revision, so a new ETag.
func touch(ctx context.Context, tx db.DBTX, id uuid.UUID, by string) error {
	_, err := tx.Exec(ctx, `UPDATE items SET revision = revision + 1, modified_at = now(), modified_by = $2 WHERE id = $1`, id, by)
	if err != nil {
		return fmt.Errorf("touch item %s: %w", id, err)
	}
	return nil
}
