package assignment

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/workspace"
)

// Delete deletes an assignment, for a teacher of its class: its pupils no longer
// see it, and every pupil's folders (their work, and what was returned to them)
// go to the class space's trash, where nothing is lost until the trash's
// retention ends. Restore brings it all back until then. The versions its
// hand-ins pinned are no longer held once it is deleted: the trash's own rules
// apply to them.
func (s *Service) Delete(ctx context.Context, c *cartable.Caller, id uuid.UUID) error {
	return db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := loadTeacher(ctx, tx, c, id, true); err != nil {
			return err
		}
		folders, err := foldersOf(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := workspace.TrashPrivateFolders(ctx, tx, folders, c.UserID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE assignments SET deleted_at = now(), deleted_by = $2, revision = revision + 1 WHERE id = $1`, id, c.UserID)
		if err != nil {
			return fmt.Errorf("delete assignment %s: %w", id, err)
		}
		return nil
	})
}

// Restore brings a deleted assignment back, for a teacher of its class, with the
// pupils' folders from the class trash (with the hand-ins, their history and the
// versions they pinned). A folder purged from the trash meanwhile is gone: its
// pupil's work then has no folder.
func (s *Service) Restore(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Assignment, error) {
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		h, err := loadDeleted(ctx, tx, c, id, true)
		if err != nil {
			return err
		}
		if h.DeletedAt == nil {
			return conflict("the assignment is not deleted",
				"Ce devoir n'est pas supprimé.", "This assignment is not deleted.")
		}
		folders, err := foldersOf(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := workspace.RestorePrivateFolders(ctx, tx, folders); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE assignments SET deleted_at = NULL, deleted_by = NULL, revision = revision + 1 WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("restore assignment %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Get(ctx, c, id)
}

// foldersOf returns every private folder of an assignment's pupils: their work and
// what was returned to them.
func foldersOf(ctx context.Context, q db.DBTX, id uuid.UUID) ([]uuid.UUID, error) {
	var folders []uuid.UUID
	err := q.QueryRow(ctx, `SELECT ARRAY(
		SELECT folder_id FROM assignment_work WHERE assignment_id = $1 AND folder_id IS NOT NULL
		UNION ALL
		SELECT corrected_folder_id FROM assignment_work WHERE assignment_id = $1 AND corrected_folder_id IS NOT NULL)`, id).Scan(&folders)
	if err != nil {
		return nil, fmt.Errorf("read the folders of %s: %w", id, err)
	}
	return folders, nil
}
