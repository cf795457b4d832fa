package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/audit"
)

// purgeBatch bounds how many trash roots one pass of PurgeExpiredTrash deletes.
const purgeBatch = 200

// PurgeExpiredTrash deletes for good what has been in the trash longer than the
// retention period (30 days by default), as of now, and collects the freed blobs.
// A trash root holding versions a hand-in pinned is kept while its assignment
// exists (see pinnedBelow): the teacher keeps what they received.
// It returns how many trashed items (trash roots) it purged.
func (s *Service) PurgeExpiredTrash(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-s.cfg.TrashRetention)
	purged := 0
	for {
		ids, err := s.expiredTrash(ctx, cutoff)
		if err != nil {
			return purged, err
		}
		for _, id := range ids {
			if err := s.purgeExpired(ctx, id, cutoff); err != nil {
				return purged, err
			}
			purged++
		}
		if len(ids) < purgeBatch {
			return purged, nil
		}
	}
}

func (s *Service) expiredTrash(ctx context.Context, cutoff time.Time) ([]uuid.UUID, error) {
	rows, err := s.db.Query(ctx, `
		SELECT r.id FROM items r WHERE r.id = r.trash_root_id AND r.trashed_at < $1
		  AND NOT EXISTS (SELECT 1 FROM items i JOIN versions v ON v.item_id = i.id JOIN pinned_versions p ON p.version_id = v.id
			WHERE i.trash_root_id = r.id OR (r.parent_id IS NULL AND i.ancestors @> ARRAY[r.id]))
		ORDER BY r.trashed_at LIMIT $2`, cutoff, purgeBatch)
	if err != nil {
		return nil, fmt.Errorf("find expired trash: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("scan expired trash: %w", err)
	}
	return ids, nil
}

// purgeExpired purges one trash root if it is still in the trash and still expired
// (someone may have restored it since it was listed).
func (s *Service) purgeExpired(ctx context.Context, id uuid.UUID, cutoff time.Time) error {
	var orphans []uuid.UUID
	err := s.transact(ctx, func(tx pgx.Tx) error {
		it, err := loadItem(ctx, tx, id, forUpdate)
		if err != nil || it.TrashedAt == nil || !it.TrashedAt.Before(cutoff) || it.TrashRootID == nil || *it.TrashRootID != id {
			return nil // gone, restored or re-trashed since listed
		}
		orphans, err = purgeTree(ctx, tx, it)
		if cartable.IsCode(err, cartable.EPinnedByHandIn) {
			return nil // pinned since listed: kept while its assignment exists
		}
		if err != nil {
			return err
		}
		return auditTx(ctx, tx, &cartable.Caller{UserID: audit.TrashRetentionJob}, it, audit.Purge,
			map[string]any{"kind": it.Kind, "trashed_by": it.TrashedBy, "trashed_at": it.TrashedAt})
	})
	if err != nil {
		return fmt.Errorf("purge expired %s: %w", id, err)
	}
	s.collectNow(orphans)
	return nil
}
