// Command uploads measures Cartable's resumable uploads against three peers on the
// same machine and the same MinIO, in one run: stock tusd v2.9.1 with its S3 store,
// and a direct minio-go PutObject, once with its defaults (which sign every chunk of
// the body with SHA-256 over plain HTTP) and once without hashing the body (as
// Cartable sends its parts by default). It reports each figure as a ratio, writes the
// raw results under bench/results/ and the table of BENCHMARKS.md.
//
//	go run ./bench/uploads            (make bench: with the test stack started)
//
// Scenarios: one 1 GiB file; 300 concurrent 5 MiB uploads (a year group at 8:00),
// with throughput, p50 and p99 latency, errors and peak memory per upload; and the
// tuning of Cartable's S3 store (part size, buffered parts, concurrent parts, where
// parts are buffered) on the 1 GiB file.
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
)

func main() {
	size := flag.Int64("size", 1<<30, "bytes of the single large upload")
	concurrent := flag.Int("concurrent", 300, "uploads sent at once in the burst scenario")
	each := flag.Int64("each", 5<<20, "bytes of each burst upload")
	runs := flag.Int("runs", 5, "rounds of each scenario, every peer once a round, interleaved (each peer's median is kept)")
	tune := flag.Bool("tune", true, "also measure Cartable's S3 store settings")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose upload section is rewritten")
	flag.Parse()
	if *runs < 1 {
		log.Fatal("-runs must be at least 1")
	}

	// Interrupted, it still stops its servers and empties its bucket.
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(interrupted, time.Duration(15+5*(*runs))*time.Minute)
	report := Report{Machine: machine(), Date: time.Now().UTC().Format(time.RFC3339), Size: *size, Concurrent: *concurrent, Each: *each, Runs: *runs}
	err := run(ctx, &report, *runs, *tune)
	cancel()
	if err != nil {
		log.Fatal(err)
	}
	if err := report.save(*out, *md); err != nil {
		log.Fatalf("save: %v", err)
	}
	fmt.Print(report.Markdown())
}

// run measures into report, and stops what it started and empties what it filled
// whether it succeeds or not.
func run(ctx context.Context, report *Report, runs int, tune bool) error {
	env, err := setUp(ctx)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer env.tearDown()
	if err := env.measure(ctx, report, runs, tune); err != nil {
		return fmt.Errorf("measure: %w", err)
	}
	return nil
}
