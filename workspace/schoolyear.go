package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/quota"
)

// The school year. At the summer rollover a structure's class spaces are archived:
//
//   - the space lets go of its group (group_id NULL, former_group_id kept), so the
//     group — whether the ENT keeps its id for next year's class or deletes and
//     recreates it — gets a fresh space, made from the folder template, the first
//     time one of its members looks;
//   - who may still read it is frozen in space_archive_members (the group's pupils,
//     teachers and staff at that moment), so next year's pupils of a reused group id
//     see nothing of it, and last year's keep reading it wherever they went;
//   - sharing.Decide keeps everyone, its teachers and the local admins included, to
//     the viewer role in it: every write path refuses with space_archived;
//   - the retention job trashes it once purge_after (archive time + the retention)
//     has passed, and the trash purge frees its bytes as for any trashed item.
//
// Provisioning deleting the group later changes nothing for an archived space (it
// holds no reference to the group); deleting the group of a live space deletes the
// space, as before.

// ArchivedGroupKinds are the groups whose spaces a rollover archives: the classes
// and the teaching groups, which change every year; manual groups (a club, the
// staff's working groups) outlive it.
var ArchivedGroupKinds = []string{"class", "teaching_group"}

// Rollover is what a structure's rollover did.
type Rollover struct {
	YearLabel string
	Archived  int
	// AlreadyDone: the structure rolled over for this year before; nothing was
	// archived this time (Archived is what the first call archived).
	AlreadyDone bool
	PurgeAfter  time.Time
	At          time.Time
}

// ArchivedSpace is a space as an admin sees it after archiving it.
type ArchivedSpace struct {
	ID          uuid.UUID
	Name        string
	StructureID string
	ArchivedAt  *time.Time
	Label       string
	PurgeAfter  *time.Time
	Members     int
}

// RolloverStructure archives every live class and teaching-group space of the
// structure, for its admins, in one transaction. It is idempotent per year label: the
// same label again archives nothing (the spaces made since are next year's).
func (s *Service) RolloverStructure(ctx context.Context, a quota.Admin, structureID, yearLabel, by string) (Rollover, error) {
	if err := s.administered(ctx, a, structureID); err != nil {
		return Rollover{}, err
	}
	label, err := checkYearLabel(yearLabel)
	if err != nil {
		return Rollover{}, err
	}
	now := s.now()
	r := Rollover{YearLabel: label, At: now, PurgeAfter: now.Add(s.cfg.ArchiveRetention)}
	err = s.transact(ctx, func(tx pgx.Tx) error {
		// The row claims the year first: of two admins clicking at once, one archives
		// and the other waits on the key, then finds it done.
		tag, err := tx.Exec(ctx, `
			INSERT INTO structure_rollovers (structure_id, year_label, archived, done_by, done_at)
			VALUES ($1, $2, 0, nullif($3, ''), $4) ON CONFLICT DO NOTHING`, structureID, label, by, now)
		if err != nil {
			return fmt.Errorf("record rollover of %s: %w", structureID, err)
		}
		if tag.RowsAffected() == 0 {
			r.AlreadyDone = true
			return tx.QueryRow(ctx, `SELECT archived, done_at FROM structure_rollovers WHERE structure_id = $1 AND year_label = $2`,
				structureID, label).Scan(&r.Archived, &r.At)
		}
		rows, err := tx.Query(ctx, `
			SELECT sp.id FROM spaces sp JOIN groups g ON g.id = sp.group_id
			WHERE g.structure_id = $1 AND g.kind = ANY($2) AND sp.archived_at IS NULL
			ORDER BY sp.id FOR UPDATE OF sp`, structureID, ArchivedGroupKinds)
		if err != nil {
			return fmt.Errorf("find class spaces of %s: %w", structureID, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return fmt.Errorf("scan class spaces of %s: %w", structureID, err)
		}
		for _, id := range ids {
			if err := archiveSpace(ctx, tx, id, label, by, now, r.PurgeAfter); err != nil {
				return err
			}
		}
		r.Archived = len(ids)
		_, err = tx.Exec(ctx, `UPDATE structure_rollovers SET archived = $3 WHERE structure_id = $1 AND year_label = $2`,
			structureID, label, r.Archived)
		return err
	})
	if err != nil {
		return Rollover{}, err
	}
	if !r.AlreadyDone {
		r.PurgeAfter = r.At.Add(s.cfg.ArchiveRetention)
	}
	return r, nil
}

// ArchiveSpace archives one class (group) space, for the admins of its structure.
// Archiving an archived space changes nothing. An empty label is the school year
// that ends this summer (2025-2026 from January to August 2026).
func (s *Service) ArchiveSpace(ctx context.Context, a quota.Admin, spaceID uuid.UUID, yearLabel, by string) (ArchivedSpace, error) {
	if strings.TrimSpace(yearLabel) == "" {
		yearLabel = SchoolYearEnding(s.now())
	}
	label, err := checkYearLabel(yearLabel)
	if err != nil {
		return ArchivedSpace{}, err
	}
	now := s.now()
	err = s.transact(ctx, func(tx pgx.Tx) error {
		sp, err := adminSpace(ctx, tx, a, spaceID)
		if err != nil || sp.ArchivedAt != nil {
			return err
		}
		return archiveSpace(ctx, tx, spaceID, label, by, now, now.Add(s.cfg.ArchiveRetention))
	})
	if err != nil {
		return ArchivedSpace{}, err
	}
	return s.archivedSpace(ctx, spaceID)
}

// UnarchiveSpace undoes an archive, for the admins of the space's structure: the
// space takes its group back, and its group's current members their roles. When the
// group has had a new space made since, that one is dropped if nobody used it (it
// holds only the template's folders); otherwise it is a conflict: the class has
// started its new year there. A group deleted since is a conflict too.
func (s *Service) UnarchiveSpace(ctx context.Context, a quota.Admin, spaceID uuid.UUID) (ArchivedSpace, error) {
	err := s.transact(ctx, func(tx pgx.Tx) error {
		sp, err := adminSpace(ctx, tx, a, spaceID)
		if err != nil || sp.ArchivedAt == nil {
			return err
		}
		if err := dropUnusedSuccessor(ctx, tx, sp.formerGroupID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE spaces SET group_id = former_group_id, former_group_id = NULL, archived_at = NULL,
				archived_label = NULL, archived_by = NULL, purge_after = NULL
			WHERE id = $1`, spaceID)
		if err != nil {
			return fmt.Errorf("unarchive %s: %w", spaceID, err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM space_archive_members WHERE space_id = $1`, spaceID)
		return err
	})
	if err != nil {
		return ArchivedSpace{}, err
	}
	return s.archivedSpace(ctx, spaceID)
}

// dropUnusedSuccessor makes room for an archived space to take its group back.
func dropUnusedSuccessor(ctx context.Context, tx pgx.Tx, groupID string) error {
	var groupExists bool
	var successor *uuid.UUID
	var used bool
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM groups WHERE id = $1),
			(SELECT id FROM spaces WHERE group_id = $1),
			EXISTS (SELECT 1 FROM spaces sp JOIN items i ON i.space_id = sp.id
				WHERE sp.group_id = $1 AND i.id <> sp.root_id AND (i.kind = 'file' OR i.created_by IS NOT NULL))`,
		groupID).Scan(&groupExists, &successor, &used)
	if err != nil {
		return fmt.Errorf("find the new space of %s: %w", groupID, err)
	}
	switch {
	case !groupExists:
		return cartable.Errorf(cartable.EConflict, "the group %q of this space no longer exists; the archive stays read-only", groupID)
	case used:
		return cartable.Errorf(cartable.EConflict, "the group %q has a new space in use; the archive stays read-only", groupID)
	case successor == nil:
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM spaces WHERE id = $1`, *successor); err != nil {
		return fmt.Errorf("drop the unused new space of %s: %w", groupID, err)
	}
	return nil
}

// archiveSpace archives a locked live group space: freezes its readers, lets go of
// its group, sets its year and its purge date.
func archiveSpace(ctx context.Context, tx pgx.Tx, spaceID uuid.UUID, label, by string, now, purgeAfter time.Time) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO space_archive_members (space_id, user_id, profile)
		SELECT sp.id, m.user_id, m.profile FROM spaces sp JOIN group_members m ON m.group_id = sp.group_id
		WHERE sp.id = $1 AND m.profile IN ('Student', 'Teacher', 'Personnel')
		ON CONFLICT DO NOTHING`, spaceID)
	if err != nil {
		return fmt.Errorf("freeze the members of %s: %w", spaceID, err)
	}
	_, err = tx.Exec(ctx, `
		UPDATE spaces SET former_group_id = group_id, group_id = NULL, archived_at = $2,
			archived_label = $3, archived_by = nullif($4, ''), purge_after = $5
		WHERE id = $1 AND archived_at IS NULL`, spaceID, now, label, by, purgeAfter)
	if err != nil {
		return fmt.Errorf("archive %s: %w", spaceID, err)
	}
	return nil
}

// adminSpaceRow is what the admin routes read of a space.
type adminSpaceRow struct {
	kind, structureID, formerGroupID string
	ArchivedAt                       *time.Time
}

// adminSpace locks a group space the admin administers; any other space does not
// exist for them.
func adminSpace(ctx context.Context, tx pgx.Tx, a quota.Admin, spaceID uuid.UUID) (adminSpaceRow, error) {
	var sp adminSpaceRow
	err := tx.QueryRow(ctx, `
		SELECT kind, coalesce(structure_id, ''), coalesce(former_group_id, ''), archived_at FROM spaces WHERE id = $1 FOR UPDATE`,
		spaceID).Scan(&sp.kind, &sp.structureID, &sp.formerGroupID, &sp.ArchivedAt)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && a.Manages(sp.structureID) != nil) {
		return sp, cartable.Errorf(cartable.ENotFound, "no space %s", spaceID)
	}
	if err != nil {
		return sp, fmt.Errorf("find space %s: %w", spaceID, err)
	}
	if sp.kind != SpaceGroup {
		return sp, cartable.Errorf(cartable.EInvalid, "only a class or group space is archived, not a %s space", sp.kind)
	}
	return sp, nil
}

// archivedSpace reads a space's archive state after a change.
func (s *Service) archivedSpace(ctx context.Context, spaceID uuid.UUID) (ArchivedSpace, error) {
	out := ArchivedSpace{ID: spaceID}
	err := s.db.QueryRow(ctx, `
		SELECT name, coalesce(structure_id, ''), archived_at, coalesce(archived_label, ''), purge_after,
			(SELECT count(*) FROM space_archive_members WHERE space_id = $1)
		FROM spaces WHERE id = $1`, spaceID).
		Scan(&out.Name, &out.StructureID, &out.ArchivedAt, &out.Label, &out.PurgeAfter, &out.Members)
	if err != nil {
		return out, fmt.Errorf("read space %s: %w", spaceID, err)
	}
	return out, nil
}

// ArchiveRetention is how long an archived class space stays readable.
func (s *Service) ArchiveRetention() time.Duration { return s.cfg.ArchiveRetention }

// checkYearLabel validates a school year's label: short plain text ("2025-2026").
func checkYearLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if label == "" || utf8.RuneCountInString(label) > 40 || strings.ContainsAny(label, "/\\") {
		return "", cartable.Errorf(cartable.EInvalid, "year_label must be 1 to 40 characters without slashes, e.g. 2025-2026").
			With("field", "year_label")
	}
	return label, nil
}

// SchoolYearEnding is the label of the school year in progress at t, which in France
// starts in September: "2025-2026" from September 2025 to August 2026.
func SchoolYearEnding(t time.Time) string {
	y := t.Year()
	if t.Month() >= time.September {
		return fmt.Sprintf("%d-%d", y, y+1)
	}
	return fmt.Sprintf("%d-%d", y-1, y)
}
