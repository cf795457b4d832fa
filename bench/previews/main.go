// Command previews measures Cartable's thumbnail renderer against two peers on the
// same machine, in one run and on the same generated files: the `vipsthumbnail`
// CLI (the target is at least 0.8 × its throughput) and ImageMagick's
// `convert -thumbnail`. It also measures the peak memory of a worker rendering 8
// files at once. It writes the raw results under bench/results/ and the thumbnail
// section of BENCHMARKS.md.
//
//	go run ./bench/previews            (make bench; no database or S3 needed)
//	go run ./bench/previews -quick     (a smoke run that writes nothing)
//
// The set is 12 MP JPEGs that compress like photos, 4000 px PNGs like screenshots
// and 20-page PDFs. Every peer makes the same six thumbnails of every file (the
// sizes and formats of package preview) with NumCPU files in flight, in rounds
// interleaved between the peers; the median round is kept.
//
// The bench starts itself again with -rss-child to measure memory: a process of
// its own has a peak RSS that belongs to the renders alone.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

func main() {
	// The memory child is started by the bench itself; it is not a user's flag.
	if len(os.Args) > 1 && os.Args[1] == rssChildFlag {
		rssChild(os.Args[2:])
		return
	}
	jpegs := flag.Int("jpegs", 8, "12 MP JPEGs in the set")
	pngs := flag.Int("pngs", 6, "4000 px PNGs in the set")
	pdfs := flag.Int("pdfs", 6, "PDFs in the set")
	pages := flag.Int("pages", 20, "pages of each PDF")
	rounds := flag.Int("rounds", 3, "measured rounds per peer, interleaved (the median is kept)")
	workers := flag.Int("workers", runtime.NumCPU(), "files in flight at once, for every peer")
	rssFiles := flag.Int("rss-files", 8, "files rendered at once by the memory child")
	quick := flag.Bool("quick", false, "smoke run: 2 files of each kind, 1 round, 5-page PDFs; writes no results")
	out := flag.String("out", "bench/results", "folder of the raw results (empty: none)")
	md := flag.String("md", "BENCHMARKS.md", "file whose thumbnail section is rewritten (empty: none)")
	keep := flag.Bool("keep", false, "keep the generated files and the thumbnails (the folder is logged)")
	flag.Parse()
	if *quick {
		*jpegs, *pngs, *pdfs, *pages, *rounds = 2, 2, 2, 5, 1
		*out, *md = "", ""
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "cartable-bench-previews-")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		logf("files and thumbnails kept in %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	start := time.Now()
	set, err := generate(dir, *jpegs, *pngs, *pdfs, *pages)
	if err != nil {
		log.Fatalf("generate: %v", err)
	}
	logf("generated %d files in %s", len(set), time.Since(start).Round(time.Second))

	report := Report{Machine: machine(), Date: time.Now().UTC().Format(time.RFC3339), Command: "go run ./bench/previews",
		Workers: *workers, Rounds: *rounds, Set: describeSet(set, *pages)}
	peers, notes := findPeers()
	report.Notes = append(report.Notes, notes...)
	for _, p := range peers {
		report.Peers = append(report.Peers, PeerInfo{Name: p.name, Tool: p.tool})
	}
	if err := measure(ctx, &report, peers, set, filepath.Join(dir, "out"), *rounds, *workers); err != nil {
		log.Fatalf("measure: %v", err)
	}
	report.Memory = measureMemory(ctx, peers, set, filepath.Join(dir, "rss"), *rssFiles)
	report.summarize()
	if err := report.save(*out, *md); err != nil {
		log.Fatalf("save: %v", err)
	}
	fmt.Print(report.Markdown())
	logf("done in %s", time.Since(start).Round(time.Second))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
