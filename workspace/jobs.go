package workspace

import (
	"context"
	"time"

	"github.com/riverqueue/river"
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

// Work purges expired trash.
func (w *PurgeTrashWorker) Work(ctx context.Context, job *river.Job[PurgeTrashArgs]) error {
	n, err := w.Service.PurgeExpiredTrash(ctx, w.Service.now())
	w.Service.log.Info("trash purge", "purged", n, "err", err)
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

// Work collects unreferenced blobs.
func (w *CollectBlobsWorker) Work(ctx context.Context, job *river.Job[CollectBlobsArgs]) error {
	n, err := w.Service.CollectBlobs(ctx)
	w.Service.log.Info("blob collection", "deleted", n, "err", err)
	return err
}

// AddWorkers registers the workspace's jobs with river.
func (s *Service) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &PurgeTrashWorker{Service: s})
	river.AddWorker(workers, &CollectBlobsWorker{Service: s})
}

// PeriodicJobs are the workspace's sweepers: the trash purge every hour, the blob
// collection every ten minutes. River runs each on one node at a time (the leader).
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeTrashArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return CollectBlobsArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
