package leaver

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// PurgeDueArgs is the periodic job that purges the leavers past their grace period.
type PurgeDueArgs struct{}

// Kind names the job in river's queue.
func (PurgeDueArgs) Kind() string { return "leaver.purge_due" }

// PurgeDueWorker runs PurgeDueArgs.
type PurgeDueWorker struct {
	river.WorkerDefaults[PurgeDueArgs]
	Service *Service
}

// Work purges the leavers due.
func (w *PurgeDueWorker) Work(ctx context.Context, _ *river.Job[PurgeDueArgs]) error {
	n, err := w.Service.PurgeDue(ctx, w.Service.now())
	if n > 0 || err != nil {
		w.Service.log.Info("leavers purged", "count", n, "err", err)
	}
	return err
}

// AddWorkers registers the leavers' job with river.
func (s *Service) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &PurgeDueWorker{Service: s})
}

// PeriodicJobs: the purge every hour (a leaver is gone within the hour after their
// grace period ends).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeDueArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
