// Command sharing measures access decisions and listings on a region-sized database:
// 1,000,000 items, 3,000 structures with 30 groups each, 200,000 grants. It reports
// p50/p99 of (a) an effective-role check on an item 12 folders deep, (b) the first
// page of "shared with me" for a pupil in 8 groups, (c) the first page of a folder of
// 10,000 items, with the EXPLAIN ANALYZE plans of their queries, and rewrites the
// sharing section of BENCHMARKS.md.
//
//	go run ./bench/sharing     (make bench: with the test stack started)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/bench/record"
	"cartable/bench/region"
	"cartable/workspace"
)

func main() {
	items := flag.Int("items", 1_000_000, "items in the database")
	grants := flag.Int("grants", 200_000, "grants in the database")
	md := flag.String("md", "BENCHMARKS.md", "file whose sharing section is rewritten")
	flag.Parse()
	ctx := context.Background()
	base := os.Getenv("CARTABLE_DATABASE_URL")
	if base == "" {
		log.Fatal("run through `make bench`: CARTABLE_DATABASE_URL is not set")
	}
	pool, drop, err := region.FreshDatabase(ctx, base, "bench_sharing")
	if err != nil {
		log.Fatal(err)
	}
	defer drop()
	start := time.Now()
	w, err := region.Generate(ctx, pool, *items, *grants)
	if err != nil {
		log.Fatalf("generate: %v", err)
	}
	logf("generated %d items and %d grants in %s", *items, *grants, time.Since(start).Round(time.Second))
	ws := workspace.New(pool, nil, workspace.Config{}, slog.New(slog.DiscardHandler))
	r := measure(ctx, ws, pool, w)
	section := r.markdown(*items, *grants)
	fmt.Print(section)
	if err := record.Section(*md, "sharing", section); err != nil {
		log.Fatal(err)
	}
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// timings measures fn n times and returns p50 and p99 in milliseconds.
func timings(n int, fn func() error) (p50, p99 float64, err error) {
	d := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := fn(); err != nil {
			return 0, 0, err
		}
		d = append(d, float64(time.Since(t0).Microseconds())/1000)
	}
	slices.Sort(d)
	return d[n/2], d[n*99/100], nil
}

type figure struct {
	name           string
	p50, p99, goal float64
	plan           string
}

type report struct{ figures []figure }

func measure(ctx context.Context, ws *workspace.Service, pool *pgxpool.Pool, w region.World) report {
	var r report
	add := func(name string, goal float64, n int, fn func() error, plan string) {
		p50, p99, err := timings(n, fn)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		logf("%-45s p50 %.2f ms p99 %.2f ms", name, p50, p99)
		r.figures = append(r.figures, figure{name: name, p50: p50, p99: p99, goal: goal, plan: plan})
	}
	add("effective role on an item 12 folders deep", 5, 2000, func() error {
		_, err := ws.Item(ctx, w.Pupil, w.Deep)
		return err
	}, explain(ctx, pool, w, "role"))
	add("\"shared with me\", first page, pupil in 8 groups", 20, 300, func() error {
		_, err := ws.SharedWithMe(ctx, w.Pupil, "date", cartable.PageRequest{Limit: 100})
		return err
	}, explain(ctx, pool, w, "shared"))
	add("first page of a 10,000-item folder", 30, 500, func() error {
		_, err := ws.Children(ctx, w.Teacher, w.Big, workspace.ListOptions{PageRequest: cartable.PageRequest{Limit: 100}})
		return err
	}, explain(ctx, pool, w, "children"))
	return r
}

func (r report) markdown(items, grants int) string {
	var b strings.Builder
	b.WriteString("## Sharing on a region-sized database (`make bench`, bench/sharing)\n\n")
	fmt.Fprintf(&b, "%d items, 3,000 structures with 30 groups each, %d grants; one PostgreSQL 15 on this machine, measured in-process through the workspace use cases (%s).\n\n", items, grants, time.Now().UTC().Format("2006-01-02"))
	b.WriteString("| operation | p50 ms | p99 ms | target p99 | |\n|---|---|---|---|---|\n")
	for _, f := range r.figures {
		ok := "met"
		if f.p99 > f.goal {
			ok = "missed"
		}
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.0f ms | %s |\n", f.name, f.p50, f.p99, f.goal, ok)
	}
	for _, f := range r.figures {
		fmt.Fprintf(&b, "\n<details><summary>Plan: %s</summary>\n\n```\n%s\n```\n</details>\n", f.name, f.plan)
	}
	b.WriteString("\n")
	return b.String()
}
