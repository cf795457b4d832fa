package workspace

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"cartable/lock"
)

// PurgeTrashArgs is the periodic job that empties trash older than the retention.
type PurgeTrashArgs struct{}

// Kind names the job in river's queue.
func (PurgeTrashArgs) Kind() string { return "workspace.purge_trash" }

// PurgeTrashWorker runs PurgeTrashArgs.
type PurgeTrashWorker struct {
	river.WorkerDefaults[PurgeTrashArgs]
	Service *Service
}

// Work purges expired trash, and forgets expired locks.
func (w *PurgeTrashWorker) Work(ctx context.Context, job *river.Job[PurgeTrashArgs]) error {
	n, err := w.Service.PurgeExpiredTrash(ctx, w.Service.now())
	w.Service.log.Info("trash purge", "purged", n, "err", err)
	if err != nil {
		return err
	}
	locks, err := lock.DeleteExpired(ctx, w.Service.db)
	if locks > 0 || err != nil {
		w.Service.log.Info("expired locks deleted", "count", locks, "err", err)
	}
	return err
}

// CollectBlobsArgs is the periodic job that deletes unreferenced blobs.
type CollectBlobsArgs struct{}

// Kind names the job in river's queue.
func (CollectBlobsArgs) Kind() string { return "workspace.collect_blobs" }

// CollectBlobsWorker runs CollectBlobsArgs.
type CollectBlobsWorker struct {
	river.WorkerDefaults[CollectBlobsArgs]
	Service *Service
}

// Work collects unreferenced blobs, then aborts the multipart uploads no upload owns.
func (w *CollectBlobsWorker) Work(ctx context.Context, job *river.Job[CollectBlobsArgs]) error {
	n, err := w.Service.CollectBlobs(ctx)
	w.Service.log.Info("blob collection", "deleted", n, "err", err)
	if err != nil {
		return err
	}
	aborted, err := w.Service.AbortOrphanUploads(ctx, time.Now())
	if aborted > 0 || err != nil {
		w.Service.log.Info("orphan multipart uploads aborted", "count", aborted, "err", err)
	}
	return err
}

// AddWorkers registers the workspace's jobs with river.
func (s *Service) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &PurgeTrashWorker{Service: s})
	river.AddWorker(workers, &CollectBlobsWorker{Service: s})
	river.AddWorker(workers, &HashBlobsWorker{Service: s})
	river.AddWorker(workers, &TrashArchivesWorker{Service: s})
}

// PeriodicJobs are the workspace's sweepers: the trash purge every hour, the blob
// collection every ten minutes, the hashing of new resumable uploads every minute, the
// archive retention (schoolyear.go) every six hours. River runs each on one node at a
// time (the leader).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeTrashArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return CollectBlobsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return HashBlobsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return TrashArchivesArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}

// HashBlobsArgs is the periodic job that computes the SHA-256 of committed blobs
// written without one (resumable uploads): finishing a 2 GB upload does not read it
// back while the client waits, and the commit enqueues nothing.
type HashBlobsArgs struct{}

// Kind names the job in river's queue.
func (HashBlobsArgs) Kind() string { return "workspace.hash_blobs" }

// HashBlobsWorker runs HashBlobsArgs.
type HashBlobsWorker struct {
	river.WorkerDefaults[HashBlobsArgs]
	Service *Service
}

// Work hashes the committed blobs that have no hash yet.
func (w *HashBlobsWorker) Work(ctx context.Context, _ *river.Job[HashBlobsArgs]) error {
	n, err := w.Service.HashBlobs(ctx)
	if n > 0 || err != nil {
		w.Service.log.Info("blobs hashed", "count", n, "err", err)
	}
	return err
}

// hashBatch bounds how many blobs one pass of HashBlobs reads.
const hashBatch = 100

// HashBlobs reads back the committed blobs that have no SHA-256 yet and records it
// on them and their versions. It returns how many it hashed.
func (s *Service) HashBlobs(ctx context.Context) (int, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM blobs WHERE sha256 IS NULL AND pending_until IS NULL ORDER BY id LIMIT $1`, hashBatch)
	if err != nil {
		return 0, fmt.Errorf("find blobs to hash: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, fmt.Errorf("find blobs to hash: %w", err)
	}
	for i, id := range ids {
		if err := s.hashBlob(ctx, id); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

func (s *Service) hashBlob(ctx context.Context, id uuid.UUID) error {
	var key string
	err := s.db.QueryRow(ctx, `SELECT key FROM blobs WHERE id = $1 AND sha256 IS NULL`, id).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find blob %s: %w", id, err)
	}
	r, err := s.blobs.Open(ctx, key, 0, -1)
	if err != nil {
		return fmt.Errorf("read blob %s: %w", key, err)
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("hash blob %s: %w", key, err)
	}
	sum := h.Sum(nil)
	return s.transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE blobs SET sha256 = $2 WHERE id = $1`, id, sum); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE versions SET sha256 = $2 WHERE blob_id = $1 AND sha256 IS NULL`, id, sum)
		return err
	})
}
