package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/assignment"
)

// listSize is how many assignments the measured pupil has across their classes.
const listSize = 30

// newAssignment creates an assignment for the whole class with its three
// templates attached, as a teacher does before publishing it.
func newAssignment(ctx context.Context, svc *assignment.Service, s school, c class, title string, due time.Time) (uuid.UUID, error) {
	points := 20.0
	a, err := svc.Create(ctx, s.teacher, c.spaceID, assignment.Fields{
		Title: title, Instructions: "Racontez en une page une journée de votre héros.\nDeux paragraphes au moins.",
		WholeClass: true, Dates: assignment.Dates{Due: due, LateAllowed: true}, MaxPoints: &points,
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("create %q: %w", title, err)
	}
	for _, t := range c.templates {
		if _, err := svc.Attach(ctx, s.teacher, a.ID, assignment.Template, t); err != nil {
			return uuid.Nil, fmt.Errorf("attach %s to %q: %w", t, title, err)
		}
	}
	return a.ID, nil
}

// classWork gives the pupil's 30 assignments across their 8 classes, published,
// some past due; in each, 10 pupils (p1 in every other one) hand in, and in every
// third one the teacher returns what was handed in. It returns the first one, the
// dashboard's, whose state dashboardState then makes richer.
func classWork(ctx context.Context, pool *pgxpool.Pool, svc *assignment.Service, s school) (uuid.UUID, error) {
	var first uuid.UUID
	for i := 0; i < listSize; i++ {
		c := s.classes[i%pupilClasses]
		due := time.Now().Add(time.Duration(i-6) * 24 * time.Hour).Truncate(time.Hour)
		if i == 0 {
			due = time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
		}
		id, err := newAssignment(ctx, svc, s, c, fmt.Sprintf("Devoir %02d", i+1), due)
		if err != nil {
			return uuid.Nil, err
		}
		if _, err := svc.Publish(ctx, s.teacher, id); err != nil {
			return uuid.Nil, fmt.Errorf("publish %d: %w", i, err)
		}
		if i == 0 {
			first = id
			continue
		}
		if err := handInSome(ctx, svc, s, c, id, i); err != nil {
			return uuid.Nil, err
		}
	}
	return first, nil
}

func handInSome(ctx context.Context, svc *assignment.Service, s school, c class, id uuid.UUID, i int) error {
	start := 1 // p1 is pupils[0]: they hand in every other assignment
	if i%2 == 0 {
		start = 0
	}
	for _, p := range c.pupils[start : start+10] {
		if _, err := svc.HandIn(ctx, p, id); err != nil {
			return fmt.Errorf("hand in %s for %s: %w", id, p.UserID, err)
		}
	}
	if i%3 == 0 {
		if _, _, err := svc.ReturnWork(ctx, s.teacher, id, assignment.Return{Feedback: "Bon travail."}); err != nil {
			return fmt.Errorf("return %s: %w", id, err)
		}
	}
	return nil
}

// dashboardState gives the 35 pupils of the dashboard's assignment the states of a
// class a few days before the due date: 25 opened it, 20 changed their copy, 15
// handed in (3 of them took it back and handed in again, so their history has two
// hand-ins), 6 were returned with feedback and points, 1 is excused, and the rest
// did nothing yet.
func dashboardState(ctx context.Context, pool *pgxpool.Pool, svc *assignment.Service, s school, id uuid.UUID) error {
	pupils := s.classes[0].pupils
	for i, p := range pupils[:25] {
		a, err := svc.Get(ctx, p, id)
		if err != nil {
			return fmt.Errorf("open %s as %s: %w", id, p.UserID, err)
		}
		if i < 20 {
			if err := newVersion(ctx, pool, a.Mine.Copies[0].ItemID, p.UserID); err != nil {
				return err
			}
		}
	}
	for i, p := range pupils[:15] {
		if _, err := svc.HandIn(ctx, p, id); err != nil {
			return fmt.Errorf("hand in as %s: %w", p.UserID, err)
		}
		if i >= 3 {
			continue
		}
		if _, err := svc.TakeBack(ctx, p, id); err != nil {
			return fmt.Errorf("take back as %s: %w", p.UserID, err)
		}
		if _, err := svc.HandIn(ctx, p, id); err != nil {
			return fmt.Errorf("hand in again as %s: %w", p.UserID, err)
		}
	}
	points := 14.5
	var returned []string
	for _, p := range pupils[3:9] {
		returned = append(returned, p.UserID)
	}
	if _, _, err := svc.ReturnWork(ctx, s.teacher, id, assignment.Return{PupilIDs: returned, Feedback: "Relisez la conclusion.", Points: &points}); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	if _, _, err := svc.Excuse(ctx, s.teacher, id, []string{pupils[30].UserID}, true); err != nil {
		return fmt.Errorf("excuse: %w", err)
	}
	_, err := pool.Exec(ctx, `ANALYZE`)
	return err
}

// newVersion adds a second version, over a new blob, to a pupil's copy: what an
// upload over it leaves in the database.
func newVersion(ctx context.Context, pool *pgxpool.Pool, item uuid.UUID, by string) error {
	blob, version := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	key := "bench/work/" + version.String()
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `INSERT INTO blobs (id, key, size, sha256) VALUES ($1, $2, 150000, sha256(convert_to($2, 'UTF8')))`, blob, key)
	if err == nil {
		_, err = tx.Exec(ctx, `INSERT INTO versions (id, item_id, number, blob_id, size, sha256, mime_type, created_by)
			SELECT $1, $2, 2, $3, 150000, sha256(convert_to($4, 'UTF8')), mime_type, $5 FROM items WHERE id = $2`, version, item, blob, key, by)
	}
	if err == nil {
		_, err = tx.Exec(ctx, `UPDATE items SET current_version_id = $1, size = 150000, modified_at = now(), modified_by = $3,
			revision = revision + 1 WHERE id = $2`, version, item, by)
	}
	if err != nil {
		return fmt.Errorf("new version of %s: %w", item, err)
	}
	return tx.Commit(ctx)
}
