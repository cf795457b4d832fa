package preview

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"cartable/db"
)

// staleAfter is how long a preview may stay pending before the sweep looks at it.
const staleAfter = time.Hour

// SweepArgs is the periodic job that ends previews left pending by a job that
// died without a word (a worker killed by the kernel, a crash in libvips): clients
// told to come back in two seconds should not be told so forever.
type SweepArgs struct{}

// Kind names the job in river's queue.
func (SweepArgs) Kind() string { return "preview.sweep" }

// SweepWorker runs SweepArgs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	DB  *pgxpool.Pool
	Log *slog.Logger
}

// Work records a failure for every preview pending for over an hour with no
// render job left alive for its blob.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	n, err := SweepStale(ctx, w.DB, staleAfter)
	if n > 0 || err != nil {
		w.Log.Warn("previews left pending by dead jobs", "failed", n, "err", err)
	}
	return err
}

// SweepStale marks failed the previews pending for longer than age whose render
// job is gone, and marks complete those left part-way (a stage's job gone: the
// sizes made are served, no more are announced). It returns how many.
func SweepStale(ctx context.Context, q db.DBTX, age time.Duration) (int64, error) {
	const noJobLeft = `NOT EXISTS (
			SELECT 1 FROM river_job j
			WHERE j.kind = 'preview.render' AND j.args->>'blob_id' = p.blob_id::text
			  AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled'))`
	interval := fmt.Sprintf("%d seconds", int64(age.Seconds()))
	failed, err := q.Exec(ctx, `
		UPDATE previews p SET state = 'failed', failure_code = $1, failure_detail = 'the preview job ended without a result',
			updated_at = now()
		WHERE p.state = 'pending' AND p.updated_at < now() - $2::interval
		  -- a file waiting for its antivirus scan has its render enqueued after it
		  AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.id = p.blob_id AND b.scan = 'pending')
		  AND `+noJobLeft, FailInternal, interval)
	if err != nil {
		return 0, fmt.Errorf("sweep stale previews: %w", err)
	}
	partial, err := q.Exec(ctx, `
		UPDATE previews p SET complete = true, updated_at = now()
		WHERE p.state = 'ready' AND NOT p.complete AND p.updated_at < now() - $1::interval
		  AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.id = p.blob_id AND b.scan = 'pending')
		  AND `+noJobLeft, interval)
	if err != nil {
		return 0, fmt.Errorf("sweep previews left part-way: %w", err)
	}
	return failed.RowsAffected() + partial.RowsAffected(), nil
}

// PeriodicJobs are the preview's periodic jobs.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
