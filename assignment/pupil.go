package assignment

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/events"
	"cartable/workspace"
)

// HandIn hands in the pupil's work: it pins the current version of every file in
// their folder. It is refused (assignment_closed) when the database's clock, in the
// statement that records it, is past the last moment the assignment accepts.
func (s *Service) HandIn(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Assignment, error) {
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		h, folder, err := lockWork(ctx, tx, c, id)
		if err != nil {
			return err
		}
		handin := uuid.Must(uuid.NewV7())
		// The row lock of lockWork orders a pupil's hand-ins; the unique index of
		// live hand-ins refuses a second one all the same.
		tag, err := tx.Exec(ctx, `
			INSERT INTO handins (id, assignment_id, pupil_id, handed_in_at, late)
			SELECT $1, a.id, $3, now(), now() > a.due_at FROM assignments a
			WHERE a.id = $2 AND now() <= coalesce(`+acceptsUntilSQL+`, 'infinity')
			  AND NOT EXISTS (SELECT 1 FROM handins WHERE assignment_id = $2 AND pupil_id = $3 AND taken_back_at IS NULL)`,
			handin, id, c.UserID)
		if err != nil {
			return fmt.Errorf("hand in %s: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return whyNotHandedIn(ctx, tx, id, c.UserID)
		}
		if err := pin(ctx, tx, handin, folder); err != nil {
			return err
		}
		return events.Record(ctx, tx, events.Event{Kind: events.AssignmentHandedIn, Actor: c.UserID, ItemID: id, ItemName: h.Title,
			Recipient: &events.Recipient{Kind: "user", ID: h.CreatedBy}})
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Get(ctx, c, id)
}

// TakeBack takes the live hand-in back, until the last moment the assignment
// accepts, unless the teacher returned it. It stays in the history.
func (s *Service) TakeBack(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Assignment, error) {
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if _, _, err := lockWork(ctx, tx, c, id); err != nil {
			return err
		}
		var live, returned, open bool
		err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM handins WHERE assignment_id = a.id AND pupil_id = $2 AND taken_back_at IS NULL),
				(SELECT returned_at IS NOT NULL FROM assignment_work WHERE assignment_id = a.id AND pupil_id = $2),
				now() <= coalesce(`+acceptsUntilSQL+`, 'infinity')
			FROM assignments a WHERE a.id = $1`, id, c.UserID).Scan(&live, &returned, &open)
		switch {
		case err != nil:
			return fmt.Errorf("read hand-in of %s: %w", id, err)
		case !live:
			return conflict("nothing is handed in to take back",
				"Il n'y a pas de rendu à reprendre.", "There is no hand-in to take back.")
		case returned:
			return conflict("the teacher returned the work already",
				"Le professeur a déjà rendu ce travail corrigé : il ne peut plus être repris.", "The teacher returned this work already: it cannot be taken back.")
		case !open:
			return closed()
		}
		_, err = tx.Exec(ctx, `UPDATE handins SET taken_back_at = now() WHERE assignment_id = $1 AND pupil_id = $2 AND taken_back_at IS NULL`,
			id, c.UserID)
		if err != nil {
			return fmt.Errorf("take back %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Get(ctx, c, id)
}

// lockWork loads the assignment for its pupil and locks their work row, which
// orders the pupil's hand-ins and take-backs; it returns their folder.
func lockWork(ctx context.Context, tx pgx.Tx, c *cartable.Caller, id uuid.UUID) (head, *uuid.UUID, error) {
	h, err := loadPupil(ctx, tx, c, id, false)
	if err != nil {
		return head{}, nil, err
	}
	var folder *uuid.UUID
	err = tx.QueryRow(ctx, `SELECT folder_id FROM assignment_work WHERE assignment_id = $1 AND pupil_id = $2 FOR UPDATE`,
		id, c.UserID).Scan(&folder)
	if errors.Is(err, pgx.ErrNoRows) {
		return head{}, nil, errNotFound(id)
	}
	if err != nil {
		return head{}, nil, fmt.Errorf("lock work on %s: %w", id, err)
	}
	return h, folder, nil
}

// whyNotHandedIn tells, after a hand-in recorded nothing, whether one was live
// already or the assignment was closed.
func whyNotHandedIn(ctx context.Context, tx pgx.Tx, id uuid.UUID, pupilID string) error {
	var live bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM handins WHERE assignment_id = $1 AND pupil_id = $2 AND taken_back_at IS NULL)`,
		id, pupilID).Scan(&live)
	if err != nil {
		return fmt.Errorf("read hand-in of %s: %w", id, err)
	}
	if live {
		return conflict("the work is handed in already; take it back to hand it in again",
			"Ce travail est déjà rendu. Pour le rendre à nouveau, reprenez-le d'abord.", "This work is handed in already. To hand it in again, take it back first.")
	}
	return closed()
}

// pin records the current version of every file in the pupil's folder.
func pin(ctx context.Context, tx pgx.Tx, handin uuid.UUID, folder *uuid.UUID) error {
	if folder == nil {
		return nil
	}
	files, err := workspace.FilesBelow(ctx, tx, *folder)
	if err != nil {
		return err
	}
	batch := &pgx.Batch{}
	for _, f := range files {
		batch.Queue(`INSERT INTO handin_files (handin_id, item_id, version_id, name, size, mime_type) VALUES ($1, $2, $3, $4, $5, $6)`,
			handin, f.ItemID, f.VersionID, f.Name, f.Size, f.MimeType)
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("pin files of hand-in %s: %w", handin, err)
	}
	return nil
}

func closed() error {
	return cartable.Errorf(cartable.EAssignmentClosed, "the assignment takes no more hand-ins")
}

func conflict(detail, fr, en string) error {
	e := cartable.Errorf(cartable.EConflict, "%s", detail)
	e.MessageFR, e.MessageEN = fr, en
	return e
}
