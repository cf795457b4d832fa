package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/bench/region"
	"cartable/workspace"
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

// explain runs the operation once on a traced pool and returns the EXPLAIN ANALYZE
// of each query it ran.
func explain(ctx context.Context, pool *pgxpool.Pool, w region.World, op string) string {
	cfg := pool.Config().Copy()
	rec := &recorder{}
	cfg.ConnConfig.Tracer = rec
	traced, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err.Error()
	}
	defer traced.Close()
	ws := workspace.New(traced, nil, workspace.Config{}, slog.New(slog.DiscardHandler))
	switch op {
	case "role":
		_, err = ws.Item(ctx, w.Pupil, w.Deep)
	case "shared":
		_, err = ws.SharedWithMe(ctx, w.Pupil, "date", cartable.PageRequest{Limit: 100})
	case "children":
		_, err = ws.Children(ctx, w.Teacher, w.Big, workspace.ListOptions{PageRequest: cartable.PageRequest{Limit: 100}})
	}
	if err != nil {
		return err.Error()
	}
	var out strings.Builder
	for _, q := range rec.queries {
		rows, err := pool.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) "+q.sql, q.args...)
		if err != nil {
			fmt.Fprintf(&out, "-- %v\n", err)
			continue
		}
		for rows.Next() {
			var line string
			rows.Scan(&line)
			out.WriteString(line + "\n")
		}
		rows.Close()
		out.WriteString("\n")
	}
	return strings.TrimSpace(out.String())
}
