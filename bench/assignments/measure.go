package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/assignment"
)

// Figure is one measured operation.
type Figure struct {
	Name    string  `json:"name"`
	Runs    int     `json:"runs"`
	P50     float64 `json:"p50_ms"`
	P95     float64 `json:"p95_ms"`
	P99     float64 `json:"p99_ms"`
	Goal    float64 `json:"target_p99_ms"`
	Queries int     `json:"queries_per_call"`
	Plan    string  `json:"plan,omitempty"`
}

// Met tells whether the p99 is within the target.
func (f Figure) Met() bool { return f.P99 <= f.Goal }

// percentiles sorts the durations (ms) and returns p50, p95 and p99.
func percentiles(d []float64) (p50, p95, p99 float64) {
	slices.Sort(d)
	at := func(q int) float64 { return d[min(len(d)-1, len(d)*q/100)] }
	return at(50), at(95), at(99)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// timed runs fn n times (after a few warm-up runs) and returns its figure.
func timed(name string, goal float64, n int, fn func() error) (Figure, error) {
	for i := 0; i < min(5, n); i++ {
		if err := fn(); err != nil {
			return Figure{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	d := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := fn(); err != nil {
			return Figure{}, fmt.Errorf("%s: %w", name, err)
		}
		d = append(d, ms(time.Since(t0)))
	}
	f := Figure{Name: name, Runs: n, Goal: goal}
	f.P50, f.P95, f.P99 = percentiles(d)
	return f, nil
}

// measurePublish publishes n assignments to the 35 pupils of class 9, each with
// three templates: only Publish is timed (the teacher's click), not the creation
// and the attachments before it.
func measurePublish(ctx context.Context, svc *assignment.Service, s school, n int) (Figure, error) {
	c := s.classes[publishClass-1]
	due := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
	d := make([]float64, 0, n)
	for i := 0; i < n+3; i++ {
		id, err := newAssignment(ctx, svc, s, c, fmt.Sprintf("Publication %03d", i), due)
		if err != nil {
			return Figure{}, err
		}
		t0 := time.Now()
		a, err := svc.Publish(ctx, s.teacher, id)
		took := time.Since(t0)
		if err != nil {
			return Figure{}, fmt.Errorf("publish: %w", err)
		}
		if a.PublishedAt == nil {
			return Figure{}, fmt.Errorf("publish %s: not published", id)
		}
		if i >= 3 { // the first three warm the caches up
			d = append(d, ms(took))
		}
	}
	f := Figure{Name: "publish to a class of 35 with 3 templates (35 folders, 105 copies)", Runs: n, Goal: 150}
	f.P50, f.P95, f.P99 = percentiles(d)
	return f, checkHandOut(ctx, svc, s, c)
}

// checkHandOut checks that the last publication gave each of the 35 pupils a
// folder with 3 copies sharing the templates' blobs.
func checkHandOut(ctx context.Context, svc *assignment.Service, s school, c class) error {
	list, err := svc.List(ctx, c.pupils[0])
	if err != nil {
		return err
	}
	if len(list) == 0 || list[len(list)-1].Mine == nil || len(list[len(list)-1].Mine.Copies) != 3 {
		return fmt.Errorf("a pupil of class 9 did not get 3 copies")
	}
	return nil
}

// measureDashboard reads the 35-pupil dashboard n times.
func measureDashboard(ctx context.Context, svc *assignment.Service, s school, id uuid.UUID, n int) (Figure, error) {
	return timed("dashboard of a 35-pupil assignment (15 hand-ins, 6 returned, history)", 20, n, func() error {
		_, work, err := svc.Dashboard(ctx, s.teacher, id)
		if err == nil && len(work) != classSize {
			err = fmt.Errorf("dashboard has %d pupils, want %d", len(work), classSize)
		}
		return err
	})
}

// measureList reads the pupil's list of 30 assignments across 8 classes n times.
func measureList(ctx context.Context, svc *assignment.Service, s school, n int) (Figure, error) {
	return timed(fmt.Sprintf("a pupil's list of %d assignments across %d classes", listSize, pupilClasses), 20, n, func() error {
		list, err := svc.List(ctx, s.pupil)
		if err == nil && len(list) != listSize {
			err = fmt.Errorf("the pupil's list has %d assignments, want %d", len(list), listSize)
		}
		return err
	})
}

// withPlans adds to each figure the number of queries one call runs and their
// EXPLAIN (ANALYZE, BUFFERS).
func withPlans(ctx context.Context, pool *pgxpool.Pool, s school, dashboard uuid.UUID, figures []Figure) error {
	ops := []func(*assignment.Service) error{
		nil, // publishing writes: its statements are not replayed
		func(svc *assignment.Service) error { _, _, err := svc.Dashboard(ctx, s.teacher, dashboard); return err },
		func(svc *assignment.Service) error { _, err := svc.List(ctx, s.pupil); return err },
	}
	for i, op := range ops {
		if op == nil {
			continue
		}
		queries, plan, err := explain(ctx, pool, op)
		if err != nil {
			return fmt.Errorf("explain %s: %w", figures[i].Name, err)
		}
		figures[i].Queries, figures[i].Plan = queries, plan
	}
	return nil
}
