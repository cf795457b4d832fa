package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/bench/region"
	"cartable/workspace"
)

// explain runs the operation once on a traced pool and returns the EXPLAIN ANALYZE
// of each query it ran.
func explain(ctx context.Context, pool *pgxpool.Pool, w region.World, op string) string {
	queries, err := region.Trace(ctx, pool, func(traced *pgxpool.Pool) error {
		ws := workspace.New(traced, nil, workspace.Config{}, slog.New(slog.DiscardHandler))
		var err error
		switch op {
		case "role":
			_, err = ws.Item(ctx, w.Pupil, w.Deep)
		case "shared":
			_, err = ws.SharedWithMe(ctx, w.Pupil, "date", cartable.PageRequest{Limit: 100})
		case "children":
			_, err = ws.Children(ctx, w.Teacher, w.Big, workspace.ListOptions{PageRequest: cartable.PageRequest{Limit: 100}})
		}
		return err
	})
	if err != nil {
		return err.Error()
	}
	var out strings.Builder
	for _, q := range queries {
		if err := region.Explain(ctx, pool, q, "ANALYZE, COSTS OFF, TIMING ON", &out); err != nil {
			fmt.Fprintf(&out, "-- %v\n", err)
		}
		out.WriteString("\n")
	}
	return strings.TrimSpace(out.String())
}
