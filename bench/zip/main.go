// Command zip checks a folder zip at the size schools reach, end to end: a folder
// of 70,000 small files in 70 sub-folders (and an empty one) plus a few large
// files, about 5 GiB, uploaded through the API by a teacher; then
//
//   - the whole folder downloaded as one zip (POST /api/v1/zips, then its signed
//     URL) while the server's memory is sampled, against a zip of one sub-folder
//     (1,000 files): flat memory means the same peak whatever the size;
//   - the zip tested and extracted by Info-ZIP's unzip (a standard tool, not Go's
//     reader), every name and every byte compared with what was uploaded: past
//     65,535 entries and 4 GiB it only reads if ZIP64 is right;
//   - a download dropped after 256 MiB: the server lets go of it at once (its
//     goroutines and heap back to their level at rest).
//
// It writes the raw results under bench/results/ and its section of BENCHMARKS.md.
//
//	go run ./bench/zip                       (with the test stack started)
//	go run ./bench/zip -large 6 -large-bytes 1610612736   (a 10 GiB folder)
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
	var shape Shape
	flag.IntVar(&shape.Folders, "folders", 70, "sub-folders of small files")
	flag.IntVar(&shape.PerFolder, "per-folder", 1000, "small files in each sub-folder")
	flag.IntVar(&shape.SmallMax, "small-max", 32<<10, "largest small file, bytes (sizes are uniform from 1 KiB)")
	flag.IntVar(&shape.Large, "large", 4, "large files")
	flag.Int64Var(&shape.LargeBytes, "large-bytes", 1<<30, "bytes of each large file")
	workers := flag.Int("workers", 8, "uploads at once while the folder is filled")
	dir := flag.String("dir", os.TempDir(), "where the zip is written and extracted (needs twice the folder's size free)")
	out := flag.String("out", "bench/results", "folder of the raw results")
	md := flag.String("md", "BENCHMARKS.md", "file whose zip section is rewritten")
	flag.Parse()
	if shape.Folders < 1 || shape.PerFolder < 1 || shape.SmallMax < 1024 || shape.Large < 0 || *workers < 1 {
		log.Fatal("-folders, -per-folder and -workers must be at least 1, -small-max at least 1024")
	}
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(interrupted, 2*time.Hour)
	defer cancel()
	r := Report{Machine: record.Machine(), Date: time.Now().UTC().Format(time.RFC3339), Shape: shape, Workers: *workers}
	if err := run(ctx, &r, *workers, *dir); err != nil {
		log.Fatal(err)
	}
	if err := r.save(*out, *md); err != nil {
		log.Fatalf("save: %v", err)
	}
	fmt.Print(r.Markdown())
}

// run measures into r, and stops what it started and drops what it filled whether
// it succeeds or not.
func run(ctx context.Context, r *Report, workers int, dir string) error {
	e, err := node.SetUp(ctx, "zip", nil)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer e.TearDown()
	// Large files go in one request each: the single-request limit is lifted above them.
	server, err := e.StartCartable(ctx, map[string]string{"CARTABLE_MAX_UPLOAD_BYTES": fmt.Sprint(r.Shape.LargeBytes + 1<<20)})
	if err != nil {
		return err
	}
	defer server.Stop()
	f, err := fill(ctx, server, r.Shape, workers, r)
	if err != nil {
		return fmt.Errorf("fill the folder: %w", err)
	}
	return f.check(ctx, r, dir)
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
