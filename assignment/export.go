package assignment

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// What a person's GDPR export (package export) reads of the assignments. These
// reads take a user id, not a caller: the export decides who may ask, and its
// subject may be a pupil who left their class (or the ENT) and can no longer sign
// in, so a pupil's assignments are found by their work, not by their groups.

// exportLimit bounds each list: years of assignments are a few hundred.
const exportLimit = 5000

// HandedOutTo returns the published assignments (not deleted) handed out to the
// pupil, by due date, each with the pupil's work as Mine: status, hand-ins, the
// teacher's feedback and points, the folders of their work and of the corrected
// files.
func (s *Service) HandedOutTo(ctx context.Context, pupilID string) ([]Assignment, error) {
	list, err := s.heads(ctx, `SELECT `+headColumns+` FROM assignments a JOIN spaces s ON s.id = a.space_id
		JOIN assignment_work w ON w.assignment_id = a.id AND w.pupil_id = $1
		WHERE a.published_at IS NOT NULL AND a.deleted_at IS NULL
		ORDER BY a.due_at, a.id LIMIT $2`, pupilID)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	work, err := progressOf(ctx, s.db, ids, pupilID)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]*Work, len(work))
	for i := range work {
		byID[work[i].assignmentID] = &work[i]
	}
	for i := range list {
		list[i].Mine = byID[list[i].ID]
	}
	return list, nil
}

// CreatedBy returns the assignments (not deleted) the user created, by due date.
func (s *Service) CreatedBy(ctx context.Context, userID string) ([]Assignment, error) {
	return s.heads(ctx, `SELECT `+headColumns+` FROM assignments a JOIN spaces s ON s.id = a.space_id
		WHERE a.created_by = $1 AND a.deleted_at IS NULL
		ORDER BY a.due_at, a.id LIMIT $2`, userID)
}

func (s *Service) heads(ctx context.Context, sql, userID string) ([]Assignment, error) {
	rows, _ := s.db.Query(ctx, sql, userID, exportLimit)
	heads, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (head, error) { return scanHead(row) })
	if err != nil {
		return nil, fmt.Errorf("list the assignments of %s: %w", userID, err)
	}
	list := make([]Assignment, len(heads))
	for i, h := range heads {
		list[i] = h.Assignment
	}
	return list, nil
}
