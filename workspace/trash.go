package workspace

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/audit"
	"cartable/lock"
	"cartable/sharing"
)

// Trash moves an item and its whole subtree to the trash in one statement, for a
// caller who may carry it (sharing.CheckCarry). The items keep their place in the
// tree, so a restore puts them back.
func (s *Service) Trash(ctx context.Context, c *cartable.Caller, id uuid.UUID, opts WriteOptions) error {
	return s.transact(ctx, func(tx pgx.Tx) error {
		it, err := access(ctx, tx, c, id, cartable.Viewer, forUpdate)
		if err != nil {
			return err
		}
		if err := it.mayCarry(c); err != nil {
			return err
		}
		if err := it.checkETag(opts.IfMatch); err != nil {
			return err
		}
		if it.IsRoot() {
			return cartable.Errorf(cartable.EInvalid, "a space's root folder cannot be trashed")
		}
		if err := lock.CheckTree(ctx, tx, lock.Holder{UserID: c.UserID, Token: opts.Lock}, it.ID, it.Ancestors); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE items SET trashed_at = now(), trashed_by = $2, trash_root_id = $1,
				trashed_from_id = CASE WHEN id = $1 THEN parent_id END,
				revision = revision + 1
			WHERE (id = $1 OR ancestors @> ARRAY[$1::uuid]) AND trashed_at IS NULL`, id, c.UserID)
		if err != nil {
			return fmt.Errorf("trash %s: %w", id, err)
		}
		return auditTx(ctx, tx, c, it, audit.Trash, map[string]any{"from_folder": it.ParentID})
	})
}

// TrashedOptions select a page of the trash.
type TrashedOptions struct {
	SpaceID *uuid.UUID // one space, or every space the caller may see the trash of
	cartable.PageRequest
}

// trashKey is where a page of the trash ended.
type trashKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// Trashed lists the items the caller put in the trash, and every trashed item of the
// spaces they manage, newest first. Only what was trashed as such is listed, not
// each item of a trashed folder.
func (s *Service) Trashed(ctx context.Context, c *cartable.Caller, opts TrashedOptions) (Page, error) {
	var after trashKey
	size, resumed, err := opts.Keyset("trash", &after)
	if err != nil {
		return Page{}, err
	}
	spaces, err := s.Spaces(ctx, c)
	if err != nil {
		return Page{}, err
	}
	var managed []uuid.UUID
	for _, sp := range spaces {
		if sp.Role >= cartable.Manager && (opts.SpaceID == nil || *opts.SpaceID == sp.ID) {
			managed = append(managed, sp.ID)
		}
	}
	rows, err := s.db.Query(ctx, `SELECT `+itemColumns+` FROM items i JOIN spaces s ON s.id = i.space_id
		WHERE i.id = i.trash_root_id AND (i.space_id = ANY($1) OR (i.trashed_by = $2 AND ($3::uuid IS NULL OR i.space_id = $3)))
		AND (NOT $4 OR (i.trashed_at, i.id) < ($5, $6))
		ORDER BY i.trashed_at DESC, i.id DESC LIMIT $7`,
		managed, c.UserID, opts.SpaceID, resumed, after.At, after.ID, size+1)
	if err != nil {
		return Page{}, fmt.Errorf("list trash: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) { return scanItem(row) })
	if err != nil {
		return Page{}, fmt.Errorf("scan trash: %w", err)
	}
	// The cursor follows what was read, so that leaving out what the caller no
	// longer sees neither ends the list early nor gives an item twice.
	page := cartable.CutPage(items, size, func(last Item) string {
		return cartable.EncodeCursor("trash", trashKey{At: *last.TrashedAt, ID: last.ID})
	})
	visible := page.Items[:0]
	for _, it := range page.Items {
		if it.Role = sharing.Decide(c, it.target()); it.Role > cartable.NoRole {
			visible = append(visible, it)
		}
	}
	page.Items = visible
	return page, nil
}

// restorable loads a trashed item the caller may restore (need Author) or purge
// (need Manager). Restoring also needs the manager role, except for the person
// who trashed the item: they may undo their own mistake.
func restorable(ctx context.Context, tx pgx.Tx, c *cartable.Caller, id uuid.UUID, need cartable.Role) (Item, error) {
	it, err := accessAny(ctx, tx, c, id, cartable.Viewer, forUpdate)
	if err != nil {
		return Item{}, err
	}
	if it.TrashedAt == nil || it.TrashRootID == nil || *it.TrashRootID != it.ID {
		return Item{}, cartable.Errorf(cartable.ENotFound, "item %s is not in the trash", id)
	}
	if need == cartable.Author && it.TrashedBy != c.UserID {
		need = cartable.Manager
	}
	if it.Role < need {
		return Item{}, it.lacks(need)
	}
	return it, nil
}

// Restore takes an item out of the trash with the subtree that was trashed with it,
// back to its old folder, or to the space root when that folder is gone. The person
// who trashed it, or a manager of the space, may restore it.
func (s *Service) Restore(ctx context.Context, c *cartable.Caller, id uuid.UUID, opts WriteOptions) (Item, error) {
	var restored Item
	err := s.transact(ctx, func(tx pgx.Tx) error {
		it, err := restorable(ctx, tx, c, id, cartable.Author)
		if err != nil {
			return err
		}
		if it.isPrivateTop() {
			return errRestoreAssignment(id)
		}
		parent, err := restoreTarget(ctx, tx, c, it)
		if err != nil {
			return err
		}
		name, err := pickName(ctx, tx, parent.ID, it.Name, it.IsFolder(), opts.AutoRename)
		if err != nil {
			return err
		}
		// Place first, while the item is still out of the live names, then bring the
		// subtree back.
		if err := placeItem(ctx, tx, it, parent, name, c.UserID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE items SET trashed_at = NULL, trashed_by = NULL, trash_root_id = NULL, trashed_from_id = NULL,
				revision = revision + 1
			WHERE trash_root_id = $1`, id)
		if err != nil {
			return fmt.Errorf("restore %s: %w", id, err)
		}
		if restored, err = reread(ctx, tx, c, id); err != nil {
			return err
		}
		return auditTx(ctx, tx, c, restored, audit.Restore, map[string]any{"to_folder": restored.ParentID})
	})
	return restored, err
}

// restoreTarget is the locked folder a trashed item goes back to: its old folder,
// or when that is gone the top of its tree. An item of a private tree never leaves
// it: when its private folder is itself in the trash (its assignment deleted), the
// restore waits for the assignment's.
func restoreTarget(ctx context.Context, tx pgx.Tx, c *cartable.Caller, it Item) (Item, error) {
	if it.TrashedFromID != nil {
		parent, err := loadItem(ctx, tx, *it.TrashedFromID, forUpdate)
		if err == nil && parent.TrashedAt == nil && parent.SpaceID == it.SpaceID {
			return parent, nil
		}
		if err != nil && !cartable.IsCode(err, cartable.ENotFound) {
			return Item{}, err
		}
	}
	top, err := loadItem(ctx, tx, it.top(), forUpdate)
	if err != nil {
		return Item{}, err
	}
	if top.TrashedAt != nil {
		return Item{}, errRestoreAssignment(it.ID)
	}
	return top, nil
}

// errRestoreAssignment refuses to restore a pupil's private folder, or what lies in
// one, on its own: the assignment brings it back.
func errRestoreAssignment(id uuid.UUID) error {
	e := cartable.Errorf(cartable.EConflict, "item %s belongs to a pupil's folder of a deleted assignment: restore the assignment", id)
	e.MessageFR = "Ce document appartient au dossier d'un élève pour un devoir supprimé : restaurez le devoir pour le retrouver."
	e.MessageEN = "This item belongs to a pupil's folder for a deleted assignment: restore the assignment to get it back."
	return e
}

// Purge deletes a trashed item and its subtree for good, for a manager of its space.
// The blobs no version references any more are removed by the collector, which this
// call runs at once for them.
func (s *Service) Purge(ctx context.Context, c *cartable.Caller, id uuid.UUID) error {
	var orphans []uuid.UUID
	err := s.transact(ctx, func(tx pgx.Tx) error {
		it, err := restorable(ctx, tx, c, id, cartable.Manager)
		if err != nil {
			return err
		}
		if orphans, err = purgeTree(ctx, tx, it); err != nil {
			return err
		}
		return auditTx(ctx, tx, c, it, audit.Purge, map[string]any{"kind": it.Kind, "trashed_by": it.TrashedBy, "trashed_at": it.TrashedAt})
	})
	if err != nil {
		return err
	}
	s.collectNow(orphans)
	return nil
}

// purgeTree deletes a trash root and what was trashed with it, and returns the blobs
// its versions used. Items below it that were trashed on their own are kept: they go
// to the top of their tree (the space root, or the private folder they lie in),
// where a restore will find them; purging a private folder itself takes them along,
// since out of it they would be shown to the whole class. Nothing holding a version
// a hand-in pinned is purged (pinned_by_hand_in) while its assignment exists.
func purgeTree(ctx context.Context, tx pgx.Tx, it Item) ([]uuid.UUID, error) {
	doomed := `i.trash_root_id = $1`
	if it.isPrivateTop() {
		doomed = `(i.id = $1 OR i.ancestors @> ARRAY[$1::uuid])`
	}
	pinned, err := pinnedBelow(ctx, tx, doomed, it.ID)
	if err != nil {
		return nil, err
	}
	if pinned {
		return nil, errPinned(it.ID)
	}
	if !it.isPrivateTop() {
		if err := rescueNestedTrash(ctx, tx, it); err != nil {
			return nil, err
		}
	}
	rows, err := tx.Query(ctx, `
		WITH doomed AS (
			DELETE FROM items i WHERE `+doomed+` RETURNING id
		)
		SELECT DISTINCT v.blob_id FROM versions v WHERE v.item_id IN (SELECT id FROM doomed)`, it.ID)
	if err != nil {
		return nil, fmt.Errorf("purge %s: %w", it.ID, err)
	}
	blobs, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("purge %s: %w", it.ID, err)
	}
	return blobs, nil
}

// rescueNestedTrash moves the separate trash roots inside it to the top of its
// tree (the space root, or the private folder it lies in) before it is deleted, so that purging a folder does not take along files that were
// trashed from it earlier and may still be restored.
func rescueNestedTrash(ctx context.Context, tx pgx.Tx, it Item) error {
	rows, err := tx.Query(ctx, `SELECT `+itemColumns+` FROM items i JOIN spaces s ON s.id = i.space_id
		WHERE i.ancestors @> ARRAY[$1::uuid] AND i.id = i.trash_root_id AND i.id <> $1`, it.ID)
	if err != nil {
		return fmt.Errorf("find nested trash of %s: %w", it.ID, err)
	}
	nested, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) { return scanItem(row) })
	if err != nil {
		return fmt.Errorf("scan nested trash of %s: %w", it.ID, err)
	}
	nested = outermost(nested)
	if len(nested) == 0 {
		return nil
	}
	root, err := loadItem(ctx, tx, it.top(), forUpdate)
	if err != nil {
		return err
	}
	for _, n := range nested {
		if _, err := tx.Exec(ctx, `UPDATE items SET parent_id = $2, ancestors = $3, trashed_from_id = NULL WHERE id = $1`,
			n.ID, root.ID, root.childAncestors()); err != nil {
			return fmt.Errorf("rescue %s: %w", n.ID, err)
		}
		if err := moveSubtree(ctx, tx, n, root); err != nil {
			return err
		}
	}
	return nil
}

// outermost keeps the items that are not below another item of the list: moving
// those carries the others along.
func outermost(items []Item) []Item {
	ids := make(map[uuid.UUID]bool, len(items))
	for _, it := range items {
		ids[it.ID] = true
	}
	var out []Item
	for _, it := range items {
		if !slices.ContainsFunc(it.Ancestors, func(a uuid.UUID) bool { return ids[a] }) {
			out = append(out, it)
		}
	}
	return out
}
