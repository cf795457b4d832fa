package events

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"cartable/db"
)

// DefaultRetention is how long events are kept when no retention is configured:
// 90 days. The feed is an outbox, read by the portal within minutes and
// delivered to its webhook with retries over hours; kept for ever it grew
// without bound, by some 14 GB a year at the region's scale (deploy/CAPACITY.md).
const DefaultRetention = 2160 * time.Hour

// purgeBatch bounds the rows one DELETE removes, so that the job never holds a
// long transaction nor bloats the WAL in one go.
const purgeBatch = 10000

// PurgeBefore deletes the events made before before, delivered or not (a webhook
// still failing after the retention will not take them any more), oldest first
// along the primary key (ids grow with time), in batches; it returns how many it
// deleted.
func PurgeBefore(ctx context.Context, q db.DBTX, before time.Time) (int64, error) {
	n, err := db.DeleteInBatches(ctx, q, purgeBatch, `DELETE FROM events WHERE id = ANY(ARRAY(
		SELECT id FROM events WHERE created_at < $1 ORDER BY id LIMIT $2))`, before)
	if err != nil {
		return n, fmt.Errorf("purge the events before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// PurgeArgs is the periodic job that deletes events past the retention.
type PurgeArgs struct{}

// Kind names the job in river's queue.
func (PurgeArgs) Kind() string { return "events.purge" }

// PurgeWorker runs PurgeArgs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	DB        *pgxpool.Pool
	Retention time.Duration
	Now       func() time.Time // the clock; time.Now when nil
	Log       *slog.Logger
}

// Work deletes the events older than the retention.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	n, err := w.Purge(ctx)
	if n > 0 || err != nil {
		w.Log.Info("events purged", "deleted", n, "err", err)
	}
	return err
}

// Purge deletes the events older than the retention, by the worker's clock.
func (w *PurgeWorker) Purge(ctx context.Context) (int64, error) {
	return PurgeBefore(ctx, w.DB, db.RetentionCutoff(w.Now, w.Retention, DefaultRetention))
}
