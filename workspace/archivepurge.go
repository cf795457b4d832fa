package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// TrashArchivesArgs is the periodic job that trashes the archived class spaces past
// their retention (CARTABLE_ARCHIVE_RETENTION).
type TrashArchivesArgs struct{}

// Kind names the job in river's queue.
func (TrashArchivesArgs) Kind() string { return "workspace.trash_archives" }

// TrashArchivesWorker runs TrashArchivesArgs.
type TrashArchivesWorker struct {
	river.WorkerDefaults[TrashArchivesArgs]
	Service *Service
}

// Work trashes the expired archives and deletes the emptied ones.
func (w *TrashArchivesWorker) Work(ctx context.Context, job *river.Job[TrashArchivesArgs]) error {
	trashed, deleted, err := w.Service.ExpireArchives(ctx, w.Service.now())
	w.Service.log.Info("archive retention", "trashed", trashed, "deleted", deleted, "err", err)
	return err
}

// ExpireArchives ends the archived class spaces whose purge_after is before now, in
// two steps that reuse the trash: first everything in such a space goes to the trash
// (its bytes still counted), where the trash purge deletes it after the trash
// retention and frees its quota, as for anything trashed; then a space left with
// nothing but its root is deleted. It returns how many spaces it trashed and deleted.
// A space holding pupils' hand-ins pinned by an assignment waits for the assignment
// to go (the trash purge keeps pinned versions).
func (s *Service) ExpireArchives(ctx context.Context, now time.Time) (trashed, deleted int, err error) {
	rows, err := s.db.Query(ctx, `
		SELECT id FROM spaces WHERE archived_at IS NOT NULL AND purge_after < $1 ORDER BY purge_after LIMIT 500`, now)
	if err != nil {
		return 0, 0, fmt.Errorf("find expired archives: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, 0, fmt.Errorf("scan expired archives: %w", err)
	}
	for _, id := range ids {
		n, gone, err := s.expireArchive(ctx, id, now)
		if err != nil {
			return trashed, deleted, err
		}
		if n > 0 {
			trashed++
		}
		if gone {
			deleted++
		}
	}
	return trashed, deleted, nil
}

// expireArchive trashes what is live in one expired archive (each top item a trash
// root, trashed by nobody), or deletes the space when nothing but its root is left.
func (s *Service) expireArchive(ctx context.Context, spaceID uuid.UUID, now time.Time) (int64, bool, error) {
	var n int64
	var gone bool
	err := s.transact(ctx, func(tx pgx.Tx) error {
		var rootID uuid.UUID
		err := tx.QueryRow(ctx, `SELECT root_id FROM spaces WHERE id = $1 AND archived_at IS NOT NULL AND purge_after < $2 FOR UPDATE`,
			spaceID, now).Scan(&rootID)
		if err == pgx.ErrNoRows {
			return nil // unarchived since listed
		}
		if err != nil {
			return fmt.Errorf("lock archive %s: %w", spaceID, err)
		}
		// The tops: the root's children and the private trees (a pupil's work for an
		// assignment hangs below no folder). Each trashed with its subtree.
		tag, err := tx.Exec(ctx, `
			WITH tops AS (
				SELECT id FROM items WHERE space_id = $1 AND trashed_at IS NULL AND id <> $2
					AND (parent_id = $2 OR parent_id IS NULL)
			)
			UPDATE items i SET trashed_at = $3, trashed_by = NULL,
				trash_root_id = t.id, trashed_from_id = CASE WHEN i.id = t.id THEN i.parent_id END,
				revision = i.revision + 1
			FROM tops t WHERE (i.id = t.id OR i.ancestors @> ARRAY[t.id]) AND i.trashed_at IS NULL`,
			spaceID, rootID, now)
		if err != nil {
			return fmt.Errorf("trash archive %s: %w", spaceID, err)
		}
		if n = tag.RowsAffected(); n > 0 {
			return nil
		}
		tag, err = tx.Exec(ctx, `
			DELETE FROM spaces sp WHERE sp.id = $1
				AND NOT EXISTS (SELECT 1 FROM items i WHERE i.space_id = sp.id AND i.id <> sp.root_id)`, spaceID)
		if err != nil {
			return fmt.Errorf("delete emptied archive %s: %w", spaceID, err)
		}
		gone = tag.RowsAffected() > 0
		return nil
	})
	return n, gone, err
}
