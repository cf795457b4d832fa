package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// JobTimes is where a kind of job spent its time, from river's own rows: the wait
// in the queue (created_at to attempted_at, the last attempt's start) and the run
// (attempted_at to finalized_at), in seconds.
type JobTimes struct {
	Kind    string  `json:"kind"`
	Jobs    int     `json:"jobs"`
	Retried int     `json:"retried"` // jobs that took more than one attempt
	Wait    Stats   `json:"wait"`
	Run     Stats   `json:"run"`
	RunSum  float64 `json:"run_sum_seconds"`
}

// jobTimes reads the completed jobs a file of the burst goes through, kind by
// kind: the scan, and the preview jobs, stage by stage.
func jobTimes(ctx context.Context, dbURL string) ([]JobTimes, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	// A staged render's jobs are told apart by their stage (preview.render small,
	// medium, large, embedded).
	rows, err := conn.Query(ctx, `SELECT kind || coalesce(' ' || nullif(args->>'stage', ''), ''),
		extract(epoch FROM attempted_at - created_at)::float8, extract(epoch FROM finalized_at - attempted_at)::float8, attempt
		FROM river_job WHERE state = 'completed' AND (kind = 'antivirus.scan' OR kind LIKE 'preview.render%')
		ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("river jobs: %w", err)
	}
	defer rows.Close()
	var out []JobTimes
	var waits, runs []float64
	flush := func() {
		if len(out) > 0 {
			last := &out[len(out)-1]
			last.Jobs, last.Wait, last.Run = len(runs), stats(waits), stats(runs)
		}
		waits, runs = nil, nil
	}
	for rows.Next() {
		var kind string
		var wait, run float64
		var attempt int
		if err := rows.Scan(&kind, &wait, &run, &attempt); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Kind != kind {
			flush()
			out = append(out, JobTimes{Kind: kind})
		}
		jt := &out[len(out)-1]
		waits, runs = append(waits, wait), append(runs, run)
		jt.RunSum += run
		if attempt > 1 {
			jt.Retried++
		}
	}
	flush()
	return out, rows.Err()
}

// firstRendered is, per item, when the first preview job of its current blob
// ended (a renderer that renders the small size in a job of its own ends that one
// first): the moment a screen could have shown its small thumbnail.
func firstRendered(ctx context.Context, dbURL string) (map[string]time.Time, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT i.id::text, min(j.finalized_at)
		FROM items i JOIN versions v ON v.id = i.current_version_id
		JOIN river_job j ON j.kind LIKE 'preview.render%' AND j.state = 'completed' AND j.args->>'blob_id' = v.blob_id::text
		GROUP BY i.id`)
	if err != nil {
		return nil, fmt.Errorf("preview jobs per item: %w", err)
	}
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = at
	}
	return out, rows.Err()
}
