package assignment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"cartable/db"
)

// PublishDue publishes the drafts whose publish_at has come, by the database's
// clock, each in its own transaction, in the name of their creator; it returns how
// many it published. Several nodes may run it at once: a draft another is
// publishing is skipped (SKIP LOCKED), and one published meanwhile is left alone.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	published := 0
	for {
		done, err := s.publishNextDue(ctx)
		if err != nil || !done {
			return published, err
		}
		published++
	}
}

// publishNextDue publishes one due draft; false when none is left.
func (s *Service) publishNextDue(ctx context.Context) (bool, error) {
	found := false
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `SELECT id FROM assignments WHERE published_at IS NULL AND publish_at <= now() AND deleted_at IS NULL
			ORDER BY publish_at, id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED`).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find a due publication: %w", err)
		}
		h, err := scanHead(tx.QueryRow(ctx, `SELECT `+headColumns+` FROM assignments a JOIN spaces s ON s.id = a.space_id WHERE a.id = $1`, id))
		if err != nil {
			return fmt.Errorf("load assignment %s: %w", id, err)
		}
		found = true
		return publish(ctx, tx, h, h.CreatedBy)
	})
	return found, err
}

// PublishDueArgs is the periodic job that publishes scheduled assignments.
type PublishDueArgs struct{}

// Kind names the job in river's queue.
func (PublishDueArgs) Kind() string { return "assignment.publish_due" }

// PublishDueWorker runs PublishDueArgs.
type PublishDueWorker struct {
	river.WorkerDefaults[PublishDueArgs]
	Service *Service
	Log     *slog.Logger
}

// Work publishes what is due.
func (w *PublishDueWorker) Work(ctx context.Context, _ *river.Job[PublishDueArgs]) error {
	n, err := w.Service.PublishDue(ctx)
	if n > 0 || err != nil {
		w.Log.Info("scheduled assignments published", "count", n, "err", err)
	}
	return err
}

// PeriodicJobs: scheduled publications every minute, the grain a teacher picks.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return PublishDueArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
