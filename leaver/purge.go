package leaver

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/assignment"
	"cartable/audit"
	"cartable/db"
	"cartable/quota"
	"cartable/workspace"
)

// PurgeJob is the actor the audit log names for the purges the job makes.
const PurgeJob = "job:leaver_purge"

// purgeBatch bounds how many leavers one pass of PurgeDue looks at.
const purgeBatch = 100

// PurgeDue purges the leavers whose grace period ended before now, and returns how
// many it purged. Safe to run on several nodes at once and to run again.
func (s *Service) PurgeDue(ctx context.Context, now time.Time) (int, error) {
	purged := 0
	for {
		rows, err := s.db.Query(ctx, `SELECT id FROM users WHERE left_at IS NOT NULL AND purge_after <= $1
			ORDER BY purge_after, id LIMIT $2`, now, purgeBatch)
		if err != nil {
			return purged, fmt.Errorf("find leavers due: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return purged, fmt.Errorf("scan leavers due: %w", err)
		}
		for _, id := range ids {
			done, err := s.purge(ctx, id, &now, PurgeJob)
			if err != nil {
				return purged, err
			}
			if done {
				purged++
			}
		}
		if len(ids) < purgeBatch {
			return purged, nil
		}
	}
}

// Purge purges a leaver before their grace period ends, for an admin of one of
// their structures (or the region). A user who has not left is refused (409);
// purging one already purged is not found.
func (s *Service) Purge(ctx context.Context, a quota.Admin, userID, by string) error {
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if err := managesLeaver(ctx, tx, a, userID); err != nil {
			return err
		}
		var left bool
		if err := tx.QueryRow(ctx, `SELECT left_at IS NOT NULL FROM users WHERE id = $1`, userID).Scan(&left); err != nil {
			return fmt.Errorf("read user %s: %w", userID, err)
		}
		if !left {
			return errNotLeaver(userID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.purge(ctx, userID, nil, by)
	return err
}

// purge purges one leaver in one transaction, if they are still a leaver (and due,
// when due is set), then collects the blobs nothing references any more.
func (s *Service) purge(ctx context.Context, userID string, due *time.Time, by string) (bool, error) {
	var orphans []uuid.UUID
	var done bool
	err := workspace.Translate(db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		l, found, err := lockLeaver(ctx, tx, userID)
		if err != nil || !found {
			return err
		}
		if due != nil {
			var isDue bool
			if err := tx.QueryRow(ctx, `SELECT purge_after <= $2 FROM users WHERE id = $1`, userID, *due).Scan(&isDue); err != nil || !isDue {
				return err
			}
		}
		orphans, err = s.purgeTx(ctx, tx, l, by)
		done = err == nil
		return err
	}))
	if err != nil {
		return false, fmt.Errorf("purge leaver %s: %w", userID, err)
	}
	if done {
		s.log.Info("leaver purged", "user", userID, "by", by, "blobs", len(orphans))
		if _, err := s.workspace.CollectOrphans(ctx, orphans); err != nil {
			s.log.Warn("collect a leaver's blobs", "user", userID, "err", err) // the periodic collection retries
		}
	}
	return done, nil
}

// purgeTx applies the rule to a locked leaver and deletes them. It returns the
// blobs the deleted files used.
func (s *Service) purgeTx(ctx context.Context, tx pgx.Tx, l leaverRow, by string) ([]uuid.UUID, error) {
	marker := cartable.FormerMarker(l.Profile)
	if l.Profile.IsStaff() {
		if err := s.rescueShared(ctx, tx, l, marker); err != nil {
			return nil, err
		}
	}
	var orphans []uuid.UUID
	if l.Profile == cartable.Student {
		var err error
		if orphans, err = forgetPupil(ctx, tx, l); err != nil {
			return nil, err
		}
	}
	if err := workspace.AnonymiseAuthorTx(ctx, tx, l.ID, marker); err != nil {
		return nil, err
	}
	if err := anonymiseSharing(ctx, tx, l.ID, marker); err != nil {
		return nil, err
	}
	personal, err := deletePersonalSpace(ctx, tx, l, by)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, l.ID); err != nil {
		return nil, fmt.Errorf("delete user %s: %w", l.ID, err)
	}
	return append(orphans, personal...), nil
}

// forgetPupil gives a pupil a pseudonym ("Ancien élève 17") in what the class keeps:
// the names of the files and folders they put in class spaces, their hand-ins, the
// events about them.
func forgetPupil(ctx context.Context, tx pgx.Tx, l leaverRow) ([]uuid.UUID, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT nextval('leaver_pseudonyms')`).Scan(&n); err != nil {
		return nil, fmt.Errorf("draw a pseudonym: %w", err)
	}
	pseudoID, pseudoName := fmt.Sprintf("former:%d", n), fmt.Sprintf("Ancien élève %d", n)
	names := workspace.NewNameScrubber(l.DisplayName, pseudoName)
	err := workspace.ScrubItemNamesTx(ctx, tx, names, `i.created_by = $1 AND i.private_to IS NULL
		AND i.space_id NOT IN (SELECT id FROM spaces WHERE owner_id = $1)`, l.ID)
	if err != nil {
		return nil, err
	}
	if err := scrubEvents(ctx, tx, l.ID, names); err != nil {
		return nil, err
	}
	return assignment.ForgetPupilTx(ctx, tx, l.ID, pseudoID, pseudoName, names)
}

// scrubEvents takes the pupil's name out of the item names the events feed keeps.
func scrubEvents(ctx context.Context, tx pgx.Tx, userID string, names *workspace.NameScrubber) error {
	if names == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id, item_name FROM events WHERE actor = $1 OR (recipient_kind = 'user' AND recipient_id = $1)`, userID)
	if err != nil {
		return fmt.Errorf("find %s's events: %w", userID, err)
	}
	type event struct {
		ID   int64
		Name string
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[event])
	if err != nil {
		return fmt.Errorf("scan %s's events: %w", userID, err)
	}
	for _, e := range found {
		if name, changed := names.Scrub(e.Name); changed {
			if _, err := tx.Exec(ctx, `UPDATE events SET item_name = $2 WHERE id = $1`, e.ID, name); err != nil {
				return fmt.Errorf("scrub event %d: %w", e.ID, err)
			}
		}
	}
	return nil
}

// anonymiseSharing replaces the leaver by marker in the grants they gave, the
// events that name them and the records of what they did as a teacher or an admin
// (an assignment deleted, a class archived, a template, a quota override), and
// drops the grants they received. Links and embeds they
// made on what stays go to a teacher of the class now holding it (an embed is
// served on its creator's behalf); with none, the marker (the embed then stops).
func anonymiseSharing(ctx context.Context, tx pgx.Tx, userID, marker string) error {
	const heir = `coalesce((SELECT m.user_id FROM items i JOIN spaces s ON s.id = i.space_id
		JOIN group_members m ON m.group_id = s.group_id JOIN users u ON u.id = m.user_id
		WHERE i.id = t.item_id AND m.profile = 'Teacher' AND m.user_id <> $1 AND u.left_at IS NULL
		ORDER BY m.user_id LIMIT 1), $2)`
	for _, sql := range []string{
		`DELETE FROM grants WHERE grantee_kind = 'user' AND grantee_id = $1 AND $2::text IS NOT NULL`,
		`UPDATE grants SET granted_by = $2 WHERE granted_by = $1`,
		`UPDATE links t SET created_by = ` + heir + ` WHERE t.created_by = $1`,
		`UPDATE embeds t SET created_by = ` + heir + ` WHERE t.created_by = $1`,
		`UPDATE events SET actor = $2 WHERE actor = $1`,
		`UPDATE events SET recipient_id = $2 WHERE recipient_kind = 'user' AND recipient_id = $1`,
		// Who did what as a teacher or an admin, kept with the record it is part of.
		`UPDATE assignments SET deleted_by = $2 WHERE deleted_by = $1`,
		`UPDATE spaces SET archived_by = $2 WHERE archived_by = $1`,
		`UPDATE structure_rollovers SET done_by = $2 WHERE done_by = $1`,
		`UPDATE folder_templates SET updated_by = $2 WHERE updated_by = $1`,
		`UPDATE quota_user_overrides SET set_by = $2 WHERE set_by = $1`,
	} {
		if _, err := tx.Exec(ctx, sql, userID, marker); err != nil {
			return fmt.Errorf("anonymise %s's shares: %w", userID, err)
		}
	}
	return nil
}

// deletePersonalSpace deletes the leaver's personal space, all of it (its bytes go
// back to the structure's pool: migration 00033), records it in the audit log and
// returns the blobs its versions used.
func deletePersonalSpace(ctx context.Context, tx pgx.Tx, l leaverRow, by string) ([]uuid.UUID, error) {
	var spaceID, rootID uuid.UUID
	var structureID string
	err := tx.QueryRow(ctx, `SELECT id, root_id, coalesce(structure_id, '') FROM spaces WHERE owner_id = $1`, l.ID).
		Scan(&spaceID, &rootID, &structureID)
	if err == pgx.ErrNoRows {
		return nil, nil // never signed in
	}
	if err != nil {
		return nil, fmt.Errorf("find %s's personal space: %w", l.ID, err)
	}
	rows, err := tx.Query(ctx, `
		WITH gone AS (DELETE FROM spaces WHERE id = $1 RETURNING id)
		SELECT DISTINCT v.blob_id FROM versions v WHERE v.space_id = $1`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("delete %s's personal space: %w", l.ID, err)
	}
	blobs, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("delete %s's personal space: %w", l.ID, err)
	}
	return blobs, audit.Record(ctx, tx, audit.Entry{Actor: by, Action: audit.Purge, ItemID: rootID, ItemName: "Mes documents",
		SpaceID: spaceID, StructureID: structureID, Details: map[string]any{"leaver": l.ID, "profile": l.Profile, "files": len(blobs)}})
}
