package audit

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

// DefaultRetention is how long entries are kept when no retention is configured:
// nine months, inside the 6 to 12 months the CNIL recommends for access logs.
const DefaultRetention = 6576 * time.Hour

// purgeBatch bounds the rows one DELETE removes, so that the job never holds a long
// transaction nor bloats the WAL in one go on a log of millions of rows.
const purgeBatch = 10000

// PurgeBefore deletes the entries older than before and returns how many: the
// months wholly older are dropped (see partitions.go; a drop postponed for its
// lock leaves them to the next run), the rest is deleted in batches along the
// time index, partition by partition (a line's ctid names it in its partition
// only: the same ctid is another line in the next).
func PurgeBefore(ctx context.Context, q db.DBTX, before time.Time) (int64, error) {
	total, postponed, err := dropBefore(ctx, q, before)
	if err != nil {
		return total, err
	}
	existing, err := partitions(ctx, q)
	if err != nil {
		return total, err
	}
	names := []string{defaultPartition}
	for _, p := range existing {
		wholeMonth := !p.until.After(before) // a drop postponed: the next run's
		if p.from.Before(before) && !(postponed && wholeMonth) {
			names = append(names, p.name)
		}
	}
	for _, name := range names {
		table := pgx.Identifier{name}.Sanitize()
		n, err := db.DeleteInBatches(ctx, q, purgeBatch, `DELETE FROM `+table+` WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM `+table+` WHERE at < $1 ORDER BY at LIMIT $2))`, before)
		total += n
		if err != nil {
			return total, fmt.Errorf("purge the audit log's %s before %s: %w", name, before.Format(time.RFC3339), err)
		}
	}
	return total, nil
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

// Work makes the partitions of the months ahead, then deletes the entries older
// than the retention.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	if err := EnsurePartitions(ctx, w.DB, w.now()); err != nil {
		// Lines of a month without a partition go to the default one: logged, not fatal.
		w.Log.Error("audit log partitions", "err", err)
	}
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

func (w *PurgeWorker) now() time.Time {
	if w.Now == nil {
		return time.Now()
	}
	return w.Now()
}

// PeriodicJobs: the partitions ahead and the retention purge, every six hours.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
