package assignment

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/workspace"
)

// What the purge of a leaver (package leaver) does to assignments, in its
// transaction.

// ForgetPupilTx applies the hand-in rule to a purged pupil. Work the teacher
// received (a hand-in, live or taken back) or answered (returned, corrected files)
// stays with the class until the assignment is deleted, under the pseudonym
// (pupilID and name replaced everywhere: work row, hand-ins, the private folders'
// owner, the names of the folders and files that held the pupil's name). Work
// never handed in nor returned is the pupil's draft, relied on by nobody: its
// private folder and work row go. It returns the blobs the deleted folders used,
// for the collector.
func ForgetPupilTx(ctx context.Context, tx pgx.Tx, pupilID, pseudoID, pseudoName string, names *workspace.NameScrubber) ([]uuid.UUID, error) {
	blobs, err := dropDrafts(ctx, tx, pupilID)
	if err != nil {
		return nil, err
	}
	for _, sql := range []string{
		`UPDATE assignment_work SET pupil_id = $2, pupil_name = $3 WHERE pupil_id = $1`, // hand-ins follow (ON UPDATE CASCADE)
		`UPDATE assignment_pupils SET pupil_id = $2 WHERE pupil_id = $1 AND $3::text IS NOT NULL`,
		`UPDATE items SET private_to = $2 WHERE private_to = $1 AND $3::text IS NOT NULL`,
	} {
		if _, err := tx.Exec(ctx, sql, pupilID, pseudoID, pseudoName); err != nil {
			return nil, fmt.Errorf("give pupil %s's work a pseudonym: %w", pupilID, err)
		}
	}
	// The private folders' trees: "Fiche — Hugo Petit" and the copies named after him.
	if err := workspace.ScrubItemNamesTx(ctx, tx, names, `(i.private_to = $1 AND i.parent_id IS NULL)
		OR i.ancestors && ARRAY(SELECT f.id FROM items f WHERE f.private_to = $1 AND f.parent_id IS NULL)`, pseudoID); err != nil {
		return nil, err
	}
	return blobs, scrubHandinNames(ctx, tx, pseudoID, names)
}

// dropDrafts deletes the private folders and work rows of the assignments a pupil
// never handed in and got nothing back for.
func dropDrafts(ctx context.Context, tx pgx.Tx, pupilID string) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `
		WITH drafts AS (
			DELETE FROM assignment_work w WHERE w.pupil_id = $1 AND w.returned_at IS NULL AND w.corrected_folder_id IS NULL
				AND NOT EXISTS (SELECT 1 FROM handins h WHERE h.assignment_id = w.assignment_id AND h.pupil_id = w.pupil_id)
			RETURNING w.folder_id
		), doomed AS (
			DELETE FROM items i USING drafts d WHERE i.id = d.folder_id OR i.ancestors @> ARRAY[d.folder_id]
			RETURNING i.id
		)
		SELECT DISTINCT v.blob_id FROM versions v WHERE v.item_id IN (SELECT id FROM doomed)`, pupilID)
	if err != nil {
		return nil, fmt.Errorf("drop pupil %s's drafts: %w", pupilID, err)
	}
	blobs, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("drop pupil %s's drafts: %w", pupilID, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM assignment_pupils WHERE pupil_id = $1
		AND NOT EXISTS (SELECT 1 FROM assignment_work w WHERE w.assignment_id = assignment_pupils.assignment_id AND w.pupil_id = $1)`, pupilID); err != nil {
		return nil, fmt.Errorf("drop pupil %s from assignments: %w", pupilID, err)
	}
	return blobs, nil
}

// scrubHandinNames takes the pupil's name out of the names the hand-ins pinned.
func scrubHandinNames(ctx context.Context, tx pgx.Tx, pseudoID string, names *workspace.NameScrubber) error {
	if names == nil {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT f.handin_id, f.item_id, f.name FROM handin_files f JOIN handins h ON h.id = f.handin_id
		WHERE h.pupil_id = $1`, pseudoID)
	if err != nil {
		return fmt.Errorf("find hand-in names: %w", err)
	}
	type pinned struct {
		HandinID, ItemID uuid.UUID
		Name             string
	}
	files, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pinned])
	if err != nil {
		return fmt.Errorf("scan hand-in names: %w", err)
	}
	for _, f := range files {
		if name, changed := names.Scrub(f.Name); changed {
			if _, err := tx.Exec(ctx, `UPDATE handin_files SET name = $3 WHERE handin_id = $1 AND item_id = $2`, f.HandinID, f.ItemID, name); err != nil {
				return fmt.Errorf("rename hand-in file: %w", err)
			}
		}
	}
	return nil
}

// HandOverAssignmentsTx gives a leaving teacher's assignments to someone who stays:
// to heir when set (a transfer), else to another teacher of the assignment's class
// (the first by id who has not left), else to marker. Whoever holds an assignment
// is told of hand-ins and makes the folders of late hand-outs.
func HandOverAssignmentsTx(ctx context.Context, tx pgx.Tx, teacherID, heir, marker string) (int64, error) {
	if heir != "" {
		tag, err := tx.Exec(ctx, `UPDATE assignments SET created_by = $2 WHERE created_by = $1`, teacherID, heir)
		if err != nil {
			return 0, fmt.Errorf("hand %s's assignments to %s: %w", teacherID, heir, err)
		}
		return tag.RowsAffected(), nil
	}
	tag, err := tx.Exec(ctx, `
		UPDATE assignments a SET created_by = coalesce((
			SELECT m.user_id FROM spaces s
			JOIN group_members m ON m.group_id = coalesce(s.group_id, s.former_group_id)
			JOIN users u ON u.id = m.user_id
			WHERE s.id = a.space_id AND m.profile = 'Teacher' AND m.user_id <> $1 AND u.left_at IS NULL
			ORDER BY m.user_id LIMIT 1), $2)
		WHERE a.created_by = $1`, teacherID, marker)
	if err != nil {
		return 0, fmt.Errorf("hand %s's assignments to the class: %w", teacherID, err)
	}
	return tag.RowsAffected(), nil
}
