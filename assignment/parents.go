package assignment

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
)

// ChildAssignment is an assignment of a parent's child as the parent sees it: what
// the work is and where the child's work stands. It has no field for a file, a
// folder or an attachment: a parent follows the work, the pupil's files stay the
// pupil's and the teacher's (a parent's view of them would also be a way round the
// class space's private folders).
type ChildAssignment struct {
	ID           uuid.UUID
	Title        string
	Instructions string
	ClassName    string // the class or group, as its space is named
	Due          time.Time
	AcceptsUntil *time.Time
	MaxPoints    *float64
	Status       Status
	HandedInAt   *time.Time
	Late         bool
	ReturnedAt   *time.Time
	// Feedback and Points are the teacher's answer, as the child reads it.
	Feedback string
	Points   *float64
}

// OfChild returns the published assignments handed out to the caller's child, by
// due date, with where the child's work stands. Only a parent the directory links
// to the pupil gets them; to anyone else the pupil is not found, whoever they are.
func (s *Service) OfChild(ctx context.Context, c *cartable.Caller, pupilID string) (cartable.Child, []ChildAssignment, error) {
	child, ok := c.Child(pupilID)
	if !ok {
		return cartable.Child{}, nil, cartable.Errorf(cartable.ENotFound, "no child %q", pupilID)
	}
	heads, err := s.childHeads(ctx, pupilID)
	if err != nil {
		return cartable.Child{}, nil, err
	}
	ids := make([]uuid.UUID, len(heads))
	for i, h := range heads {
		ids[i] = h.ID
	}
	work, err := progressOf(ctx, s.db, ids, pupilID)
	if err != nil {
		return cartable.Child{}, nil, err
	}
	byID := make(map[uuid.UUID]Work, len(work))
	for _, w := range work {
		byID[w.assignmentID] = w
	}
	list := make([]ChildAssignment, len(heads))
	for i, h := range heads {
		list[i] = childAssignment(h.Assignment, byID[h.ID])
	}
	return child, list, nil
}

// childHeads reads what the pupil's own list holds, drafts never: the published
// assignments handed out to them in the spaces of the groups they are a pupil of.
func (s *Service) childHeads(ctx context.Context, pupilID string) ([]head, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+headColumns+` FROM assignments a JOIN spaces s ON s.id = a.space_id
		JOIN assignment_work w ON w.assignment_id = a.id AND w.pupil_id = $1
		WHERE a.published_at IS NOT NULL AND a.deleted_at IS NULL
		  AND EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = s.group_id AND m.user_id = $1 AND m.profile = 'Student')
		ORDER BY a.due_at, a.id LIMIT 1000`, pupilID)
	heads, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (head, error) { return scanHead(row) })
	if err != nil {
		return nil, fmt.Errorf("list assignments of %s: %w", pupilID, err)
	}
	return heads, nil
}

// childAssignment keeps of an assignment and the child's work what a parent sees.
func childAssignment(a Assignment, w Work) ChildAssignment {
	return ChildAssignment{ID: a.ID, Title: a.Title, Instructions: a.Instructions, ClassName: a.SpaceName,
		Due: a.Due, AcceptsUntil: a.AcceptsUntil(), MaxPoints: a.MaxPoints,
		Status: w.Status, HandedInAt: w.HandedInAt, Late: w.Late, ReturnedAt: w.ReturnedAt,
		Feedback: w.Feedback, Points: w.Points}
}
