package workspace

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
)

// What a leaver's purge and transfer (package leaver) need of the workspace: find
// what a leaver shared, move it into another space, and take their name off what
// stays. Each runs in the caller's transaction.

// SharedTop is an item of a personal space that others rely on: it carries a grant
// to a group, a structure, a user or a link, or is an assignment's template, and no
// folder above it is such an item.
type SharedTop struct {
	ItemID uuid.UUID
	// GroupID and StructureID are where the purge puts it when nobody took it over:
	// the first group it is shared with, else the first structure ("" when neither).
	GroupID, StructureID string
}

// SharedTops lists the outermost live items of a space shared with anyone.
func SharedTops(ctx context.Context, q db.DBTX, spaceID uuid.UUID) ([]SharedTop, error) {
	rows, err := q.Query(ctx, `
		WITH shared AS (
			SELECT i.id, i.ancestors,
				coalesce((SELECT min(g.grantee_id) FROM grants g JOIN groups gr ON gr.id = g.grantee_id
					WHERE g.item_id = i.id AND g.grantee_kind = 'group'),
					(SELECT min(sp.group_id) FROM assignment_attachments aa JOIN assignments a ON a.id = aa.assignment_id
					JOIN spaces sp ON sp.id = a.space_id WHERE aa.item_id = i.id)) AS group_id,
				(SELECT min(g.grantee_id) FROM grants g JOIN structures st ON st.id = g.grantee_id
					WHERE g.item_id = i.id AND g.grantee_kind = 'structure') AS structure_id
			FROM items i
			WHERE i.space_id = $1 AND i.trashed_at IS NULL AND i.parent_id IS NOT NULL
			  AND (EXISTS (SELECT 1 FROM grants g WHERE g.item_id = i.id AND (g.expires_at IS NULL OR g.expires_at > now()))
				OR EXISTS (SELECT 1 FROM assignment_attachments aa WHERE aa.item_id = i.id))
		)
		SELECT s.id, coalesce(s.group_id, ''), coalesce(s.structure_id, '') FROM shared s
		WHERE NOT EXISTS (SELECT 1 FROM shared o WHERE s.ancestors @> ARRAY[o.id])
		ORDER BY s.id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("find what space %s shares: %w", spaceID, err)
	}
	tops, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SharedTop])
	if err != nil {
		return nil, fmt.Errorf("scan what space %s shares: %w", spaceID, err)
	}
	return tops, nil
}

// LiveTops lists the live items at the root of a space: moving them moves it all.
func LiveTops(ctx context.Context, q db.DBTX, spaceID uuid.UUID) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `
		SELECT i.id FROM items i JOIN spaces s ON s.id = i.space_id
		WHERE i.space_id = $1 AND i.parent_id = s.root_id AND i.trashed_at IS NULL ORDER BY i.id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("list the top of space %s: %w", spaceID, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// HandOverTx moves the given items, with what lies below them, into a new folder
// named folderName (numbered if taken) at the root of another space, made by by. The
// destination is charged, without its limits being checked (the bytes exist
// already: refusing the move would lose them), and the source credited; grants stay
// on the items and keep applying. It returns the new folder's id, or uuid.Nil when
// there was nothing to move.
func (s *Service) HandOverTx(ctx context.Context, tx pgx.Tx, itemIDs []uuid.UUID, destSpaceID uuid.UUID, folderName, by string) (uuid.UUID, error) {
	if len(itemIDs) == 0 {
		return uuid.Nil, nil
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('cartable.quota_handover', 'on', true)`); err != nil {
		return uuid.Nil, fmt.Errorf("allow the handover's quota: %w", err)
	}
	folder, err := newTopFolder(ctx, tx, destSpaceID, folderName, by)
	if err != nil {
		return uuid.Nil, err
	}
	for _, id := range itemIDs {
		it, err := loadItem(ctx, tx, id, forUpdate)
		if err != nil {
			return uuid.Nil, err
		}
		name, err := pickName(ctx, tx, folder.ID, it.Name, it.IsFolder(), true)
		if err != nil {
			return uuid.Nil, err
		}
		if err := placeItem(ctx, tx, it, folder, name, by); err != nil {
			return uuid.Nil, err
		}
	}
	return folder.ID, nil
}

// newTopFolder makes a folder at the root of a space, numbering its name if taken.
func newTopFolder(ctx context.Context, tx pgx.Tx, spaceID uuid.UUID, name, by string) (Item, error) {
	var rootID uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT root_id FROM spaces WHERE id = $1`, spaceID).Scan(&rootID); err != nil {
		return Item{}, fmt.Errorf("find the root of space %s: %w", spaceID, err)
	}
	root, err := loadItem(ctx, tx, rootID, forUpdate)
	if err != nil {
		return Item{}, err
	}
	name, err = NormalizeName(name)
	if err != nil {
		return Item{}, err
	}
	if name, err = pickName(ctx, tx, root.ID, name, true, true); err != nil {
		return Item{}, err
	}
	id := newID()
	_, err = tx.Exec(ctx, `
		INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by)
		VALUES ($1, $2, $3, $4, 'folder', $5, $6, nullif($7, ''), nullif($7, ''))`,
		id, spaceID, root.ID, root.childAncestors(), name, NameKey(name), by)
	if err != nil {
		return Item{}, fmt.Errorf("create folder %q: %w", name, err)
	}
	return loadItem(ctx, tx, id, forUpdate)
}

// GroupSpaceTx returns the space of a group, creating it (with its structure's
// folder template) when none of its members ever opened it.
func (s *Service) GroupSpaceTx(ctx context.Context, tx pgx.Tx, groupID string) (uuid.UUID, error) {
	spec := spaceSpec{kind: SpaceGroup, groupID: groupID}
	if err := tx.QueryRow(ctx, `SELECT name, structure_id FROM groups WHERE id = $1`, groupID).Scan(&spec.name, &spec.structureID); err != nil {
		return uuid.Nil, fmt.Errorf("find group %s: %w", groupID, err)
	}
	return s.ensureSpaceTx(ctx, tx, spec, `group_id = $1`, groupID)
}

// StructureSpaceTx returns the staff space of a structure, creating it if needed.
func (s *Service) StructureSpaceTx(ctx context.Context, tx pgx.Tx, structureID string) (uuid.UUID, error) {
	spec := spaceSpec{kind: SpaceStructure, structureID: structureID}
	if err := tx.QueryRow(ctx, `SELECT name FROM structures WHERE id = $1`, structureID).Scan(&spec.name); err != nil {
		return uuid.Nil, fmt.Errorf("find structure %s: %w", structureID, err)
	}
	return s.ensureSpaceTx(ctx, tx, spec, `kind = 'structure' AND structure_id = $1`, structureID)
}

// PersonalSpaceTx returns a user's personal space, creating it if they never
// signed in.
func (s *Service) PersonalSpaceTx(ctx context.Context, tx pgx.Tx, userID string) (uuid.UUID, error) {
	spec := spaceSpec{kind: SpacePersonal, name: personalSpaceName, ownerID: userID}
	err := tx.QueryRow(ctx, `SELECT coalesce(primary_structure_id, '') FROM users WHERE id = $1`, userID).Scan(&spec.structureID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("find user %s: %w", userID, err)
	}
	return s.ensureSpaceTx(ctx, tx, spec, `owner_id = $1`, userID)
}

func (s *Service) ensureSpaceTx(ctx context.Context, tx pgx.Tx, spec spaceSpec, where, arg string) (uuid.UUID, error) {
	if err := s.createSpace(ctx, tx, spec, ""); err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT id FROM spaces WHERE `+where, arg).Scan(&id); err != nil {
		return uuid.Nil, fmt.Errorf("find %s space of %s: %w", spec.kind, arg, err)
	}
	return id, nil
}

// AnonymiseAuthorTx replaces a user's id by marker wherever the workspace records
// who made, changed or trashed an item or a version.
func AnonymiseAuthorTx(ctx context.Context, tx pgx.Tx, userID, marker string) error {
	for _, sql := range []string{
		`UPDATE items SET created_by = $2 WHERE created_by = $1`,
		`UPDATE items SET modified_by = $2 WHERE modified_by = $1`,
		`UPDATE items SET trashed_by = $2 WHERE trashed_by = $1`,
		`UPDATE versions SET created_by = $2 WHERE created_by = $1`,
		`DELETE FROM item_locks WHERE owner_id = $1 AND $2::text IS NOT NULL`, // their locks stop blocking the class
	} {
		if _, err := tx.Exec(ctx, sql, userID, marker); err != nil {
			return fmt.Errorf("anonymise %s: %w", userID, err)
		}
	}
	return nil
}

// NameScrubber takes a person's name out of item names: their full name, then each
// word of it of three letters or more, whole words, ignoring case, becomes the
// pseudonym ("Fiche - Hugo Petit.odt" → "Fiche - Ancien élève 3.odt").
type NameScrubber struct {
	pattern   *regexp.Regexp
	pseudonym string
}

// NewNameScrubber returns the scrubber of a display name; nil when the name has no
// word long enough to look for.
func NewNameScrubber(displayName, pseudonym string) *NameScrubber {
	alternatives := []string{}
	if full := strings.TrimSpace(displayName); len([]rune(full)) >= 3 {
		alternatives = append(alternatives, regexp.QuoteMeta(full))
	}
	for _, w := range strings.FieldsFunc(displayName, func(r rune) bool { return strings.ContainsRune(" -'’.", r) }) {
		if len([]rune(w)) >= 3 {
			alternatives = append(alternatives, regexp.QuoteMeta(w))
		}
	}
	if len(alternatives) == 0 {
		return nil
	}
	// Go's regexp has no \b for letters outside ASCII: a name is bounded by
	// anything that is not a letter or a digit.
	p := `(?i)(^|[^\pL\pN])(` + strings.Join(alternatives, "|") + `)([^\pL\pN]|$)`
	return &NameScrubber{pattern: regexp.MustCompile(p), pseudonym: pseudonym}
}

// Scrub returns the name with the person's name replaced, and whether it changed.
func (n *NameScrubber) Scrub(name string) (string, bool) {
	if n == nil {
		return name, false
	}
	out := name
	for { // matches overlapping at a separator need a second pass
		next := n.pattern.ReplaceAllString(out, "${1}"+n.pseudonym+"${3}")
		if next == out {
			break
		}
		out = next
	}
	dup := n.pseudonym + " " + n.pseudonym
	for strings.Contains(out, dup) { // "Hugo Petit" matched word by word
		out = strings.ReplaceAll(out, dup, n.pseudonym)
	}
	return out, out != name
}

// ScrubItemNamesTx renames the items found by where (a condition on items i, with
// $1 its argument) whose name holds the person's name; a rename that would clash
// with a sibling gets a number.
func ScrubItemNamesTx(ctx context.Context, tx pgx.Tx, n *NameScrubber, where string, arg any) error {
	if n == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT i.id, i.name, i.parent_id, i.kind = 'folder' FROM items i WHERE `+where, arg)
	if err != nil {
		return fmt.Errorf("find names to scrub: %w", err)
	}
	type named struct {
		ID       uuid.UUID
		Name     string
		ParentID *uuid.UUID
		Folder   bool
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[named])
	if err != nil {
		return fmt.Errorf("scan names to scrub: %w", err)
	}
	for _, it := range found {
		name, changed := n.Scrub(it.Name)
		if !changed {
			continue
		}
		if name, err = NormalizeName(name); err != nil {
			continue // the name stays: a pseudonym cannot make it invalid, but be safe
		}
		if it.ParentID != nil {
			if name, err = pickName(ctx, tx, *it.ParentID, name, it.Folder, true); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE items SET name = $2, name_key = $3, revision = revision + 1 WHERE id = $1`,
			it.ID, name, NameKey(name)); err != nil {
			return fmt.Errorf("rename %s: %w", it.ID, err)
		}
	}
	return nil
}
