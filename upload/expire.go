package upload

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// expireBatch bounds how many uploads one pass of Expire looks at.
const expireBatch = 200

// Expire removes the uploads whose time is up as of now: an unfinished one loses its
// parts in S3, its reservation and its records; a finished one only the bookkeeping
// tusd kept beside the file. It returns how many it removed.
func (s *Service) Expire(ctx context.Context, now time.Time) (int, error) {
	rows, err := s.db.Query(ctx, `SELECT object_id FROM uploads WHERE expires_at < $1 ORDER BY expires_at LIMIT $2`, now, expireBatch)
	if err != nil {
		return 0, fmt.Errorf("find expired uploads: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, fmt.Errorf("find expired uploads: %w", err)
	}
	for i, id := range ids {
		rec, err := load(ctx, s.db, id, false)
		if err != nil || !rec.ExpiresAt.Before(now) {
			continue // gone, or extended since it was listed
		}
		if err := s.remove(ctx, id); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// discardParts aborts an unfinished upload's S3 multipart upload, so its parts stop
// costing. Its tus id is in its row, or for an upload begun by an older version in
// the .info object tusd wrote beside it; neither means no byte reached S3.
func (s *Service) discardParts(ctx context.Context, rec record) {
	tusID := rec.TusID
	if tusID == "" {
		info, err := s.blobs.Head(ctx, "uploads/"+rec.ObjectID.String()+".info", 64<<10)
		if err != nil {
			return
		}
		var tus struct{ ID string }
		if json.Unmarshal(info, &tus) != nil || tus.ID == "" {
			return
		}
		tusID = tus.ID
	}
	upload, err := s.store.GetUpload(ctx, tusID)
	if err == nil {
		err = s.store.AsTerminatableUpload(upload).Terminate(ctx)
	}
	if err != nil {
		s.log.Warn("discard the parts of an upload", "upload", tusID, "err", err)
	}
}

// deleteBookkeeping removes the .info and .part objects tusd keeps beside an upload.
func (s *Service) deleteBookkeeping(ctx context.Context, rec record) {
	for _, suffix := range []string{".info", ".part"} {
		if err := s.blobs.Delete(ctx, "uploads/"+rec.ObjectID.String()+suffix); err != nil {
			s.log.Warn("delete upload bookkeeping", "upload", rec.ObjectID, "err", err)
		}
	}
}

// ExpireArgs is the periodic job that removes expired uploads.
type ExpireArgs struct{}

// Kind names the job in river's queue.
func (ExpireArgs) Kind() string { return "upload.expire" }

type expireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	service *Service
}

func (w *expireWorker) Work(ctx context.Context, _ *river.Job[ExpireArgs]) error {
	n, err := w.service.Expire(ctx, time.Now())
	if n > 0 || err != nil {
		w.service.log.Info("expired uploads removed", "count", n, "err", err)
	}
	return err
}

// AddWorkers registers the upload jobs with river.
func (s *Service) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &expireWorker{service: s})
}

// PeriodicJobs: expired uploads are removed every ten minutes.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
