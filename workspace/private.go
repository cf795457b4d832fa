package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// A private tree is a folder of a shared space kept for one member (a pupil's work
// on an assignment, or what the teacher returned to them) with everything below
// it. Its top hangs below no folder (parent NULL), and items.private_to on that top
// is what sharing.Decide reads. What lies in a private tree stays in it:
//   - no move into or out of it (nor from one private tree to another): the pupil's
//     hand-in would miss a file moved out, a class file moved in would be hidden
//     from the class, and a pupil's file moved out would be shown to it. Copying
//     is allowed both ways;
//   - a restore brings an item back into its own tree, never to the space root;
//   - the top itself is trashed and restored by its assignment, never by the item
//     routes (restored at the space root, it would be open to the whole class).

// top is the id of the top of the item's tree: a space root or a private folder.
func (it *Item) top() uuid.UUID {
	if len(it.Ancestors) == 0 {
		return it.ID
	}
	return it.Ancestors[0]
}

// isPrivateTop reports whether the item is the top of a private tree.
func (it *Item) isPrivateTop() bool { return it.PrivateTo != "" && it.ParentID == nil }

// checkPrivateBoundary refuses to place the item under parent when that moves it
// into, out of or between private trees. A teacher is refused too: what a pupil
// handed in, and what the class sees, must not change behind their backs.
func checkPrivateBoundary(it, parent Item) error {
	if it.PrivateTo == "" && parent.PrivateTo == "" {
		return nil
	}
	if it.top() == parent.top() {
		return nil
	}
	return cartable.Errorf(cartable.EPrivateBoundary, "an item is not moved into or out of a pupil's private folder; copy it instead")
}

// TrashPrivateFolders moves, in tx, private folders with their trees to the trash
// of their space, in the name of by (deleting an assignment). Items trashed on
// their own before stay separate trash roots, as with any trash. A folder in the
// trash already is left as it is.
func TrashPrivateFolders(ctx context.Context, tx pgx.Tx, ids []uuid.UUID, by string) error {
	_, err := tx.Exec(ctx, `
		WITH tops AS (
			SELECT id FROM items WHERE id = ANY($1) AND parent_id IS NULL AND private_to IS NOT NULL AND trashed_at IS NULL
		)
		UPDATE items i SET trashed_at = now(), trashed_by = $2, trash_root_id = t.id, trashed_from_id = NULL,
			revision = revision + 1
		FROM tops t
		WHERE (i.id = t.id OR i.ancestors @> ARRAY[t.id]) AND i.trashed_at IS NULL`, ids, by)
	if err != nil {
		return fmt.Errorf("trash private folders: %w", err)
	}
	return nil
}

// RestorePrivateFolders takes, in tx, private folders out of the trash with what
// was trashed with them (restoring an assignment). A folder purged meanwhile stays
// gone.
func RestorePrivateFolders(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) error {
	_, err := tx.Exec(ctx, `
		UPDATE items SET trashed_at = NULL, trashed_by = NULL, trash_root_id = NULL, trashed_from_id = NULL,
			revision = revision + 1
		WHERE trash_root_id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("restore private folders: %w", err)
	}
	return nil
}

// pinnedBelow reports whether any item that purging the trash root would delete
// holds a version a hand-in pinned (the pinned_versions view, which the
// assignments' migration defines).
func pinnedBelow(ctx context.Context, q db.DBTX, doomed string, rootID uuid.UUID) (bool, error) {
	var pinned bool
	err := q.QueryRow(ctx, `SELECT EXISTS (
		SELECT 1 FROM items i JOIN versions v ON v.item_id = i.id JOIN pinned_versions p ON p.version_id = v.id
		WHERE `+doomed+`)`, rootID).Scan(&pinned)
	if err != nil {
		return false, fmt.Errorf("look for pinned versions below %s: %w", rootID, err)
	}
	return pinned, nil
}

// errPinned is the refusal to purge what holds handed-in versions.
func errPinned(id uuid.UUID) error {
	return cartable.Errorf(cartable.EPinnedByHandIn, "item %s holds versions handed in for an assignment; they stay while it exists", id)
}
