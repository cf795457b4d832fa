package workspace

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/sharing"
)

// Patch is a rename, a move, a folder's mode, or several. Nil fields are left as
// they are.
type Patch struct {
	Name     *string
	ParentID *uuid.UUID
	Mode     *sharing.Mode
}

// Update renames and/or moves an item, and sets a folder's mode. Renaming needs the
// right to change the item, moving the right to carry it (sharing.CheckChange and
// CheckCarry) and to add to its new parent; to another space, only a manager of the
// item or whoever created all of it moves it. A folder cannot move into itself or
// below itself; a space root stays put; nothing moves into or out of a pupil's
// private folder (checkPrivateBoundary). Only a manager sets a mode.
func (s *Service) Update(ctx context.Context, c *cartable.Caller, id uuid.UUID, p Patch, opts WriteOptions) (Item, error) {
	var updated Item
	err := s.transact(ctx, func(tx pgx.Tx) error {
		it, err := access(ctx, tx, c, id, cartable.Viewer, forUpdate)
		if err != nil {
			return err
		}
		if err := it.checkETag(opts.IfMatch); err != nil {
			return err
		}
		if p.Mode != nil {
			if err := setMode(ctx, tx, it, *p.Mode); err != nil {
				return err
			}
		}
		if p.Name != nil || p.ParentID != nil {
			if err := renameOrMove(ctx, tx, c, it, p, opts); err != nil {
				return err
			}
		}
		if updated, err = reread(ctx, tx, c, id); err != nil {
			return err
		}
		return auditUpdate(ctx, tx, c, it, updated)
	})
	return updated, err
}

// renameOrMove gives the locked item the name and parent the patch asks for.
func renameOrMove(ctx context.Context, tx pgx.Tx, c *cartable.Caller, it Item, p Patch, opts WriteOptions) error {
	if it.IsRoot() {
		return cartable.Errorf(cartable.EInvalid, "a space's root folder cannot be renamed or moved")
	}
	moves := p.ParentID != nil && *p.ParentID != *it.ParentID
	check := it.mayChange
	if moves {
		check = it.mayCarry
	}
	if err := check(c); err != nil {
		return err
	}
	name, parent, err := resolvePatch(ctx, tx, c, it, p, opts.AutoRename)
	if err != nil {
		return err
	}
	if err := checkPrivateBoundary(it, parent); err != nil {
		return err
	}
	if err := unlocked(ctx, tx, c, it, opts.Lock); err != nil {
		return err
	}
	if moves {
		if err := unlocked(ctx, tx, c, parent, opts.Lock); err != nil {
			return err
		}
	}
	if parent.SpaceID != it.SpaceID {
		if err := mayTakeOut(ctx, tx, c, it); err != nil {
			return err
		}
	}
	return placeItem(ctx, tx, it, parent, name, c.UserID)
}

// setMode sets or clears (Inherit) a folder's mode, for a manager of a shared space:
// in a personal space there are no authors for a mode to concern.
func setMode(ctx context.Context, tx pgx.Tx, it Item, mode sharing.Mode) error {
	switch {
	case it.Space.Archived():
		return sharing.SpaceArchived()
	case it.Role < cartable.Manager:
		return cartable.Errorf(cartable.EForbidden, "only a manager of the space sets a folder's mode").
			With("required_role", cartable.Manager.String())
	case !it.IsFolder():
		return cartable.Errorf(cartable.EInvalid, "only a folder has a mode")
	case it.Space.Kind == SpacePersonal:
		return cartable.Errorf(cartable.EInvalid, "modes apply in class, group and staff-room spaces, not in a personal space")
	}
	_, err := tx.Exec(ctx, `UPDATE items SET mode = nullif($2, ''), revision = revision + 1 WHERE id = $1`, it.ID, string(mode))
	if err != nil {
		return fmt.Errorf("set mode of %s: %w", it.ID, err)
	}
	return nil
}

// mayTakeOut checks that the caller may move the item to another space, out of the
// reach of the space it is in (its owner, its class, the grants on its folders): a
// manager of the item may, and so may whoever created it and, for a folder,
// everything below it. Anyone else may copy it.
func mayTakeOut(ctx context.Context, tx pgx.Tx, c *cartable.Caller, it Item) error {
	refused := cartable.Errorf(cartable.EForbidden, "only a manager of it, or whoever created all of it, moves an item to another space; copy it instead")
	if it.Space.Archived() {
		return sharing.SpaceArchived()
	}
	if it.Role >= cartable.Manager {
		return nil
	}
	if it.CreatedBy != c.UserID {
		return refused
	}
	if !it.IsFolder() {
		return nil
	}
	var othersBelow bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM items WHERE ancestors @> ARRAY[$1::uuid] AND created_by IS DISTINCT FROM $2)`,
		it.ID, c.UserID).Scan(&othersBelow)
	if err != nil {
		return fmt.Errorf("look below %s: %w", it.ID, err)
	}
	if othersBelow {
		return refused
	}
	return nil
}

// resolvePatch returns the name and the locked parent the item will have.
func resolvePatch(ctx context.Context, tx pgx.Tx, c *cartable.Caller, it Item, p Patch, autoRename bool) (string, Item, error) {
	name := it.Name
	if p.Name != nil {
		var err error
		if name, err = NormalizeName(*p.Name); err != nil {
			return "", Item{}, err
		}
	}
	parentID := *it.ParentID
	if p.ParentID != nil {
		parentID = *p.ParentID
	}
	parent, err := writableFolder(ctx, tx, c, parentID, "", forUpdate)
	if err != nil {
		return "", Item{}, err
	}
	if parent.ID == it.ID || slices.Contains(parent.Ancestors, it.ID) {
		return "", Item{}, cartable.Errorf(cartable.EInvalidMove, "a folder cannot be moved into itself or one of its subfolders")
	}
	sameSlot := parent.ID == *it.ParentID && NameKey(name) == NameKey(it.Name)
	if !sameSlot {
		if name, err = pickName(ctx, tx, parent.ID, name, it.IsFolder(), autoRename); err != nil {
			return "", Item{}, err
		}
	}
	return name, parent, nil
}

// placeItem gives the item its name and parent, carrying its subtree along when the
// parent changes (the ancestors arrays and, across spaces, the space).
func placeItem(ctx context.Context, tx db.DBTX, it Item, parent Item, name, by string) error {
	_, err := tx.Exec(ctx, `
		UPDATE items SET name = $2, name_key = $3, parent_id = $4, ancestors = $5, space_id = $6,
			revision = revision + 1, modified_at = now(), modified_by = $7
		WHERE id = $1`,
		it.ID, name, NameKey(name), parent.ID, parent.childAncestors(), parent.SpaceID, by)
	if err != nil {
		return fmt.Errorf("place item %s: %w", it.ID, err)
	}
	if parent.ID == *it.ParentID {
		return nil
	}
	return moveSubtree(ctx, tx, it, parent)
}

// moveSubtree rewrites the ancestors of every descendant of it after it moved under
// parent: the old prefix (it's own ancestors) becomes the new one.
func moveSubtree(ctx context.Context, tx db.DBTX, it Item, parent Item) error {
	_, err := tx.Exec(ctx, `
		UPDATE items SET ancestors = $2::uuid[] || ancestors[$3 + 1:], space_id = $4
		WHERE ancestors @> ARRAY[$1::uuid]`,
		it.ID, parent.childAncestors(), len(it.Ancestors), parent.SpaceID)
	if err != nil {
		return fmt.Errorf("move subtree of %s: %w", it.ID, err)
	}
	return nil
}

// MaxCopyItems bounds how many items one copy may create.
const MaxCopyItems = 10000

// Copy copies an item into a folder, for a viewer of the item who contributes to the
// folder. Copied files share their blobs with the originals: no byte is copied. A
// folder is copied with its live subtree; only the current version of each file is
// copied.
func (s *Service) Copy(ctx context.Context, c *cartable.Caller, id, parentID uuid.UUID, name *string, opts WriteOptions) (Item, error) {
	var created Item
	err := s.transact(ctx, func(tx pgx.Tx) error {
		src, err := access(ctx, tx, c, id, cartable.Viewer, noLock)
		if err != nil {
			return err
		}
		if src.IsRoot() {
			return cartable.Errorf(cartable.EInvalid, "a space's root folder cannot be copied")
		}
		p := Patch{Name: name, ParentID: &parentID}
		if p.Name == nil {
			p.Name = &src.Name
		}
		newName, parent, err := resolveCopy(ctx, tx, c, src, p, opts)
		if err != nil {
			return err
		}
		if err := unlocked(ctx, tx, c, parent, opts.Lock); err != nil {
			return err
		}
		newID, err := copyTree(ctx, tx, src, parent, newName, c.UserID)
		if err != nil {
			return err
		}
		created, err = reread(ctx, tx, c, newID)
		return err
	})
	return created, err
}

func resolveCopy(ctx context.Context, tx pgx.Tx, c *cartable.Caller, src Item, p Patch, opts WriteOptions) (string, Item, error) {
	name, err := NormalizeName(*p.Name)
	if err != nil {
		return "", Item{}, err
	}
	parent, err := writableFolder(ctx, tx, c, *p.ParentID, opts.IfMatch, forUpdate)
	if err != nil {
		return "", Item{}, err
	}
	if parent.ID == src.ID || slices.Contains(parent.Ancestors, src.ID) {
		return "", Item{}, cartable.Errorf(cartable.EInvalidMove, "a folder cannot be copied into itself or one of its subfolders")
	}
	name, err = pickName(ctx, tx, parent.ID, name, src.IsFolder(), opts.AutoRename)
	return name, parent, err
}

// treeNode is one live item of a subtree being copied.
type treeNode struct {
	id, parentID uuid.UUID
	kind, name   string
	versionID    *uuid.UUID
	size         int64
	mimeType     string
	mode         string
}

// copyTree copies src and its live descendants under parent, src taking newName.
// Folder modes come along only when the copier manages the shared space they copy
// into (a teacher reusing class materials); an author's copy is plain.
func copyTree(ctx context.Context, tx pgx.Tx, src, parent Item, newName, by string) (uuid.UUID, error) {
	nodes, err := liveSubtree(ctx, tx, src)
	if err != nil {
		return uuid.Nil, err
	}
	if parent.Role < cartable.Manager || parent.Space.Kind == SpacePersonal {
		for i := range nodes {
			nodes[i].mode = ""
		}
	}
	newIDs := make(map[uuid.UUID]uuid.UUID, len(nodes))
	ancestors := map[uuid.UUID][]uuid.UUID{}
	batch := &pgx.Batch{}
	for i, n := range nodes {
		id := newID()
		newIDs[n.id] = id
		parentID, parentAncestors := parent.ID, parent.childAncestors()
		name := n.name
		if i == 0 {
			name = newName
		} else {
			parentID = newIDs[n.parentID]
			parentAncestors = append(slices.Clone(ancestors[parentID]), parentID)
		}
		ancestors[id] = parentAncestors
		queueCopy(batch, n, id, parentID, parentAncestors, parent.SpaceID, name, by)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return uuid.Nil, fmt.Errorf("copy %s: %w", src.ID, err)
	}
	return newIDs[src.ID], copyProperties(ctx, tx, newIDs)
}

// copyProperties gives the copies the dead properties of their originals (WebDAV
// COPY copies them), in one statement.
func copyProperties(ctx context.Context, tx pgx.Tx, newIDs map[uuid.UUID]uuid.UUID) error {
	olds := make([]uuid.UUID, 0, len(newIDs))
	news := make([]uuid.UUID, 0, len(newIDs))
	for old, id := range newIDs {
		olds, news = append(olds, old), append(news, id)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO item_properties (item_id, namespace, name, value)
		SELECT m.new, p.namespace, p.name, p.value
		FROM unnest($1::uuid[], $2::uuid[]) AS m (old, new) JOIN item_properties p ON p.item_id = m.old`, olds, news)
	if err != nil {
		return fmt.Errorf("copy properties: %w", err)
	}
	return nil
}

// queueCopy adds to batch the statements that copy one node: the item, and for a
// file a first version sharing the original's blob.
func queueCopy(batch *pgx.Batch, n treeNode, id, parentID uuid.UUID, ancestors []uuid.UUID, spaceID uuid.UUID, name, by string) {
	var versionID *uuid.UUID
	if n.versionID != nil {
		v := newID()
		versionID = &v
	}
	batch.Queue(`
		INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, size, mime_type,
			current_version_id, created_by, modified_by, mode)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, ''), $10, $11, $11, nullif($12, ''))`,
		id, spaceID, parentID, ancestors, n.kind, name, NameKey(name), n.size, n.mimeType, versionID, by, n.mode)
	if versionID != nil {
		batch.Queue(`
			INSERT INTO versions (id, item_id, number, blob_id, size, sha256, mime_type, created_by)
			SELECT $1, $2, 1, blob_id, size, sha256, mime_type, $4 FROM versions WHERE id = $3`,
			*versionID, id, *n.versionID, by)
	}
}

// liveSubtree returns src and its descendants that are not in the trash, parents
// before children.
func liveSubtree(ctx context.Context, tx pgx.Tx, src Item) ([]treeNode, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, coalesce(parent_id, id), kind, name, current_version_id, size, coalesce(mime_type, ''), coalesce(mode, '')
		FROM items
		WHERE (id = $1 OR ancestors @> ARRAY[$1::uuid]) AND trashed_at IS NULL
		ORDER BY cardinality(ancestors), id
		LIMIT $2`, src.ID, MaxCopyItems+1)
	if err != nil {
		return nil, fmt.Errorf("read subtree of %s: %w", src.ID, err)
	}
	nodes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (treeNode, error) {
		var n treeNode
		err := row.Scan(&n.id, &n.parentID, &n.kind, &n.name, &n.versionID, &n.size, &n.mimeType, &n.mode)
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan subtree of %s: %w", src.ID, err)
	}
	if len(nodes) > MaxCopyItems {
		return nil, cartable.Errorf(cartable.ETooLarge, "a copy is limited to %d items", MaxCopyItems).With("max_items", MaxCopyItems)
	}
	return nodes, nil
}
