package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/sharing"
)

// Space kinds.
const (
	SpacePersonal  = "personal"
	SpaceGroup     = "group"
	SpaceStructure = "structure"
)

// Space is a tree of items with one owner: a person, a group or an establishment.
type Space struct {
	ID          uuid.UUID
	Kind        string
	Name        string
	StructureID string
	OwnerID     string
	GroupID     string
	RootID      uuid.UUID
	// Role is the caller's role on the whole space.
	Role cartable.Role
	// ArchivedAt is set on last year's class space: read-only for everyone.
	ArchivedAt *time.Time
	// Archive tells the rest when ArchivedAt is set (Spaces fills it).
	Archive *Archive
}

// Archive is what an archived class space shows: its school year, and when the
// retention job trashes it.
type Archive struct {
	Label      string
	PurgeAfter time.Time
}

// Archived reports whether the space is last year's, kept read-only.
func (sp Space) Archived() bool { return sp.ArchivedAt != nil }

func (sp Space) accessSpace() sharing.Space {
	return sharing.Space{ID: sp.ID.String(), Kind: sp.Kind, OwnerID: sp.OwnerID, GroupID: sp.GroupID,
		StructureID: sp.StructureID, Archived: sp.Archived()}
}

// personalSpaceName is the name of everyone's own space, as the portal shows it.
const personalSpaceName = "Mes documents"

// Spaces returns the spaces the caller may use: their personal space, the space of
// each group they take part in and the staff space of each structure they work in.
// Spaces are created on first use, so a newly provisioned class has its space the
// first time one of its members looks.
func (s *Service) Spaces(ctx context.Context, c *cartable.Caller) ([]Space, error) {
	if err := s.ensureSpaces(ctx, c); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `
		SELECT id, kind, name, coalesce(structure_id, ''), coalesce(owner_id, ''), coalesce(group_id, ''), root_id,
			archived_at, coalesce(archived_label, ''), purge_after
		FROM spaces
		WHERE owner_id = $1 OR group_id = ANY($2) OR (kind = 'structure' AND structure_id = ANY($3))
			OR id = ANY($4::uuid[])
		ORDER BY CASE kind WHEN 'personal' THEN 0 WHEN 'group' THEN 1 ELSE 2 END, archived_at DESC NULLS FIRST, name, id`,
		c.UserID, groupIDs(c), structureIDs(c), formerSpaceIDs(c))
	if err != nil {
		return nil, fmt.Errorf("list spaces of %s: %w", c.UserID, err)
	}
	spaces, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Space, error) {
		var sp Space
		var label string
		var purgeAfter *time.Time
		err := row.Scan(&sp.ID, &sp.Kind, &sp.Name, &sp.StructureID, &sp.OwnerID, &sp.GroupID, &sp.RootID,
			&sp.ArchivedAt, &label, &purgeAfter)
		if sp.ArchivedAt != nil && purgeAfter != nil {
			sp.Archive = &Archive{Label: label, PurgeAfter: *purgeAfter}
		}
		return sp, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan spaces: %w", err)
	}
	visible := spaces[:0]
	for _, sp := range spaces {
		if sp.Role = sharing.SpaceRole(c, sp.accessSpace()); sp.Role > cartable.NoRole {
			visible = append(visible, sp)
		}
	}
	return visible, nil
}

// spaceSpec describes a space to create if it does not exist yet.
type spaceSpec struct {
	kind, name, structureID, ownerID, groupID string
}

// ensureSpaces creates the caller's missing spaces. It reads first, so that the
// common case (everything exists) writes nothing.
func (s *Service) ensureSpaces(ctx context.Context, c *cartable.Caller) error {
	wanted, err := s.wantedSpaces(ctx, c)
	if err != nil {
		return err
	}
	for _, spec := range wanted {
		if err := s.createSpace(ctx, s.db, spec, c.UserID); err != nil {
			return err
		}
	}
	return nil
}

// wantedSpaces lists the spaces the caller should have and does not have yet.
func (s *Service) wantedSpaces(ctx context.Context, c *cartable.Caller) ([]spaceSpec, error) {
	var missing []spaceSpec
	var hasPersonal bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM spaces WHERE owner_id = $1)`, c.UserID).Scan(&hasPersonal); err != nil {
		return nil, fmt.Errorf("find personal space: %w", err)
	}
	if !hasPersonal {
		missing = append(missing, spaceSpec{kind: SpacePersonal, name: personalSpaceName, structureID: c.PrimaryStructureID, ownerID: c.UserID})
	}
	rows, err := s.db.Query(ctx, `
		SELECT g.id, g.name, g.structure_id FROM groups g
		WHERE g.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM spaces s WHERE s.group_id = g.id)`, groupIDs(c))
	if err != nil {
		return nil, fmt.Errorf("find group spaces: %w", err)
	}
	groups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (spaceSpec, error) {
		spec := spaceSpec{kind: SpaceGroup}
		err := row.Scan(&spec.groupID, &spec.name, &spec.structureID)
		return spec, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan group spaces: %w", err)
	}
	for _, spec := range groups {
		if sharing.SpaceRole(c, sharing.Space{Kind: SpaceGroup, GroupID: spec.groupID}) > cartable.NoRole {
			missing = append(missing, spec)
		}
	}
	rows, err = s.db.Query(ctx, `
		SELECT st.id, st.name FROM structures st
		WHERE st.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM spaces s WHERE s.kind = 'structure' AND s.structure_id = st.id)`,
		structureIDs(c))
	if err != nil {
		return nil, fmt.Errorf("find structure spaces: %w", err)
	}
	structures, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (spaceSpec, error) {
		spec := spaceSpec{kind: SpaceStructure}
		err := row.Scan(&spec.structureID, &spec.name)
		return spec, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan structure spaces: %w", err)
	}
	for _, spec := range structures {
		if sharing.SpaceRole(c, sharing.Space{Kind: SpaceStructure, StructureID: spec.structureID}) > cartable.NoRole {
			missing = append(missing, spec)
		}
	}
	return missing, nil
}

// createSpace inserts a space and its root folder, unless another request created
// the same space first (the unique owner, group and structure indexes decide). A
// group space gets its structure's folder template in the same transaction, so a
// class space is never seen without it.
func (s *Service) createSpace(ctx context.Context, q db.DBTX, spec spaceSpec, by string) error {
	return db.Transact(ctx, q, func(tx pgx.Tx) error {
		spaceID, rootID := newID(), newID()
		tag, err := tx.Exec(ctx, `
			INSERT INTO spaces (id, kind, name, structure_id, owner_id, group_id, root_id)
			VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), $7)
			ON CONFLICT DO NOTHING`,
			spaceID, spec.kind, spec.name, spec.structureID, spec.ownerID, spec.groupID, rootID)
		if err != nil {
			return fmt.Errorf("create %s space %q: %w", spec.kind, spec.name, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO items (id, space_id, kind, name, name_key, created_by, modified_by)
			VALUES ($1, $2, 'folder', $3, $4, $5, $5)`,
			rootID, spaceID, spec.name, NameKey(spec.name), by)
		if err != nil {
			return fmt.Errorf("create root of space %q: %w", spec.name, err)
		}
		if spec.kind != SpaceGroup {
			return nil
		}
		return s.applyTemplate(ctx, tx, spaceID, rootID, spec.structureID)
	})
}

func groupIDs(c *cartable.Caller) []string {
	ids := make([]string, 0, len(c.Groups))
	for _, g := range c.Groups {
		ids = append(ids, g.GroupID)
	}
	return ids
}

// formerSpaceIDs are the archived class spaces the caller belonged to.
func formerSpaceIDs(c *cartable.Caller) []string {
	ids := make([]string, 0, len(c.FormerClasses))
	for _, f := range c.FormerClasses {
		ids = append(ids, f.SpaceID)
	}
	return ids
}

func structureIDs(c *cartable.Caller) []string {
	ids := make([]string, 0, len(c.Structures))
	for _, st := range c.Structures {
		ids = append(ids, st.StructureID)
	}
	return ids
}

// newID returns a new time-ordered item, space, version or blob id (UUIDv7).
func newID() uuid.UUID {
	return uuid.Must(uuid.NewV7())
}
