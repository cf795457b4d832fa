// Command load replays a collège's school day against Cartable and finds how many
// simulated active users ONE API node carries with p95 < 500 ms and < 0.1 %
// errors (issue 18, item 3).
//
// It starts an API node (jobs off) and a `cartable worker` over a fresh database
// (the demo collège) and bucket of the stack, as bench/rush does, or loads an
// existing deployment with -target (make cluster's proxy, say). It seeds a
// working set following the file-size mix of large file-sharing deployments, then:
//
//   - the 8:00 burst: navigation users run the mix while whole classes send their
//     homework at once over throttled links; the reads before and during compare;
//   - the ramp: steps of more and more users, each running the mix (think time,
//     then one operation) for a fixed time, until a step's p95 or errors fail.
//
// It writes bench/results/load-<time>.json and its section of BENCHMARKS.md.
//
//	go run ./bench/load                       (make bench: with the test stack started; about 6 minutes)
//	go run ./bench/load -quick                (a smoke run: writes nothing)
//	go run ./bench/load -target http://127.0.0.1:PORT -pids "$(cat .dev/cluster/pids/api[0-9]*)"
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cartable/bench/record"
	"cartable/proc"
)

// flags are the command line.
type flags struct {
	target, pids, steps, out, md, again  string
	files, burstUsers, classes, homework int
	previews                             int
	step, think, calm, burstLimit        time.Duration
	linkMbit, bigScale                   float64
	antivirus, noBurst, quick            bool
	seed                                 uint64
}

func parse() flags {
	var f flags
	flag.StringVar(&f.target, "target", "", "load this deployment instead of starting a node (dev mode: users sign in through /dev/token), e.g. make cluster's API proxy")
	flag.StringVar(&f.pids, "pids", "", "with -target: pids of the API node(s) whose CPU is measured, separated by spaces or commas")
	flag.StringVar(&f.steps, "steps", "50,100,200,300,400,500,600,800,1000,1200,1600,2000,2400,3200", "active users of each step of the ramp")
	flag.DurationVar(&f.step, "step", 30*time.Second, "length of a step")
	flag.DurationVar(&f.think, "think", 5*time.Second, "mean think time between two operations of a user (exponential)")
	flag.Float64Var(&f.linkMbit, "link-mbit", 2, "each user's upload rate, Mbit/s (0: unthrottled)")
	flag.IntVar(&f.files, "files", 300, "files of the working set")
	flag.Float64Var(&f.bigScale, "big-scale", 0.1, "factor applied to the sizes of files of 10 MB or more (1: real sizes)")
	flag.IntVar(&f.burstUsers, "burst-users", 100, "navigation users running during the 8:00 burst")
	flag.IntVar(&f.classes, "burst-classes", 3, "classes of 25 pupils sending at once (beyond the demo's 2, accounts are reused)")
	flag.IntVar(&f.homework, "homework", 2, "files each pupil sends in the burst (1 to 3, all at once as the web app sends them)")
	flag.DurationVar(&f.calm, "calm", 15*time.Second, "navigation measured before the burst")
	flag.DurationVar(&f.burstLimit, "burst-limit", 2*time.Minute, "longest the burst's uploads are waited for")
	flag.BoolVar(&f.noBurst, "no-burst", false, "skip the 8:00 burst")
	flag.BoolVar(&f.antivirus, "antivirus", false, "keep CARTABLE_CLAMD: the worker scans every upload")
	flag.IntVar(&f.previews, "preview-workers", 1, "previews the worker renders at once (it shares this machine's cores with the API node)")
	flag.Uint64Var(&f.seed, "seed", 1, "seed of the random draws")
	flag.BoolVar(&f.quick, "quick", false, "smoke run: 40 files, steps of 10 and 20 users for 10 s, one class in the burst; writes nothing")
	flag.StringVar(&f.out, "out", "bench/results", "folder of the raw results (empty: none)")
	flag.StringVar(&f.md, "md", "BENCHMARKS.md", "file whose load section is rewritten (empty: none)")
	flag.StringVar(&f.again, "report", "", "measure nothing: write the section of this raw result again (bench/results/load-*.json)")
	flag.Parse()
	if f.quick {
		f.files, f.steps, f.step, f.burstUsers, f.classes, f.calm, f.out, f.md = 40, "10,20", 10*time.Second, 10, 1, 5*time.Second, "", ""
	}
	f.homework = min(max(f.homework, 1), 3)
	return f
}

func main() {
	f := parse()
	if f.again != "" {
		if err := rewrite(f.again, f.md); err != nil {
			log.Fatal(err)
		}
		return
	}
	steps, err := ints(f.steps)
	if err != nil {
		log.Fatalf("-steps: %v", err)
	}
	pids, err := ints(f.pids)
	if err != nil {
		log.Fatalf("-pids: %v", err)
	}
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Thousands of users from one process: keep their connections open.
	t := http.DefaultTransport.(*http.Transport)
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, 4096
	r, err := run(interrupted, f, steps, pids)
	if err != nil {
		log.Fatal(err)
	}
	if f.out != "" {
		path, err := record.Raw(f.out, "load", r)
		if err != nil {
			log.Fatal(err)
		}
		logf("raw results in %s", path)
	}
	if f.md != "" {
		if err := record.Section(f.md, "load", r.Markdown()); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Print(r.Markdown())
}

// run deploys (or reaches the target), seeds, runs the burst and the ramp.
func run(ctx context.Context, f flags, steps, pids []int) (Report, error) {
	began := time.Now()
	cfg := &Config{Mix: defaultMix, Sizes: Sizes{Bands: sizeBands, Scale: f.bigScale}, Think: f.think,
		LinkBits: f.linkMbit * 1e6, Seed: f.seed, MaxP95: 500 * time.Millisecond, MaxErrors: 0.001}
	r := Report{Machine: record.Machine(), CPUs: runtime.NumCPU(), Date: began.UTC().Format(time.RFC3339), Command: command(),
		Target: f.target, Mix: cfg.Mix, Bands: sizeBands, BigScale: f.bigScale, ThinkSecs: f.think.Seconds(), LinkMbit: f.linkMbit,
		StepSecs: f.step.Seconds(), MaxP95: float64(cfg.MaxP95.Milliseconds()), MaxErrors: cfg.MaxErrors, Load: [2]float64{proc.LoadAverage()}}
	if f.target == "" {
		r.Previews = f.previews
	}
	d, err := deploy(ctx, f, pids)
	if err != nil {
		return r, err
	}
	defer d.Stop()
	logf("deployed in %s; the API at %s", time.Since(began).Round(time.Second), d.API.Base)
	w, err := prepare(ctx, d, f, cfg, &r)
	if err != nil {
		return r, err
	}
	if !f.noBurst {
		b, err := burstPhase(ctx, w, cfg, d.Meter, BurstConfig{Users: f.burstUsers, Calm: f.calm, Classes: f.classes, Homework: f.homework, Limit: f.burstLimit})
		if err != nil {
			return r, err
		}
		r.Burst = &b
	}
	// The ramp's users are its own: it starts from its first step.
	runCtx, cancel := context.WithCancel(ctx)
	pool := newPool(runCtx, w, cfg)
	r.Steps = ramp(ctx, pool, d.Meter, steps, f.step, logf)
	cancel()
	pool.wg.Wait()
	if d.Target != "" && len(pids) == 0 {
		r.Notes = append(r.Notes, "-target without -pids: the API nodes' CPU was not measured.")
	}
	r.Load[1] = proc.LoadAverage()
	r.Seconds = time.Since(began).Seconds()
	return r, ctx.Err()
}

func deploy(ctx context.Context, f flags, pids []int) (*Deployment, error) {
	if f.target != "" {
		return deployTarget(f.target, pids), nil
	}
	return deployLocal(ctx, f.antivirus, f.previews)
}

// burstPhase runs the 8:00 burst with navigation users of its own, who leave
// when it is over.
func burstPhase(ctx context.Context, w *World, cfg *Config, m *Meter, bc BurstConfig) (Burst, error) {
	phase, cancel := context.WithCancel(ctx)
	defer cancel()
	pool := newPool(phase, w, cfg)
	b, err := burst(ctx, pool, m, bc, logf)
	cancel()
	pool.wg.Wait()
	return b, err
}

// prepare signs the demo users in and seeds the working set.
func prepare(ctx context.Context, d *Deployment, f flags, cfg *Config, r *Report) (*World, error) {
	start := time.Now()
	w, err := signIn(ctx, d.API)
	if err != nil {
		return nil, err
	}
	if err := w.liftQuotas(ctx, d.API); err != nil {
		return nil, err
	}
	if err := w.makeImages(); err != nil {
		return nil, err
	}
	r.Seeded, err = seed(ctx, w, f.files, cfg.Sizes, rand.New(rand.NewPCG(f.seed, 18)))
	if err != nil {
		return nil, err
	}
	r.Seeded.Seconds = time.Since(start).Seconds()
	logf("seeded %d files (%.0f MiB), %d folders, %d shares in %.0f s", r.Seeded.Files, float64(r.Seeded.Bytes)/(1<<20),
		r.Seeded.Folders, r.Seeded.Shares, r.Seeded.Seconds)
	return w, nil
}

// ints reads a list of numbers separated by commas or spaces.
func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// command is the run's command line, as the report quotes it.
func command() string {
	return strings.TrimSpace("go run ./bench/load " + strings.Join(os.Args[1:], " "))
}

// rewrite writes the section of a raw result again without measuring.
func rewrite(raw, md string) error {
	b, err := os.ReadFile(raw)
	if err != nil {
		return err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", raw, err)
	}
	fmt.Print(r.Markdown())
	if md == "" {
		return nil
	}
	return record.Section(md, "load", r.Markdown())
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
