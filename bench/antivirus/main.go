// Command antivirus measures what scanning costs the 8:00 burst: 300 uploads of
// 5 MiB sent at once (a year group handing in), through the API of one Cartable
// node running its jobs, once with the antivirus off and once with clamd on, in
// interleaved rounds, in one run. Two figures per round:
//
//   - the burst's completion time: from the first request to the last answer, all
//     files stored and listed (with the antivirus on they are listed as being
//     checked meanwhile, which the issue accepts);
//   - with clamd on, the time until the last file's verdict is in.
//
// clamd is the stack's (CARTABLE_CLAMD, set by `make bench`); its database is what
// deploy/dev/stack.sh loads. It writes the raw results under bench/results/ and its
// section of BENCHMARKS.md.
//
//	go run ./bench/antivirus            (make bench: with the test stack started)
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"cartable/bench/node"
	"cartable/bench/record"
)

func main() {
	files := flag.Int("files", 300, "uploads sent at once")
	each := flag.Int("each", 5<<20, "bytes of each upload")
	rounds := flag.Int("rounds", 3, "rounds, each one burst with the antivirus off and one on (the order alternates)")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose antivirus section is rewritten")
	flag.Parse()
	clamd := os.Getenv("CARTABLE_CLAMD")
	if clamd == "" {
		log.Fatal("CARTABLE_CLAMD is not set: run through `make bench`, whose stack starts clamd")
	}
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(interrupted, 30*time.Minute)
	defer cancel()
	r := Report{Machine: record.Machine(), Date: time.Now().UTC().Format(time.RFC3339), Files: *files, Each: *each}
	if err := run(ctx, &r, clamd, *rounds); err != nil {
		log.Fatal(err)
	}
	path, err := record.Raw(*out, "antivirus", r)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("raw results in %s", path)
	if err := record.Section(*md, "antivirus", r.Markdown()); err != nil {
		log.Fatal(err)
	}
	fmt.Print(r.Markdown())
}

// run alternates bursts with the antivirus off and on, each on a node of its own
// over the same database and bucket.
func run(ctx context.Context, r *Report, clamd string, rounds int) error {
	// The stack's clamd is the node's to use, not every node's: off means unset.
	os.Unsetenv("CARTABLE_CLAMD")
	e, err := node.SetUp(ctx, "antivirus", map[string]string{"CARTABLE_JOBS": "true"})
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer e.TearDown()
	data := payload(r.Each)
	for round := range rounds {
		order := []bool{false, true}
		if round%2 == 1 {
			order = []bool{true, false}
		}
		for _, on := range order {
			b, err := burst(ctx, e, clamd, on, r.Files, data)
			if err != nil {
				return err
			}
			log.Printf("round %d, antivirus %v: burst %.2f s, all verdicts %.2f s", round+1, on, b.Seconds, b.VerdictsSeconds)
			if on {
				r.On = append(r.On, b)
			} else {
				r.Off = append(r.Off, b)
			}
		}
	}
	return nil
}

// payload is the bytes each upload sends: random, the worst case for clamd's
// pattern matching, the same for every upload and round (a blob per upload all
// the same: nothing is shared between uploads).
func payload(n int) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{'a', 'v'})
	rng.Read(b)
	return b
}

// Burst is one burst's figures.
type Burst struct {
	Seconds float64 `json:"seconds"`
	// VerdictsSeconds: until the last verdict, from the first request (antivirus on).
	VerdictsSeconds float64 `json:"verdicts_seconds,omitempty"`
	Errors          int     `json:"errors"`
}

// burst starts a node, sends the uploads at once into a folder of its own, waits
// for their verdicts, and stops the node.
func burst(ctx context.Context, e *node.Env, clamd string, on bool, files int, data []byte) (Burst, error) {
	settings := map[string]string{}
	if on {
		settings["CARTABLE_CLAMD"] = clamd
	}
	server, err := e.StartCartable(ctx, settings)
	if err != nil {
		return Burst{}, err
	}
	defer server.Stop()
	if err := server.LiftQuota(ctx, "prof.martin"); err != nil {
		return Burst{}, err
	}
	prof, err := server.As(ctx, "prof.martin")
	if err != nil {
		return Burst{}, err
	}
	home, err := prof.Home(ctx)
	if err != nil {
		return Burst{}, err
	}
	var folder struct{ ID string }
	name := fmt.Sprintf("Rendus %d", time.Now().UnixNano())
	if err := prof.Call(ctx, "POST", "/api/v1/items/"+home+"/children", map[string]any{"name": name, "folder": struct{}{}}, &folder); err != nil {
		return Burst{}, err
	}
	var b Burst
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := prof.Upload(ctx, folder.ID, fmt.Sprintf("copie %03d.bin", i+1), bytes.NewReader(data), nil)
			if err != nil {
				mu.Lock()
				b.Errors++
				mu.Unlock()
				log.Printf("upload %d: %v", i+1, err)
			}
		}()
	}
	wg.Wait()
	b.Seconds = time.Since(start).Seconds()
	if on {
		if err := waitForVerdicts(ctx, e.DBURL); err != nil {
			return b, err
		}
		b.VerdictsSeconds = time.Since(start).Seconds()
	}
	return b, nil
}

// waitForVerdicts polls the database until no file waits for its scan.
func waitForVerdicts(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for {
		var pending int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM blobs WHERE scan = 'pending'`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d files still wait for their scan: %w", pending, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Report is one run.
type Report struct {
	Machine string  `json:"machine"`
	Date    string  `json:"date"`
	Files   int     `json:"files"`
	Each    int     `json:"each_bytes"`
	Off     []Burst `json:"off"`
	On      []Burst `json:"on"`
}

func median(bursts []Burst, f func(Burst) float64) float64 {
	v := make([]float64, len(bursts))
	for i, b := range bursts {
		v[i] = f(b)
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}

// Markdown is the section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	off := median(r.Off, func(b Burst) float64 { return b.Seconds })
	on := median(r.On, func(b Burst) float64 { return b.Seconds })
	verdicts := median(r.On, func(b Burst) float64 { return b.VerdictsSeconds })
	errs := 0
	for _, x := range slices.Concat(r.Off, r.On) {
		errs += x.Errors
	}
	fmt.Fprintf(&b, "## Antivirus: the 8:00 burst with clamd on and off (bench/antivirus)\n\n")
	fmt.Fprintf(&b, "Run %s on %s. One Cartable node (`cartable serve`, running its jobs: scans compete with the uploads for the same cores) against the stack's "+
		"PostgreSQL, MinIO and clamd on the same machine. prof.martin sends %d files of %d MiB (random bytes, multipart, all at once) into a new folder; "+
		"%d rounds, each one burst with the antivirus off and one with it on (the order alternates), a fresh node each time; medians.\n\n",
		r.Date, r.Machine, r.Files, r.Each>>20, len(r.On))
	fmt.Fprintf(&b, "| Antivirus | Burst completion (last answer), s | Until the last verdict, s | Ratio on/off (burst) |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| off | %.2f | — | 1 |\n", off)
	fmt.Fprintf(&b, "| clamd on | %.2f | %.2f | **%.3f** |\n\n", on, verdicts, on/off)
	fmt.Fprintf(&b, "Every round: off %s; on %s (s). Upload errors: %d. Target: scanning adds at most 10 %% to the burst's completion (files are listed as being checked until their verdict).\n",
		list(r.Off, false), list(r.On, true), errs)
	fmt.Fprintf(&b, "clamd loads the signatures deploy/dev/stack.sh gives it (the EICAR test signature, plus ClamAV's own when /var/lib/clamav has them: "+
		"none on this machine, which cannot reach ClamAV's mirrors); with the full database each scan costs more CPU. `go run ./bench/antivirus` (flags: -files, -each, -rounds). Raw figures in bench/results/antivirus-*.json.\n")
	return b.String()
}

func list(bursts []Burst, verdicts bool) string {
	var parts []string
	for _, x := range bursts {
		if verdicts {
			parts = append(parts, fmt.Sprintf("%.2f (verdicts %.2f)", x.Seconds, x.VerdictsSeconds))
		} else {
			parts = append(parts, fmt.Sprintf("%.2f", x.Seconds))
		}
	}
	return strings.Join(parts, ", ")
}
