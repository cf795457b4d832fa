// Command search measures the search by name (GET /api/v1/search) on the region-sized
// database of the sharing benchmark (bench/region: 1,000,000 items, 3,000
// structures, 200,000 grants), its items renamed as a school names them and the
// pupil's eight classes given a space each with pupils' private folders. It reports
// p50/p99 of the first page of a few queries, as a teacher and as a pupil, with the
// EXPLAIN ANALYZE plans of the search query, and rewrites the search section of
// BENCHMARKS.md.
//
//	go run ./bench/search     (with the test stack started)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/bench/record"
	"cartable/bench/region"
	"cartable/workspace"
)

// goal is the target p99 of a first page, in milliseconds.
const goal = 50

func main() {
	items := flag.Int("items", 1_000_000, "items in the database")
	grants := flag.Int("grants", 200_000, "grants in the database")
	runs := flag.Int("n", 300, "searches per query and caller")
	md := flag.String("md", "BENCHMARKS.md", "file whose search section is rewritten")
	keep := flag.Bool("keep", false, "keep the generated database (its name is printed) for -reuse")
	reuse := flag.String("reuse", "", "measure on this database, kept by an earlier -keep run, instead of generating one")
	flag.Parse()
	ctx := context.Background()
	base := os.Getenv("CARTABLE_DATABASE_URL")
	if base == "" {
		log.Fatal("CARTABLE_DATABASE_URL is not set: source the test stack's env")
	}
	pool, err := database(ctx, base, *reuse, *keep, *items, *grants)
	if err != nil {
		log.Fatal(err)
	}
	defer func() { pool.Close(); dropAtExit() }()
	teacher, pupil := region.People()
	w := region.World{Teacher: teacher, Pupil: pupil}
	ws := workspace.New(pool, nil, workspace.Config{}, slog.New(slog.DiscardHandler))
	loadBefore := loadAverage()
	figures := measure(ctx, ws, pool, w, *runs)
	figures = append(figures, measureMedia(ctx, ws, pool, w, *runs)...)
	run := runNotes{loadBefore: loadBefore, loadAfter: loadAverage(), reused: *reuse != "", n: *runs}
	section := markdown(ctx, pool, figures, *items, *grants, run)
	fmt.Print(section)
	if err := record.Section(*md, "search", section); err != nil {
		log.Fatal(err)
	}
}

// database is the pool on the measured database: a fresh one, generated and named
// as a school names its files (dropped when the pool closes, unless keep), or the
// one reuse names.
func database(ctx context.Context, base, reuse string, keep bool, items, grants int) (*pgxpool.Pool, error) {
	if reuse != "" {
		u, err := url.Parse(base)
		if err != nil {
			return nil, err
		}
		u.Path = "/" + reuse
		return pgxpool.New(ctx, u.String())
	}
	pool, drop, err := region.FreshDatabase(ctx, base, "bench_search")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if _, err := region.Generate(ctx, pool, items, grants); err != nil {
		drop()
		return nil, fmt.Errorf("generate: %w", err)
	}
	logf("generated %d items and %d grants in %s", items, grants, time.Since(start).Round(time.Second))
	if err := school(ctx, pool); err != nil {
		drop()
		return nil, err
	}
	var name string
	if err := pool.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		drop()
		return nil, err
	}
	if keep {
		logf("kept database %s: -reuse %s measures it again", name, name)
		return pool, nil
	}
	// Dropped at exit: main closes the pool, then the database goes.
	dropAtExit = drop
	return pool, nil
}

// dropAtExit drops the generated database; main calls it last.
var dropAtExit = func() {}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// queries are what is searched: a word in one name of 25, an accent-less one, a
// two-word one, a rare one, and a substring inside words.
var queries = []string{"exercice", "eleve", "fiche eleve", "photosynthese", "graph"}

// planned is the query whose plans the report shows: the common word, the costliest
// (the plans of the others differ only in their words).
const planned = "exercice"

type figure struct {
	media      bool // a media listing, whose query is its type
	who, query string
	found      int
	p50, p99   float64
	plan       string
}

func measure(ctx context.Context, ws *workspace.Service, pool *pgxpool.Pool, w region.World, n int) []figure {
	var out []figure
	for _, who := range []struct {
		name string
		c    *cartable.Caller
	}{{"teacher", w.Teacher}, {"pupil", w.Pupil}} {
		for _, q := range queries {
			opts := workspace.SearchOptions{Query: q, PageRequest: cartable.PageRequest{Limit: 50}}
			var found int
			search := func(ws *workspace.Service) error {
				page, err := ws.Search(ctx, who.c, opts)
				found = len(page.Items)
				return err
			}
			p50, p99, err := timings(n, func() error { return search(ws) })
			if err != nil {
				log.Fatalf("%s searches %q: %v", who.name, q, err)
			}
			logf("%-8s %-14q %3d found  p50 %.2f ms p99 %.2f ms", who.name, q, found, p50, p99)
			f := figure{who: who.name, query: q, found: found, p50: p50, p99: p99}
			if q == planned {
				f.plan = explain(ctx, pool, search)
			}
			out = append(out, f)
		}
	}
	return out
}

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

// explain runs the search once on a traced pool and returns the EXPLAIN ANALYZE of
// its search query (the one that reads items_name_search).
func explain(ctx context.Context, pool *pgxpool.Pool, search func(*workspace.Service) error) string {
	queries, err := region.Trace(ctx, pool, func(traced *pgxpool.Pool) error {
		return search(workspace.New(traced, nil, workspace.Config{}, slog.New(slog.DiscardHandler)))
	})
	if err != nil {
		return err.Error()
	}
	var out strings.Builder
	for _, q := range queries {
		if os.Getenv("SEARCH_EXPLAIN_ALL") != "" || strings.Contains(q.SQL, "found AS (") {
			if err := region.Explain(ctx, pool, q, "ANALYZE, COSTS OFF, TIMING ON", &out); err != nil {
				fmt.Fprintf(&out, "-- %v\n", err)
			}
		}
	}
	return strings.TrimSpace(out.String())
}

// runNotes are what the report says of how the run went.
type runNotes struct {
	loadBefore, loadAfter string // the 1-minute load average
	reused                bool   // measured on a database kept by an earlier run
	n                     int
}

// loadAverage is the machine's 1-minute load average, as Linux reports it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

func markdown(ctx context.Context, pool *pgxpool.Pool, figures []figure, items, grants int, run runNotes) string {
	var version string
	pool.QueryRow(ctx, `SHOW server_version`).Scan(&version)
	host, _ := os.Hostname()
	var b strings.Builder
	b.WriteString("## Search by name on a region-sized database (bench/search)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, %d CPUs, %s, PostgreSQL %s on the same machine; measured in-process through the workspace use case "+
		"(`workspace.Service.Search`, first page of 50). The sharing benchmark's database (%d items, 3,000 structures with 30 classes each, "+
		"%d grants) with every item renamed as a school names them (one of %d names with accents and a number, \"Photosynthèse des plantes\" "+
		"one name in 10,000) and the pupil's 8 classes given a space of 2,000 items and 25 pupils' private folders each. "+
		"The teacher (t1) manages their personal space of 10,000 items and the 8 class spaces; the pupil (p1) reads the 8 class spaces "+
		"(but 24 private folders in each) and the items shared with their classes (about 80). %d runs of each case. "+
		"`make bench`, or alone `go run ./bench/search` with the stack's environment (`-keep` keeps the generated database, "+
		"`-reuse NAME` measures a kept one again without generating it).%s "+
		"The machine's 1-minute load average was %s when the measurements began and %s when they ended: other sessions ran their "+
		"test suites on the same %d cores meanwhile, so the p99s hold their scheduling delays.\n\n",
		time.Now().UTC().Format(time.RFC3339), host, runtime.NumCPU(), runtime.Version(), version, items, grants, len(nameWords),
		run.n, map[bool]string{true: " This run measured a database kept from an earlier run of the same generator.", false: ""}[run.reused],
		run.loadBefore, run.loadAfter, runtime.NumCPU())
	met, all := 0, 0
	for _, f := range figures {
		all++
		if f.p99 <= goal {
			met++
		}
	}
	fmt.Fprintf(&b, "**Target p99 < %d ms: met for %d of %d cases (search and media picker).**\n\n", goal, met, all)
	b.WriteString("| caller | query | results on the page | p50 ms | p99 ms | target p99 | |\n|---|---|---|---|---|---|---|\n")
	row := func(f figure) {
		ok := "met"
		if f.p99 > goal {
			ok = "missed"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %d | %.2f | %.2f | %d ms | %s |\n", f.who, f.query, f.found, f.p50, f.p99, goal, ok)
	}
	for _, f := range figures {
		if !f.media {
			row(f)
		}
	}
	fmt.Fprintf(&b, "\n### Media picker (`GET /api/v1/media`, `workspace.Service.Media`, first page of 50)\n\n"+
		"The same database, where one leaf item in five is an image or a video (one in ten of those a video) with a ready preview, "+
		"and each pupil's work in the private folders is an image. The pupil's whole listing was read once and checked: "+
		"%d images and videos, %d of them their own private work, none of another pupil's.\n\n", pupilMediaTotal, pupilMediaOwn)
	b.WriteString("| caller | type | items on the page | p50 ms | p99 ms | target p99 | |\n|---|---|---|---|---|---|---|\n")
	for _, f := range figures {
		if f.media {
			row(f)
		}
	}
	for _, f := range figures {
		if f.plan == "" {
			continue
		}
		what := fmt.Sprintf("%q", f.query)
		if f.media {
			what = "media, type=" + f.query
		}
		fmt.Fprintf(&b, "\n<details><summary>Plan: %s, %s</summary>\n\n```\n%s\n```\n</details>\n", f.who, what, f.plan)
	}
	b.WriteString("\n")
	return b.String()
}
