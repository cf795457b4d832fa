package region

import (
	"context"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Query is a statement an operation ran, with its arguments.
type Query struct {
	SQL  string
	Args []any
}

// recorder is a pgx tracer that keeps the queries an operation runs.
type recorder struct {
	mu      sync.Mutex
	queries []Query
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.queries = append(r.queries, Query{data.SQL, data.Args})
	r.mu.Unlock()
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Trace runs op once on a pool configured like pool but traced, and returns the
// queries op ran, in order.
func Trace(ctx context.Context, pool *pgxpool.Pool, op func(traced *pgxpool.Pool) error) ([]Query, error) {
	cfg := pool.Config().Copy()
	rec := &recorder{}
	cfg.ConnConfig.Tracer = rec
	traced, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer traced.Close()
	if err := op(traced); err != nil {
		return nil, err
	}
	return rec.queries, nil
}

// Explain writes the plan of q, EXPLAIN (options), to out. It runs in a
// transaction rolled back afterwards, so that a statement that writes leaves nothing.
func Explain(ctx context.Context, pool *pgxpool.Pool, q Query, options string, out *strings.Builder) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, "EXPLAIN ("+options+") "+q.SQL, q.Args...)
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
