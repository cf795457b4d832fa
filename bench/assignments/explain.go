package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/assignment"
	"cartable/bench/region"
)

// traced runs op once on a service over a traced pool and returns the queries it ran.
func traced(ctx context.Context, pool *pgxpool.Pool, op func(*assignment.Service) error) ([]region.Query, error) {
	return region.Trace(ctx, pool, func(tp *pgxpool.Pool) error { return op(assignment.New(tp, nil)) })
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
		seen[q.SQL]++
	}
	done := map[string]bool{}
	for _, q := range queries {
		if done[q.SQL] {
			continue
		}
		done[q.SQL] = true
		fmt.Fprintf(&out, "-- %s\n", oneLine(q.SQL))
		if seen[q.SQL] > 1 {
			fmt.Fprintf(&out, "-- (run %d times in one call)\n", seen[q.SQL])
		}
		if err := region.Explain(ctx, pool, q, "ANALYZE, BUFFERS, COSTS OFF", &out); err != nil {
			fmt.Fprintf(&out, "-- %v\n", err)
		}
		out.WriteString("\n")
	}
	return len(queries), strings.TrimSpace(out.String()), nil
}

// oneLine squeezes a query's white space, for the plan's heading.
func oneLine(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
