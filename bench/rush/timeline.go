package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A timeline is a scenario told line by line (-timeline): each file's upload,
// 201 and thumbnails seen, and each of its jobs' creation, start and end, in
// seconds from the first upload's start. The figures say how long; a timeline
// says what waited for what. It found that on the worker with a core of its own
// the provisional thumbnails ran one after another, after every upload's 201 came
// in a bunch, each slowed by its round trips to S3 and PostgreSQL on a core that
// clamd's scans kept busy.
type timeline struct {
	lines []timelineLine
}

type timelineLine struct {
	what string // "upload", or the job's kind and stage ("preview.render medium")
	item string
	kind string  // the file's kind, for an upload
	at   float64 // the upload's start, or the job's creation (its transaction's start)
	from float64 // the 201, or the job's last attempt's start
	to   float64 // small seen, or the job's end
	last float64 // all seen (uploads only)
}

// seconds is t in seconds after start, or -1 for a moment that never came.
func seconds(t, start time.Time) float64 {
	if t.IsZero() {
		return -1
	}
	return t.Sub(start).Seconds()
}

// uploads adds each file's moments, as the tracker saw them.
func (tl *timeline) uploads(tr *tracker, start time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for id, s := range tr.sent {
		tl.lines = append(tl.lines, timelineLine{what: "upload", item: id, kind: s.Kind,
			at: seconds(s.Start, start), from: seconds(s.End, start), to: seconds(tr.small[id], start), last: seconds(tr.all[id], start)})
	}
}

// jobs adds the completed scans and preview jobs, from river's rows, with the item
// whose blob each worked on.
func (tl *timeline) jobs(ctx context.Context, dbURL string, start time.Time) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT j.kind || coalesce(' ' || nullif(j.args->>'stage', ''), ''), coalesce(v.item_id::text, ''),
			j.created_at, j.attempted_at, j.finalized_at
		FROM river_job j LEFT JOIN LATERAL (SELECT item_id FROM versions WHERE blob_id = (j.args->>'blob_id')::uuid LIMIT 1) v ON true
		WHERE j.state = 'completed' AND (j.kind = 'antivirus.scan' OR j.kind LIKE 'preview.render%')`)
	if err != nil {
		return fmt.Errorf("river jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l timelineLine
		var created, attempted, finalized time.Time
		if err := rows.Scan(&l.what, &l.item, &created, &attempted, &finalized); err != nil {
			return err
		}
		l.at, l.from, l.to, l.last = seconds(created, start), seconds(attempted, start), seconds(finalized, start), -1
		tl.lines = append(tl.lines, l)
	}
	return rows.Err()
}

// write saves the timeline as a tab-separated file in dir, in the order things
// started.
func (tl *timeline) write(dir string, s Scenario) (string, error) {
	slices.SortFunc(tl.lines, func(a, b timelineLine) int { return cmp.Compare(a.from, b.from) })
	var b strings.Builder
	b.WriteString("what\titem\tkind\tcreated_or_started\tstarted_or_201\tended_or_small_seen\tall_seen\n")
	for _, l := range tl.lines {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%.3f\t%.3f\t%.3f\t%.3f\n", l.what, l.item, l.kind, l.at, l.from, l.to, l.last)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := strings.ReplaceAll(fmt.Sprintf("rush-%s-antivirus-%s.tsv", s.Topology.short(), onOff(s.Antivirus)), " ", "-")
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeTimeline writes a scenario's timeline in dir.
func writeTimeline(ctx context.Context, dir string, s Scenario, tr *tracker, dbURL string, start time.Time) error {
	var tl timeline
	tl.uploads(tr, start)
	if err := tl.jobs(ctx, dbURL, start); err != nil {
		return err
	}
	path, err := tl.write(dir, s)
	if err == nil {
		logf("timeline in %s", path)
	}
	return err
}
