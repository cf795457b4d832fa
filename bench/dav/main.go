// Command dav measures Cartable's WebDAV door in one run on one machine: PROPFIND
// Depth 1 of a 10,000-item folder (p50 and p99, target p99 < 150 ms), and the PUT
// and the GET of a 1 GiB file through /dav/ against the same transfer through
// /api/v1 (PUT …/content and GET …/content on the same node, with the
// single-request limit raised to let the API take 1 GiB in one request: both go
// through the same upload pipeline), as a ratio (target ≥ 0.8). It writes the raw
// results under bench/results/ and its section of BENCHMARKS.md.
//
//	go run ./bench/dav            (make bench: with the test stack started)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"cartable/bench/record"
)

func main() {
	items := flag.Int("items", 10000, "items of the folder listed")
	listings := flag.Int("listings", 200, "PROPFIND requests measured")
	size := flag.Int64("size", 1<<30, "bytes of the large file")
	runs := flag.Int("runs", 3, "rounds of the transfers, /dav/ and /api/v1 interleaved (medians kept)")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose WebDAV section is rewritten")
	flag.Parse()
	if *runs < 1 || *items < 1 || *listings < 1 {
		log.Fatal("-runs, -items and -listings must be at least 1")
	}
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(interrupted, 30*time.Minute)
	defer cancel()
	host, _ := os.Hostname()
	r := Report{Machine: fmt.Sprintf("%s, %d CPUs (%s), %s", host, runtime.NumCPU(), record.CPU(), runtime.Version()),
		Date: time.Now().UTC().Format(time.RFC3339), Items: *items, Listings: *listings, Size: *size, Runs: *runs}
	if err := run(ctx, &r); err != nil {
		log.Fatal(err)
	}
	if err := r.save(*out, *md); err != nil {
		log.Fatalf("save: %v", err)
	}
	fmt.Print(r.Markdown())
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
