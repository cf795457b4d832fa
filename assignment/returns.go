package assignment

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/events"
	"cartable/sharing"
	"cartable/workspace"
)

// Return is a teacher's answer to hand-ins: written feedback, optional points, and
// whether the pupils may hand in again (revision: the hand-in is taken back for
// them, the feedback stays).
type Return struct {
	// PupilIDs are the pupils whose hand-ins are returned; nil: every pupil with a
	// hand-in not returned yet.
	PupilIDs []string
	Feedback string
	Points   *float64
	Revision bool
	// CorrectedItemIDs are files the teacher may read (an annotated copy, uploaded
	// anywhere they reach) given back to the one pupil the return names: see
	// giveCorrected.
	CorrectedItemIDs []uuid.UUID
}

// MaxCorrectedFiles bounds the corrected files of one return.
const MaxCorrectedFiles = 20

func (r Return) check(maxPoints *float64) error {
	if err := checkText("feedback", r.Feedback, false, MaxInstructionsRunes); err != nil {
		return err
	}
	if r.PupilIDs != nil && len(r.PupilIDs) == 0 {
		return invalid("pupil_ids", "give at least one pupil, or none for all")
	}
	if len(r.CorrectedItemIDs) > 0 && len(r.PupilIDs) != 1 {
		e := invalid("corrected_item_ids", "corrected files go to one pupil: name exactly one in pupil_ids")
		e.MessageFR = "Une copie corrigée se rend à un seul élève : choisissez-le."
		e.MessageEN = "A corrected copy is returned to one pupil: choose them."
		return e
	}
	if len(r.CorrectedItemIDs) > MaxCorrectedFiles {
		return invalid("corrected_item_ids", fmt.Sprintf("at most %d corrected files at once", MaxCorrectedFiles)).With("max_items", MaxCorrectedFiles)
	}
	switch {
	case r.Points == nil:
		return nil
	case *r.Points < 0:
		return invalid("points", "points must not be negative")
	case maxPoints != nil && *r.Points > *maxPoints:
		return invalid("points", "points must not exceed the assignment's max_points").With("max_points", *maxPoints)
	case maxPoints == nil && *r.Points > 9999:
		return invalid("points", "points must be at most 9999")
	}
	return nil
}

// ReturnWork returns the hand-ins of the pupils (all at once when r.PupilIDs is
// nil) with the feedback and points, and tells each pupil. A pupil named who has
// nothing handed in, or whose work was returned already, makes the whole call fail.
func (s *Service) ReturnWork(ctx context.Context, c *cartable.Caller, id uuid.UUID, r Return) (Assignment, []Work, error) {
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		h, err := loadTeacher(ctx, tx, c, id, true)
		if err != nil {
			return err
		}
		if err := r.check(h.MaxPoints); err != nil {
			return err
		}
		returned, err := markReturned(ctx, tx, id, r)
		if err != nil {
			return err
		}
		if missing := without(r.PupilIDs, returned); len(missing) > 0 {
			e := invalid("pupil_ids", fmt.Sprintf("nothing handed in to return for %v", missing)).With("pupil_ids", missing)
			e.MessageFR = "Certains élèves n'ont rien rendu, ou leur travail leur a déjà été rendu : il n'y a rien à leur renvoyer."
			e.MessageEN = "Some pupils handed nothing in, or their work was returned already: there is nothing to return to them."
			return e
		}
		if len(r.CorrectedItemIDs) > 0 {
			if err := giveCorrected(ctx, tx, c, h, r.PupilIDs[0], r.CorrectedItemIDs); err != nil {
				return err
			}
		}
		for _, p := range returned {
			err := events.Record(ctx, tx, events.Event{Kind: events.AssignmentReturned, Actor: c.UserID, ItemID: id, ItemName: h.Title,
				Recipient: &events.Recipient{Kind: "user", ID: p}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Assignment{}, nil, err
	}
	return s.Dashboard(ctx, c, id)
}

// markReturned records the return of the live hand-ins not returned yet, and for a
// revision takes them back; it returns the pupils concerned.
func markReturned(ctx context.Context, tx pgx.Tx, id uuid.UUID, r Return) ([]string, error) {
	var returned []string
	err := tx.QueryRow(ctx, `
		WITH done AS (
			UPDATE assignment_work w SET returned_at = CASE WHEN $3 THEN NULL ELSE now() END, feedback = $4, points = $5
			FROM handins h
			WHERE w.assignment_id = $1 AND w.returned_at IS NULL AND ($2::text[] IS NULL OR w.pupil_id = ANY($2))
			  AND h.assignment_id = w.assignment_id AND h.pupil_id = w.pupil_id AND h.taken_back_at IS NULL
			RETURNING w.pupil_id
		)
		SELECT ARRAY(SELECT pupil_id FROM done ORDER BY pupil_id)`, id, r.PupilIDs, r.Revision, r.Feedback, r.Points).Scan(&returned)
	if err != nil {
		return nil, fmt.Errorf("return work on %s: %w", id, err)
	}
	if r.Revision && len(returned) > 0 {
		_, err = tx.Exec(ctx, `UPDATE handins SET taken_back_at = now() WHERE assignment_id = $1 AND pupil_id = ANY($2) AND taken_back_at IS NULL`,
			id, returned)
		if err != nil {
			return nil, fmt.Errorf("take back for revision on %s: %w", id, err)
		}
	}
	return returned, nil
}

// Excuse excuses the pupils from the assignment, or (excused false) no longer.
func (s *Service) Excuse(ctx context.Context, c *cartable.Caller, id uuid.UUID, pupilIDs []string, excused bool) (Assignment, []Work, error) {
	if len(pupilIDs) == 0 {
		return Assignment{}, nil, invalid("pupil_ids", "give at least one pupil")
	}
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := loadTeacher(ctx, tx, c, id, true); err != nil {
			return err
		}
		var done []string
		err := tx.QueryRow(ctx, `
			WITH done AS (
				UPDATE assignment_work SET excused_at = CASE WHEN $3 THEN coalesce(excused_at, now()) END
				WHERE assignment_id = $1 AND pupil_id = ANY($2) RETURNING pupil_id
			)
			SELECT ARRAY(SELECT pupil_id FROM done)`, id, pupilIDs, excused).Scan(&done)
		if err != nil {
			return fmt.Errorf("excuse on %s: %w", id, err)
		}
		if missing := without(pupilIDs, done); len(missing) > 0 {
			return invalid("pupil_ids", fmt.Sprintf("the assignment was not given to %v", missing)).With("pupil_ids", missing)
		}
		return nil
	})
	if err != nil {
		return Assignment{}, nil, err
	}
	return s.Dashboard(ctx, c, id)
}

// without returns the ids of want not in got.
func without(want, got []string) []string {
	var out []string
	for _, p := range want {
		if !slices.Contains(got, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// giveCorrected gives the pupil copies of the corrected files, in their corrected
// folder (made at the first return that carries files): a private folder of the
// class space in ReadOnly mode, whose files the teacher creates. The pupil reads,
// downloads and previews them through the item routes, and changes nothing (they
// did not create the files, and add nothing to a read-only folder); no other pupil
// reaches them. A copy shares the blob of the file's current version, so no byte
// is stored and the teacher trashing or purging their original takes nothing
// away; the class space is charged the blob once, as for any copy into it
// (nothing when the original lies in the class space already).
func giveCorrected(ctx context.Context, tx pgx.Tx, c *cartable.Caller, h head, pupilID string, itemIDs []uuid.UUID) error {
	copies := make([]workspace.HandOutCopy, 0, len(itemIDs))
	for i, id := range itemIDs {
		if slices.Contains(itemIDs[:i], id) {
			return invalid("corrected_item_ids", fmt.Sprintf("item %s is given twice", id))
		}
		it, err := workspace.ReadableFile(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if it.TrashedAt != nil || it.CurrentVersionID == nil {
			return cartable.Errorf(cartable.ENotFound, "no file %s", id)
		}
		copies = append(copies, workspace.HandOutCopy{VersionID: *it.CurrentVersionID, Name: it.Name})
	}
	folder, err := correctedFolder(ctx, tx, h, pupilID)
	if err != nil {
		return err
	}
	return workspace.AddCopies(ctx, tx, folder, c.UserID, copies)
}

// correctedFolder returns the pupil's corrected folder, creating it the first time.
// The work row is locked by markReturned's update.
func correctedFolder(ctx context.Context, tx pgx.Tx, h head, pupilID string) (uuid.UUID, error) {
	var folder *uuid.UUID
	var name string
	err := tx.QueryRow(ctx, `SELECT w.corrected_folder_id, `+pupilNameSQL+`
		FROM assignment_work w LEFT JOIN users u ON u.id = w.pupil_id
		WHERE w.assignment_id = $1 AND w.pupil_id = $2`, h.ID, pupilID).Scan(&folder, &name)
	if err != nil {
		return uuid.Nil, fmt.Errorf("read the corrected folder of %s: %w", pupilID, err)
	}
	if folder != nil {
		return *folder, nil
	}
	// Read-only, and the teacher creates its files: the pupil reads them only.
	made, err := workspace.HandOutFolders(ctx, tx, h.SpaceID, h.CreatedBy, []workspace.PrivateFolder{
		{Name: CorrectedFolderName(h.Title, name), PrivateTo: pupilID, Mode: sharing.ReadOnly}})
	if err != nil {
		return uuid.Nil, err
	}
	id := made[0]
	_, err = tx.Exec(ctx, `UPDATE assignment_work SET corrected_folder_id = $3 WHERE assignment_id = $1 AND pupil_id = $2`, h.ID, pupilID, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("record the corrected folder of %s: %w", pupilID, err)
	}
	return id, nil
}
