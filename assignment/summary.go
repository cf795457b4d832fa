package assignment

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// Summary counts the work on an assignment, for its teachers' list ("12 rendus
// sur 25") without a dashboard per assignment. An excused pupil counts as excused
// only, as the dashboard shows them (StatusAt puts excused first).
type Summary struct {
	Total    int // pupils the assignment was handed out to
	HandedIn int // with a live hand-in (returned ones included)
	Late     int // of which handed in after the due date
	Returned int
	Excused  int
	Missing  int // nothing handed in, not excused, and the due date passed
}

// summaries counts the work on the assignments in one query (a teacher's list
// holds a few dozen). An assignment nobody got (a draft) has no entry.
func summaries(ctx context.Context, q db.DBTX, ids []uuid.UUID) (map[uuid.UUID]Summary, error) {
	out := map[uuid.UUID]Summary{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, _ := q.Query(ctx, `
		SELECT w.assignment_id, count(*),
			count(h.id) FILTER (WHERE w.excused_at IS NULL), count(h.id) FILTER (WHERE h.late AND w.excused_at IS NULL),
			count(w.returned_at) FILTER (WHERE w.excused_at IS NULL), count(w.excused_at),
			count(*) FILTER (WHERE h.id IS NULL AND w.excused_at IS NULL AND a.due_at < now())
		FROM assignment_work w JOIN assignments a ON a.id = w.assignment_id
		LEFT JOIN handins h ON h.assignment_id = w.assignment_id AND h.pupil_id = w.pupil_id AND h.taken_back_at IS NULL
		WHERE w.assignment_id = ANY($1)
		GROUP BY w.assignment_id`, ids)
	var id uuid.UUID
	var s Summary
	_, err := pgx.ForEachRow(rows, []any{&id, &s.Total, &s.HandedIn, &s.Late, &s.Returned, &s.Excused, &s.Missing}, func() error {
		out[id] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count work: %w", err)
	}
	return out, nil
}

// withSummaries gives each assignment the caller teaches its counts.
func withSummaries(ctx context.Context, q db.DBTX, list []Assignment) error {
	var ids []uuid.UUID
	for _, a := range list {
		if a.Teacher {
			ids = append(ids, a.ID)
		}
	}
	counts, err := summaries(ctx, q, ids)
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].Teacher {
			s := counts[list[i].ID]
			list[i].Summary = &s
		}
	}
	return nil
}

// Pupil is a pupil of a class, as a teacher picks an assignment's audience.
type Pupil struct {
	ID   string
	Name string
}

// Pupils lists the pupils of a class or group space the caller manages, by name.
func (s *Service) Pupils(ctx context.Context, c *cartable.Caller, spaceID uuid.UUID) ([]Pupil, error) {
	groupID, err := managedGroupSpace(ctx, s.db, c, spaceID)
	if err != nil {
		return nil, err
	}
	rows, _ := s.db.Query(ctx, `
		SELECT m.user_id, coalesce(u.display_name, m.user_id) FROM group_members m LEFT JOIN users u ON u.id = m.user_id
		WHERE m.group_id = $1 AND m.profile = 'Student' AND u.left_at IS NULL -- a leaver is no longer in class
		ORDER BY u.display_name, m.user_id`, groupID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Pupil])
	if err != nil {
		return nil, fmt.Errorf("list the pupils of %s: %w", spaceID, err)
	}
	return list, nil
}
