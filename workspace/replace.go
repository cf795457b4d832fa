package workspace

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// An upload with conflict=replace (WriteOptions.Replace) whose name a live file of
// the folder already bears (ignoring case) becomes that file's next version, as
// PUT …/content would make it: it needs the right to change that file (an author
// replaces only what they created, 403 not_author; nobody but a manager in a
// read-only folder, 403 read_only_folder), and it is charged like any version. A
// name a folder bears is still a name_conflict: a folder is never replaced. A free
// name makes a new file, for whoever may add to the folder.

// replaceable returns the live file of the folder that bears name, if any (found is
// false when the name is free). A folder bearing it is a name_conflict.
func replaceable(ctx context.Context, q db.DBTX, parentID uuid.UUID, name string) (id uuid.UUID, found bool, err error) {
	var folder bool
	err = q.QueryRow(ctx, `SELECT id, kind = 'folder' FROM items WHERE parent_id = $1 AND name_key = $2 AND trashed_at IS NULL`,
		parentID, NameKey(name)).Scan(&id, &folder)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return uuid.Nil, false, nil
	case err != nil:
		return uuid.Nil, false, fmt.Errorf("find %q in %s: %w", name, parentID, err)
	case folder:
		return uuid.Nil, false, cartable.Errorf(cartable.ENameConflict, "a folder named %q is here: only a file is replaced", name).With("name", name)
	}
	return id, true, nil
}

// checkReplace checks, before an upload's bytes are read, that the caller may write
// what an upload named name into the folder becomes with Replace: the next version
// of the file bearing the name, or a new file when the name is free.
func checkReplace(ctx context.Context, q db.DBTX, c *cartable.Caller, parentID uuid.UUID, name string) error {
	id, found, err := replaceable(ctx, q, parentID, name)
	if err != nil {
		return err
	}
	if found {
		_, err = writableFile(ctx, q, c, id, "", noLock)
	} else {
		_, err = writableFolder(ctx, q, c, parentID, "", noLock)
	}
	return err
}

// replaceFile makes blob the next version of the file bearing name in the folder,
// when there is one (replaced false: the name is free). The folder is locked first,
// as for any new child, so the name cannot change hands before the commit; ifMatch
// is the folder's, which the upload addressed.
func replaceFile(ctx context.Context, tx pgx.Tx, c *cartable.Caller, parentID uuid.UUID, name string, blob storedBlob, opts WriteOptions) (Item, bool, error) {
	parent, err := visibleFolder(ctx, tx, c, parentID, opts.IfMatch, forUpdate)
	if err != nil {
		return Item{}, false, err
	}
	id, found, err := replaceable(ctx, tx, parent.ID, name)
	if err != nil || !found {
		return Item{}, false, err
	}
	it, err := addVersion(ctx, tx, c, id, blob, WriteOptions{Lock: opts.Lock})
	it.replaced = true
	return it, true, err
}

// Replaced reports whether the upload that answered this item replaced an existing
// file (conflict=replace) rather than creating it.
func (it *Item) Replaced() bool { return it.replaced }
