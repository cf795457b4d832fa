// Command uploads measures Cartable's resumable uploads against two peers on the
// same machine and the same MinIO, in one run: stock tusd v2.9.1 with its S3 store,
// and a direct minio-go PutObject. It reports each figure as a ratio, writes the raw
// results under bench/results/ and the table of BENCHMARKS.md.
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
	"time"
)

func main() {
	size := flag.Int64("size", 1<<30, "bytes of the single large upload")
	concurrent := flag.Int("concurrent", 300, "uploads sent at once in the burst scenario")
	each := flag.Int64("each", 5<<20, "bytes of each burst upload")
	runs := flag.Int("runs", 3, "runs of each scenario per peer, interleaved (the median is kept)")
	tune := flag.Bool("tune", true, "also measure Cartable's S3 store settings")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose upload section is rewritten")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	env, err := setUp(ctx)
	if err != nil {
		log.Fatalf("set up: %v", err)
	}
	defer env.tearDown()

	report := Report{Machine: machine(), Date: time.Now().UTC().Format(time.RFC3339), Size: *size, Concurrent: *concurrent, Each: *each}
	if err := env.measure(ctx, &report, *runs, *tune); err != nil {
		log.Fatalf("measure: %v", err)
	}
	if err := report.save(*out, *md); err != nil {
		log.Fatalf("save: %v", err)
	}
	fmt.Print(report.Markdown())
}
