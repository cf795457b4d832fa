package quota

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
)

// Jobs are the quota sweepers: expired reservations are given back, and the books
// are recomputed from the versions to catch any drift.
type Jobs struct {
	DB  *pgxpool.Pool
	Log *slog.Logger
	// Drift counts the figures a recomputation had to correct.
	Drift prometheus.Counter
}

// ReleaseReservationsArgs is the periodic job that releases expired reservations.
type ReleaseReservationsArgs struct{}

// Kind names the job in river's queue.
func (ReleaseReservationsArgs) Kind() string { return "quota.release_reservations" }

// RecomputeArgs is the periodic job that recomputes every account.
type RecomputeArgs struct{}

// Kind names the job in river's queue.
func (RecomputeArgs) Kind() string { return "quota.recompute" }

type releaseWorker struct {
	river.WorkerDefaults[ReleaseReservationsArgs]
	jobs *Jobs
}

func (w *releaseWorker) Work(ctx context.Context, _ *river.Job[ReleaseReservationsArgs]) error {
	n, err := ReleaseExpired(ctx, w.jobs.DB, time.Now())
	if n > 0 || err != nil {
		w.jobs.Log.Info("expired quota reservations released", "count", n, "err", err)
	}
	return err
}

type recomputeWorker struct {
	river.WorkerDefaults[RecomputeArgs]
	jobs *Jobs
}

func (w *recomputeWorker) Work(ctx context.Context, _ *river.Job[RecomputeArgs]) error {
	drift, err := Recompute(ctx, w.jobs.DB, "")
	for _, d := range drift {
		w.jobs.Log.Warn("quota drift corrected", "account", d.Account, "field", d.Field, "recorded", d.Recorded, "actual", d.Actual)
	}
	if w.jobs.Drift != nil {
		w.jobs.Drift.Add(float64(len(drift)))
	}
	return err
}

// AddWorkers registers the quota jobs with river.
func (j *Jobs) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &releaseWorker{jobs: j})
	river.AddWorker(workers, &recomputeWorker{jobs: j})
}

// PeriodicJobs: expired reservations every five minutes, a recomputation every night
// (every 24 hours from the leader's start).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		// Every minute: an upload's lease is two minutes, so the quota of a request
		// whose node died comes back within three.
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return ReleaseReservationsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return RecomputeArgs{}, nil }, nil),
	}
}
