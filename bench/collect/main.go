// Command collect measures a teacher's collect — every hand-in of an assignment as
// one zip, streamed — against downloading the same files one by one over HTTP, in
// one run on one machine: a class of 35 pupils, each handing in a 20 MiB file.
// It reports the zip's throughput as a ratio of the one-by-one downloads' (target
// ≥ 0.8), and the server's memory while it streams the zip (RSS from /proc, Go heap
// from /metrics), for the whole class and for 5 of its pupils: flat means the
// same peak whatever the zip's size. It writes the raw results under bench/results/
// and its section of BENCHMARKS.md.
//
//	go run ./bench/collect            (make bench: with the test stack started)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"cartable/bench/node"
	"cartable/bench/record"
)

func main() {
	pupils := flag.Int("pupils", 35, "pupils of the class who hand in")
	each := flag.Int64("each", 20<<20, "bytes of each pupil's hand-in")
	few := flag.Int("few", 5, "pupils of the smaller collect, to compare memory")
	runs := flag.Int("runs", 3, "rounds, the zip and the one-by-one downloads once each, interleaved (medians kept)")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose collect section is rewritten")
	flag.Parse()
	if *runs < 1 || *pupils < 1 || *few < 1 || *few > *pupils {
		log.Fatal("-runs and -pupils must be at least 1, -few between 1 and -pupils")
	}
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(interrupted, 20*time.Minute)
	defer cancel()
	r := Report{Machine: record.Machine(), Date: time.Now().UTC().Format(time.RFC3339), Pupils: *pupils, Each: *each, Few: *few, Runs: *runs}
	if err := run(ctx, &r); err != nil {
		log.Fatal(err)
	}
	if err := r.save(*out, *md); err != nil {
		log.Fatalf("save: %v", err)
	}
	fmt.Print(r.Markdown())
}

// run measures into r, and stops what it started and drops what it filled whether
// it succeeds or not.
func run(ctx context.Context, r *Report) error {
	e, err := node.SetUp(ctx, "collect", nil)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer e.TearDown()
	server, err := e.StartCartable(ctx, nil)
	if err != nil {
		return err
	}
	defer server.Stop()
	c, err := prepare(ctx, server, r.Pupils, r.Each)
	if err != nil {
		return fmt.Errorf("prepare the class: %w", err)
	}
	return c.measure(ctx, r)
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
