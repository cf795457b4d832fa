package leaver

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/assignment"
	"cartable/audit"
	"cartable/db"
	"cartable/quota"
	"cartable/workspace"
)

// What a transfer hands over.
const (
	// ScopeShared: what the leaver shared (grants, links), the default.
	ScopeShared = "shared"
	// ScopeAll: their whole personal space.
	ScopeAll = "all"
)

// Transfer is what a transfer did.
type Transfer struct {
	To string `json:"to"`
	// FolderID is the folder "Documents de <name>" made in the colleague's personal
	// space (absent when there was nothing to move).
	FolderID *uuid.UUID `json:"folder_id,omitempty"`
	// Items counts the items moved (each with what lies below it).
	Items int `json:"items"`
	// Assignments counts the assignments the colleague now holds.
	Assignments int64 `json:"assignments"`
}

// folderName names the folder a leaver's materials arrive in.
func folderName(l leaverRow) string { return "Documents de " + l.DisplayName }

// Transfer hands a leaver's shared materials (or, with ScopeAll, their whole
// personal space) to a colleague of the same structure before the purge: moved into
// a folder "Documents de <name>" of the colleague's personal space, its bytes
// charged there, the grants kept (they now come from the colleague), and the links,
// embeds and assignments the leaver made given to the colleague. For an admin of
// the leaver's structure; the colleague must be staff of a structure the leaver and
// the admin share, and not a leaver.
func (s *Service) Transfer(ctx context.Context, a quota.Admin, userID, to, scope, by string) (Transfer, error) {
	if scope == "" {
		scope = ScopeShared
	}
	if scope != ScopeShared && scope != ScopeAll {
		return Transfer{}, cartable.Errorf(cartable.EInvalid, "scope is %q or %q", ScopeShared, ScopeAll).With("field", "scope")
	}
	out := Transfer{To: to}
	err := workspace.Translate(db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if err := managesLeaver(ctx, tx, a, userID); err != nil {
			return err
		}
		l, found, err := lockLeaver(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !found {
			return errNotLeaver(userID)
		}
		if err := checkHeir(ctx, tx, a, userID, to); err != nil {
			return err
		}
		out.Items, out.FolderID, err = s.moveMaterials(ctx, tx, l, to, scope, by)
		if err != nil {
			return err
		}
		if out.Assignments, err = assignment.HandOverAssignmentsTx(ctx, tx, userID, to, ""); err != nil {
			return err
		}
		for _, sql := range []string{
			`UPDATE grants SET granted_by = $2 WHERE granted_by = $1`,
			`UPDATE links SET created_by = $2 WHERE created_by = $1`,
			`UPDATE embeds SET created_by = $2 WHERE created_by = $1`,
		} {
			if _, err := tx.Exec(ctx, sql, userID, to); err != nil {
				return fmt.Errorf("hand %s's shares to %s: %w", userID, to, err)
			}
		}
		return nil
	}))
	return out, err
}

// moveMaterials moves what the scope names into the colleague's personal space.
func (s *Service) moveMaterials(ctx context.Context, tx pgx.Tx, l leaverRow, to, scope, by string) (int, *uuid.UUID, error) {
	var spaceID uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM spaces WHERE owner_id = $1`, l.ID).Scan(&spaceID)
	if err == pgx.ErrNoRows {
		return 0, nil, nil // never signed in: nothing to hand over
	}
	if err != nil {
		return 0, nil, fmt.Errorf("find %s's personal space: %w", l.ID, err)
	}
	var items []uuid.UUID
	if scope == ScopeAll {
		items, err = workspace.LiveTops(ctx, tx, spaceID)
	} else {
		var tops []workspace.SharedTop
		tops, err = workspace.SharedTops(ctx, tx, spaceID)
		for _, t := range tops {
			items = append(items, t.ItemID)
		}
	}
	if err != nil || len(items) == 0 {
		return 0, nil, err
	}
	dest, err := s.workspace.PersonalSpaceTx(ctx, tx, to)
	if err != nil {
		return 0, nil, err
	}
	folder, err := s.workspace.HandOverTx(ctx, tx, items, dest, folderName(l), to)
	if err != nil {
		return 0, nil, err
	}
	return len(items), &folder, audit.Record(ctx, tx, audit.Entry{Actor: by, Action: audit.Move, ItemID: folder,
		ItemName: folderName(l), SpaceID: dest, Details: map[string]any{"leaver": l.ID, "to": to, "items": len(items)}})
}

// checkHeir checks who receives a transfer: staff, still there, sharing a
// structure with the leaver that the admin administers (any, for the region).
func checkHeir(ctx context.Context, tx pgx.Tx, a quota.Admin, userID, to string) error {
	refused := cartable.Errorf(cartable.EInvalid,
		"%q is not a teacher or staff member of the leaver's structure", to).With("field", "to")
	if to == "" || to == userID {
		return refused
	}
	var ok bool
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM users u
			JOIN user_structures mine ON mine.user_id = u.id
			JOIN user_structures theirs ON theirs.structure_id = mine.structure_id AND theirs.user_id = $2
			WHERE u.id = $1 AND u.left_at IS NULL AND u.profile IN ('Teacher', 'Personnel')
			  AND ($3 OR mine.structure_id = ANY($4)))`,
		to, userID, a.Region, a.Administered()).Scan(&ok)
	if err != nil {
		return fmt.Errorf("check heir %s: %w", to, err)
	}
	if !ok {
		return refused
	}
	return nil
}

// rescueShared keeps what a leaving teacher shared with a class, a group or the
// staff (and nobody took over): each shared item moves, with what lies below it,
// into a folder "Documents de <name>" of that group's space (the structure's staff
// space for a structure share); its grants stay. Their assignments go to another
// teacher of the class. What they shared only with one person or through a link
// has no class to go to: it goes with their space unless an admin transferred it.
func (s *Service) rescueShared(ctx context.Context, tx pgx.Tx, l leaverRow, marker string) error {
	if _, err := assignment.HandOverAssignmentsTx(ctx, tx, l.ID, "", marker); err != nil {
		return err
	}
	var spaceID uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM spaces WHERE owner_id = $1`, l.ID).Scan(&spaceID)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find %s's personal space: %w", l.ID, err)
	}
	tops, err := workspace.SharedTops(ctx, tx, spaceID)
	if err != nil {
		return err
	}
	byDest := map[uuid.UUID][]uuid.UUID{}
	var order []uuid.UUID
	for _, t := range tops {
		dest, ok, err := s.destination(ctx, tx, t)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if _, seen := byDest[dest]; !seen {
			order = append(order, dest)
		}
		byDest[dest] = append(byDest[dest], t.ItemID)
	}
	for _, dest := range order {
		if _, err := s.workspace.HandOverTx(ctx, tx, byDest[dest], dest, folderName(l), marker); err != nil {
			return err
		}
	}
	return nil
}

// destination is the space a shared item goes to at its owner's purge.
func (s *Service) destination(ctx context.Context, tx pgx.Tx, t workspace.SharedTop) (uuid.UUID, bool, error) {
	switch {
	case t.GroupID != "":
		id, err := s.workspace.GroupSpaceTx(ctx, tx, t.GroupID)
		return id, err == nil, err
	case t.StructureID != "":
		id, err := s.workspace.StructureSpaceTx(ctx, tx, t.StructureID)
		return id, err == nil, err
	}
	return uuid.Nil, false, nil
}
