// Command assignments measures the assignment use cases on the region-sized
// database of the sharing bench (bench/region: 1,000,000 items, 200,000 grants),
// in-process through assignment.Service as the sharing bench measures the workspace
// (the HTTP layer adds the same JSON encoding and token check to every route):
//
//   - publishing an assignment to a class of 35 pupils with 3 templates (each pupil
//     gets a private folder and 3 copies sharing the templates' blobs);
//   - the teacher's dashboard of a 35-pupil assignment with hand-ins, returns,
//     history and changed copies;
//   - a pupil's list of 30 assignments across their 8 classes;
//
// with p50/p95/p99, the number of queries one call runs and the EXPLAIN (ANALYZE,
// BUFFERS) of the reads' queries. It writes its raw figures under bench/results
// and rewrites the assignments section of BENCHMARKS.md.
//
//	go run ./bench/assignments     (make bench: with the test stack started)
//	go run ./bench/assignments -items 100000 -grants 20000     (a smaller base, for a quick run)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/assignment"
	"cartable/bench/record"
	"cartable/bench/region"
)

// Report is what one run measured, as bench/results keeps it.
type Report struct {
	Date      string `json:"date"`
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	Command   string `json:"command"`
	Items     int    `json:"items"`
	Grants    int    `json:"grants"`
	Generated string `json:"generated_in"`
	// Load is the machine's load average (1, 5, 15 min) before and after the
	// measures: other work on the machine shows in the tails.
	Load    []string `json:"load_average"`
	Figures []Figure `json:"figures"`
}

func main() {
	items := flag.Int("items", 1_000_000, "items in the database (the sharing bench's)")
	grants := flag.Int("grants", 200_000, "grants in the database")
	publishes := flag.Int("publishes", 200, "publications measured")
	reads := flag.Int("reads", 1000, "dashboards and lists measured")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose assignments section is rewritten")
	flag.Parse()
	ctx := context.Background()
	base := os.Getenv("CARTABLE_DATABASE_URL")
	if base == "" {
		log.Fatal("run through `make bench`: CARTABLE_DATABASE_URL is not set")
	}
	pool, drop, err := region.FreshDatabase(ctx, base, "bench_assignments")
	if err != nil {
		log.Fatal(err)
	}
	r := Report{Date: time.Now().UTC().Format(time.RFC3339), CPU: record.CPU(), Cores: runtime.NumCPU(),
		Command: "go run ./bench/assignments " + strings.Join(os.Args[1:], " "), Items: *items, Grants: *grants}
	err = run(ctx, pool, &r, *publishes, *reads)
	drop()
	if err != nil {
		log.Fatal(err)
	}
	section := r.markdown()
	fmt.Print(section)
	path, err := record.Raw(*out, "assignments", r)
	if err != nil {
		log.Fatal(err)
	}
	logf("raw results in %s", path)
	if err := record.Section(*md, "assignments", section); err != nil {
		log.Fatal(err)
	}
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func run(ctx context.Context, pool *pgxpool.Pool, r *Report, publishes, reads int) error {
	start := time.Now()
	w, err := region.Generate(ctx, pool, r.Items, r.Grants)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	r.Generated = time.Since(start).Round(time.Second).String()
	logf("generated %d items and %d grants in %s", r.Items, r.Grants, r.Generated)
	s, err := newSchool(ctx, pool, w)
	if err != nil {
		return fmt.Errorf("school: %w", err)
	}
	svc := assignment.New(pool, nil)
	dashboard, err := classWork(ctx, pool, svc, s)
	if err != nil {
		return fmt.Errorf("class work: %w", err)
	}
	if err := dashboardState(ctx, pool, svc, s, dashboard); err != nil {
		return fmt.Errorf("dashboard state: %w", err)
	}
	logf("set up 9 classes and %d assignments in %s", listSize, time.Since(start).Round(time.Second))
	r.Load = append(r.Load, loadAverage())
	measures := []func() (Figure, error){
		func() (Figure, error) { return measurePublish(ctx, svc, s, publishes) },
		func() (Figure, error) { return measureDashboard(ctx, svc, s, dashboard, reads) },
		func() (Figure, error) { return measureList(ctx, svc, s, reads) },
	}
	for _, m := range measures {
		f, err := m()
		if err != nil {
			return err
		}
		logf("%-75s p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms", f.Name, f.P50, f.P95, f.P99)
		r.Figures = append(r.Figures, f)
	}
	r.Load = append(r.Load, loadAverage())
	if r.Figures[0].Queries, err = publishQueries(ctx, pool, svc, s); err != nil {
		return err
	}
	return withPlans(ctx, pool, s, dashboard, r.Figures)
}

// publishQueries counts the statements of one more publication.
func publishQueries(ctx context.Context, pool *pgxpool.Pool, svc *assignment.Service, s school) (int, error) {
	id, err := newAssignment(ctx, svc, s, s.classes[publishClass-1], "Publication comptée", time.Now().Add(240*time.Hour))
	if err != nil {
		return 0, err
	}
	queries, err := traced(ctx, pool, func(t *assignment.Service) error { _, err := t.Publish(ctx, s.teacher, id); return err })
	return len(queries), err
}

// loadAverage is the first three fields of /proc/loadavg ("" elsewhere).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func (r Report) markdown() string {
	var b strings.Builder
	b.WriteString("## Assignments on a region-sized database (`make bench`, bench/assignments)\n\n")
	fmt.Fprintf(&b, "%d items and %d grants (bench/region, the sharing bench's database), 9 classes of 35 pupils added; "+
		"one PostgreSQL 15 on this machine (%s, %d cores), measured in-process through assignment.Service on %s with `%s`. "+
		"Load average (1, 5, 15 min) before the measures %s, after %s. "+
		"Publishing is measured alone (the creation and the 3 attachments before it are not timed); queries: the statements one call runs.\n\n",
		r.Items, r.Grants, r.CPU, r.Cores, r.Date[:10], r.Command, r.Load[0], r.Load[1])
	b.WriteString("| operation | runs | p50 ms | p95 ms | p99 ms | target p99 | | queries |\n|---|---|---|---|---|---|---|---|\n")
	for _, f := range r.Figures {
		ok := "met"
		if !f.Met() {
			ok = "missed"
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.2f | %.2f | %.0f ms | %s | %d |\n", f.Name, f.Runs, f.P50, f.P95, f.P99, f.Goal, ok, f.Queries)
	}
	for _, f := range r.Figures {
		if f.Plan != "" {
			fmt.Fprintf(&b, "\n<details><summary>Plans: %s</summary>\n\n```\n%s\n```\n</details>\n", f.Name, f.Plan)
		}
	}
	b.WriteString("\n")
	return b.String()
}
