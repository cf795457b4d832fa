package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/sharing"
)

// placement is what the caller's rights on the item depend on besides their role,
// without the facts about what lies below a folder (see withRights).
func (it *Item) placement() sharing.Placement {
	within := it.Within.Or(sharing.Inherit)
	inside := within
	if it.IsFolder() {
		inside = it.Mode.Or(within)
	}
	return sharing.Placement{
		Archived: it.Space.Archived(),
		Folder:   it.IsFolder(), Root: it.IsRoot(), CreatedBy: it.CreatedBy,
		Within: within, Inside: inside,
	}
}

// withRights gives each item (its Role already decided) the caller's Rights on it.
// For the folders an author could carry along, it first reads in one query whether
// someone else's work, or a folder with a mode of its own, lies below them. Items in
// the trash get no rights: nothing changes them there but a restore or a purge.
func withRights(ctx context.Context, q db.DBTX, c *cartable.Caller, items []Item) error {
	var folders []uuid.UUID
	for i := range items {
		it := &items[i]
		it.place = it.placement()
		if it.TrashedAt == nil && sharing.NeedsSubtree(c, it.Role, it.place) {
			folders = append(folders, it.ID)
		}
	}
	if len(folders) > 0 {
		below, err := readBelow(ctx, q, folders, c.UserID)
		if err != nil {
			return err
		}
		for i := range items {
			if b, ok := below[items[i].ID]; ok {
				items[i].place.OthersBelow, items[i].place.MarksBelow = b.others, b.marks
			}
		}
	}
	for i := range items {
		if items[i].TrashedAt == nil {
			items[i].Rights = sharing.RightsOf(c, items[i].Role, items[i].place)
		}
	}
	return nil
}

type belowFolder struct{ others, marks bool }

// readBelow says, for each folder, whether a live item below it was created by
// someone other than userID, and whether a live folder below it has a mode of its
// own other than collaborative. The first is a count, not an EXISTS: planning an
// EXISTS for its first row, PostgreSQL reads the whole table in the hope of an early
// match (nearly every item is someone else's) where there is none, a folder of the
// pupil's own with nothing below (seen in bench/search: 125 ms for 8 folders of a
// 56,000-item table); the count reads the folder's descendants from items_ancestors.
func readBelow(ctx context.Context, q db.DBTX, folders []uuid.UUID, userID string) (map[uuid.UUID]belowFolder, error) {
	rows, err := q.Query(ctx, `
		SELECT f.id,
			(SELECT count(*) FROM items d WHERE d.ancestors @> ARRAY[f.id] AND d.trashed_at IS NULL
				AND d.created_by IS DISTINCT FROM $2) > 0,
			EXISTS (SELECT 1 FROM items d WHERE d.ancestors @> ARRAY[f.id] AND d.trashed_at IS NULL
				AND d.mode IS NOT NULL AND d.mode <> 'collaborative')
		FROM unnest($1::uuid[]) AS f(id)`, folders, userID)
	if err != nil {
		return nil, fmt.Errorf("read below folders: %w", err)
	}
	out := make(map[uuid.UUID]belowFolder, len(folders))
	var id uuid.UUID
	var b belowFolder
	_, err = pgx.ForEachRow(rows, []any{&id, &b.others, &b.marks}, func() error {
		out[id] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read below folders: %w", err)
	}
	return out, nil
}

// mayChange checks that the caller may rename the item or change its content.
func (it *Item) mayChange(c *cartable.Caller) error {
	return sharing.CheckChange(c, it.Role, it.place)
}

// mayCarry checks that the caller may move the item or trash it.
func (it *Item) mayCarry(c *cartable.Caller) error {
	return sharing.CheckCarry(c, it.Role, it.place)
}

// mayAdd checks that the caller may add items to the folder.
func (it *Item) mayAdd() error {
	return sharing.CheckAdd(it.Role, it.place)
}

// EffectiveMode is the mode in effect for what a folder holds: its own, or the one
// it inherits.
func (it *Item) EffectiveMode() sharing.Mode { return it.placement().Inside }
