// Command footprint measures what one file costs Cartable's PostgreSQL and S3 as
// a school uses it, the basis of deploy/CAPACITY.md: a teacher posts files into
// her class's space (a third of them photos, which get thumbnails), pupils open
// each one, one in five is shared with another class, one in ten gets a second
// version; the node runs its jobs (scans, thumbnails, events) to the end. The
// database (VACUUM ANALYZE first) and the bucket are measured before and after,
// and every table's growth is divided by the files posted: rows and bytes per
// file, indexes and TOAST included.
//
//	go run ./bench/footprint              (with the test stack started)
//	go run ./bench/footprint -files 10000
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
	var w Workload
	flag.IntVar(&w.Files, "files", 3000, "files posted")
	flag.IntVar(&w.PhotoEvery, "photo-every", 3, "one file in this many is a photo (thumbnails)")
	flag.IntVar(&w.ShareEvery, "share-every", 5, "one file in this many is shared with another class")
	flag.IntVar(&w.VersionEvery, "version-every", 10, "one file in this many gets a second version")
	flag.IntVar(&w.Workers, "workers", 8, "requests at once")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose footprint section is rewritten")
	flag.Parse()
	if w.Files < 100 || w.PhotoEvery < 1 || w.ShareEvery < 1 || w.VersionEvery < 1 || w.Workers < 1 {
		log.Fatal("-files must be at least 100, the others at least 1")
	}
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(interrupted, time.Hour)
	defer cancel()
	r := Report{Machine: record.Machine(), Date: time.Now().UTC().Format(time.RFC3339), Workload: w}
	if err := run(ctx, &r); err != nil {
		log.Fatal(err)
	}
	if *out != "" {
		if _, err := record.Raw(*out, "footprint", r); err != nil {
			log.Fatal(err)
		}
	}
	if *md != "" {
		if err := record.Section(*md, "footprint", r.Markdown()); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Print(r.Markdown())
}

// run measures into r; it stops what it started and drops what it filled.
func run(ctx context.Context, r *Report) error {
	e, err := node.SetUp(ctx, "footprint", nil)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer e.TearDown()
	server, err := e.StartCartable(ctx, map[string]string{"CARTABLE_JOBS": "true"})
	if err != nil {
		return err
	}
	defer server.Stop()
	if err := server.LiftQuota(ctx, "prof.martin"); err != nil {
		return err
	}
	if r.Before, err = measure(ctx, e); err != nil {
		return fmt.Errorf("measure before: %w", err)
	}
	start := time.Now()
	if r.Done, err = r.Workload.run(ctx, server, e.DBURL); err != nil {
		return err
	}
	r.Seconds = time.Since(start).Seconds()
	if r.After, err = measure(ctx, e); err != nil {
		return fmt.Errorf("measure after: %w", err)
	}
	return nil
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
