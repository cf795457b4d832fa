package antivirus

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"cartable/db"
)

// catchUpBatch bounds the scans one catch-up enqueues: the next run takes the rest.
const catchUpBatch = 1000

// CatchUpArgs is the periodic job that, once clamd answers, enqueues the scans of
// the files it could not scan: those served unscanned (fail open), and those whose
// scan job is gone while they wait (a job that ran out of attempts on a storage
// outage). A file already waiting for its job is not enqueued twice (ScanArgs is
// unique by blob).
type CatchUpArgs struct{}

// Kind names the job in river's queue.
func (CatchUpArgs) Kind() string { return "antivirus.catch_up" }

// CatchUpWorker runs CatchUpArgs.
type CatchUpWorker struct {
	river.WorkerDefaults[CatchUpArgs]
	DB    *pgxpool.Pool
	Clamd *Clamd
	Jobs  *Jobs
	Log   *slog.Logger
}

// Work enqueues the scans due, when clamd answers.
func (w *CatchUpWorker) Work(ctx context.Context, _ *river.Job[CatchUpArgs]) error {
	if err := w.Clamd.Ping(ctx); err != nil {
		w.Log.Warn("clamd does not answer: the catch-up scan waits", "err", err)
		return nil
	}
	n, err := CatchUp(ctx, w.DB, w.Jobs.Client, time.Hour)
	if n > 0 || err != nil {
		w.Log.Info("files enqueued for a catch-up scan", "files", n, "err", err)
	}
	return err
}

// CatchUp enqueues the scans of the files served unscanned, and of those pending
// for longer than stale (their job may be gone), and returns how many it enqueued.
func CatchUp(ctx context.Context, pool *pgxpool.Pool, client Inserter, stale time.Duration) (int, error) {
	n := 0
	err := db.Transact(ctx, pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT b.id, v.mime_type, i.name
			FROM blobs b
			CROSS JOIN LATERAL (SELECT item_id, mime_type FROM versions WHERE blob_id = b.id LIMIT 1) v
			JOIN items i ON i.id = v.item_id
			WHERE b.scan = 'unscanned' OR (b.scan = 'pending' AND b.created_at < now() - $1::interval)
			ORDER BY b.created_at
			LIMIT $2`, fmt.Sprintf("%d seconds", int64(stale.Seconds())), catchUpBatch)
		if err != nil {
			return fmt.Errorf("find the files to scan again: %w", err)
		}
		var todo []ScanArgs
		var a ScanArgs
		_, err = pgx.ForEachRow(rows, []any{&a.BlobID, &a.MimeType, &a.Name}, func() error {
			todo = append(todo, a)
			return nil
		})
		if err != nil {
			return fmt.Errorf("find the files to scan again: %w", err)
		}
		for _, a := range todo {
			res, err := client.InsertTx(ctx, tx, a, nil)
			if err != nil {
				return fmt.Errorf("enqueue the scan of %s: %w", a.BlobID, err)
			}
			if !res.UniqueSkippedAsDuplicate {
				n++
			}
		}
		return nil
	})
	return n, err
}

// PeriodicJobs is the catch-up, every five minutes.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return CatchUpArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
