package workspace

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable/db"
	"cartable/preview"
)

// collectBatch bounds how many blobs one collection pass looks at.
const collectBatch = 500

// CollectBlobs deletes the blobs no version references: uploads that failed or were
// abandoned (once their pending deadline has passed) and blobs of purged files. It
// returns how many it deleted. Safe to run on several nodes at once.
func (s *Service) CollectBlobs(ctx context.Context) (int, error) {
	total := 0
	for {
		ids, err := s.unreferencedBlobs(ctx)
		if err != nil {
			return total, err
		}
		n, err := s.collect(ctx, ids)
		total += n
		if err != nil || len(ids) < collectBatch {
			return total, err
		}
	}
}

func (s *Service) unreferencedBlobs(ctx context.Context) ([]uuid.UUID, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id FROM blobs b
		WHERE (pending_until IS NULL OR pending_until < now())
		  AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.blob_id = b.id)
		ORDER BY id LIMIT $1`, collectBatch)
	if err != nil {
		return nil, fmt.Errorf("find unreferenced blobs: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("scan unreferenced blobs: %w", err)
	}
	return ids, nil
}

// collect deletes each of the given blobs that is still unreferenced.
func (s *Service) collect(ctx context.Context, ids []uuid.UUID) (int, error) {
	deleted := 0
	for _, id := range ids {
		ok, err := s.collectOne(ctx, id)
		if err != nil {
			return deleted, err
		}
		if ok {
			deleted++
		}
	}
	return deleted, nil
}

// collectOne deletes one blob's row and object, and its preview objects. The row is
// deleted first, inside a transaction that commits only once the objects are gone:
// the row lock holds off an upload trying to commit the same blob, and a crash
// before the commit leaves the row for the next pass (deleting a missing object is
// not an error).
func (s *Service) collectOne(ctx context.Context, id uuid.UUID) (bool, error) {
	var deleted bool
	err := s.transact(ctx, func(tx pgx.Tx) error {
		var key string
		var pending bool
		err := tx.QueryRow(ctx, `
			DELETE FROM blobs b WHERE id = $1
			  AND (pending_until IS NULL OR pending_until < now())
			  AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.blob_id = b.id)
			RETURNING key, pending_until IS NOT NULL`, id).Scan(&key, &pending)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // referenced again, or collected by another node
		}
		if err != nil {
			return fmt.Errorf("delete blob row %s: %w", id, err)
		}
		// An upload whose node died mid-stream left its multipart upload unfinished.
		if pending {
			if err := s.blobs.AbortUnfinished(ctx, key); err != nil {
				return err
			}
		}
		if err := s.blobs.Delete(ctx, key); err != nil {
			return fmt.Errorf("delete blob object %s: %w", key, err)
		}
		if err := s.deletePreviews(ctx, key); err != nil {
			return err
		}
		deleted = true
		return nil
	})
	if db.IsForeignKeyViolation(err) {
		return false, nil // a version took it in the meantime: it lives on
	}
	return deleted, err
}

// deletePreviews deletes every preview object of a blob, by prefix: the current
// render's and any a crashed or raced render left. The blob row's delete has
// already cascaded to its preview record, whose lock stops a render in progress
// from recording anything; such a render deletes what it wrote.
func (s *Service) deletePreviews(ctx context.Context, blobKey string) error {
	for obj, err := range s.blobs.List(ctx, preview.ObjectPrefix(blobKey)) {
		if err != nil {
			return fmt.Errorf("list previews of %s: %w", blobKey, err)
		}
		if err := s.blobs.Delete(ctx, obj.Key); err != nil {
			return fmt.Errorf("delete preview %s: %w", obj.Key, err)
		}
	}
	return nil
}

// collectNow collects the given blobs right after a purge, so their bytes go at once.
// Whatever fails here, the periodic collection will retry.
func (s *Service) collectNow(ids []uuid.UUID) {
	if len(ids) == 0 {
		return
	}
	if _, err := s.collect(context.Background(), ids); err != nil {
		s.log.Warn("collect purged blobs", "err", err)
	}
}

// CollectOrphans deletes, among the given blobs, those no version references any
// more (a leaver's purge, package leaver), and returns how many it deleted.
func (s *Service) CollectOrphans(ctx context.Context, ids []uuid.UUID) (int, error) {
	return s.collect(ctx, ids)
}
