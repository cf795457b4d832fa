package audit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"cartable/db"
)

// DefaultRetention is how long entries are kept when no retention is configured:
// nine months, inside the 6 to 12 months the CNIL recommends for access logs.
const DefaultRetention = 6576 * time.Hour

// purgeBatch bounds the rows one DELETE removes, so that the job never holds a long
// transaction nor bloats the WAL in one go on a log of millions of rows.
const purgeBatch = 10000

// PurgeBefore deletes the entries older than before, in batches along the time
// index, and returns how many it deleted.
func PurgeBefore(ctx context.Context, q db.DBTX, before time.Time) (int64, error) {
	n, err := db.DeleteInBatches(ctx, q, purgeBatch, `DELETE FROM audit_log WHERE ctid = ANY(ARRAY(
		SELECT ctid FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2))`, before)
	if err != nil {
		return n, fmt.Errorf("purge the audit log before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// PurgeArgs is the periodic job that deletes entries past the retention.
type PurgeArgs struct{}

// Kind names the job in river's queue.
func (PurgeArgs) Kind() string { return "audit.purge" }

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	DB        *pgxpool.Pool
	Retention time.Duration
	Now       func() time.Time // the clock; time.Now when nil
	Log       *slog.Logger
}

// Work deletes the entries older than the retention.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	n, err := w.Purge(ctx)
	if n > 0 || err != nil {
		w.Log.Info("audit log purged", "deleted", n, "err", err)
	}
	return err
}

// Purge deletes the entries older than the retention, by the worker's clock.
func (w *PurgeWorker) Purge(ctx context.Context) (int64, error) {
	return PurgeBefore(ctx, w.DB, db.RetentionCutoff(w.Now, w.Retention, DefaultRetention))
}

// PeriodicJobs: the retention purge every six hours.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
