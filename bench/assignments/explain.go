package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/assignment"
)

// recorder is a pgx tracer that keeps the queries an operation runs.
type recorder struct {
	mu      sync.Mutex
	queries []query
}

type query struct {
	sql  string
	args []any
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.queries = append(r.queries, query{data.SQL, data.Args})
	r.mu.Unlock()
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// traced runs op once on a service over a traced pool and returns the queries it ran.
func traced(ctx context.Context, pool *pgxpool.Pool, op func(*assignment.Service) error) ([]query, error) {
	cfg := pool.Config().Copy()
	rec := &recorder{}
	cfg.ConnConfig.Tracer = rec
	tp, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer tp.Close()
	if err := op(assignment.New(tp)); err != nil {
		return nil, err
	}
	return rec.queries, nil
}

// explain runs a read-only operation once, and returns how many queries it ran and
// the EXPLAIN (ANALYZE, BUFFERS) of each distinct one (the first arguments it had).
func explain(ctx context.Context, pool *pgxpool.Pool, op func(*assignment.Service) error) (int, string, error) {
	queries, err := traced(ctx, pool, op)
	if err != nil {
		return 0, "", err
	}
	var out strings.Builder
	seen := map[string]int{}
	for _, q := range queries {
		seen[q.sql]++
	}
	done := map[string]bool{}
	for _, q := range queries {
		if done[q.sql] {
			continue
		}
		done[q.sql] = true
		fmt.Fprintf(&out, "-- %s\n", oneLine(q.sql))
		if seen[q.sql] > 1 {
			fmt.Fprintf(&out, "-- (run %d times in one call)\n", seen[q.sql])
		}
		if err := explainOne(ctx, pool, q, &out); err != nil {
			fmt.Fprintf(&out, "-- %v\n", err)
		}
		out.WriteString("\n")
	}
	return len(queries), strings.TrimSpace(out.String()), nil
}

// explainOne writes the plan of q, run in a transaction rolled back afterwards so
// that a statement that writes leaves nothing.
func explainOne(ctx context.Context, pool *pgxpool.Pool, q query, out *strings.Builder) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+q.sql, q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		out.WriteString(line + "\n")
	}
	return rows.Err()
}

// oneLine squeezes a query's white space, for the plan's heading.
func oneLine(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
