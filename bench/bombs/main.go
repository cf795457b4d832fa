// Command bombs measures the peak memory of a whole preview worker — the renderer
// process and every converter process under it, summed — while it renders
// converter bombs: a 300 KB docx zip bomb, a docx showing a huge PNG and a PDF
// drawing a 20,000 × 20,000 image (package previewtest makes them). It renders as
// many at once as the worker's default job slots (CARTABLE_PREVIEW_WORKERS, the
// CPUs), with the default limits, and records each file's outcome; then, for
// contrast, again with the converters' memory cap raised to 1 TiB under a shorter
// time limit. It writes the raw results under bench/results/ and the bombs section
// of BENCHMARKS.md.
//
//	go run ./bench/bombs            (make bench; no database or S3 needed)
//	go run ./bench/bombs -quick     (small bombs, no contrast run; writes nothing)
//
// The bench starts itself again with -renderer-child, a process holding one
// renderer as the worker does, and samples that child's process tree every 10 ms
// from /proc.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"time"

	"cartable/preview"
)

// uncappedBytes is the converters' memory cap of the contrast runs: none in effect.
const uncappedBytes = 1 << 40

func main() {
	// The renderer child is started by the bench itself; it is not a user's flag.
	if len(os.Args) > 1 && os.Args[1] == childFlag {
		rendererChild(os.Args[2:])
		return
	}
	slots := flag.Int("workers", runtime.NumCPU(), "files rendered at once (CARTABLE_PREVIEW_WORKERS; its default is the CPUs)")
	converterBytes := flag.Int64("converter-bytes", preview.DefaultLimits.ConverterMemory, "memory cap of each converter process (CARTABLE_PREVIEW_CONVERTER_BYTES)")
	timeout := flag.Duration("timeout", preview.DefaultLimits.Timeout, "time limit of one preview (CARTABLE_PREVIEW_TIMEOUT)")
	contrast := flag.Bool("uncapped", true, "also render each kind of bomb with the memory cap raised to 1 TiB")
	uncappedTimeout := flag.Duration("uncapped-timeout", 45*time.Second, "time limit of the runs without a memory cap: "+
		"it alone stops their converters (a docx zip bomb grows for as long as it runs)")
	xmlMiB := flag.Int("xml-mib", 200, "size of the docx zip bomb's word/document.xml, MiB (200: a 300 KB file)")
	imageSide := flag.Int("image-side", 18_000, "side of the PNG the image docx shows, px")
	pdfSide := flag.Int("pdf-side", 20_000, "side of the image the PDF draws, px")
	interval := flag.Duration("interval", 10*time.Millisecond, "how often the process tree is sampled")
	ceilingMiB := flag.Int64("ceiling-mib", availableMiB()*3/4, "the bench kills a tree that grows beyond this (a safety net, default 3/4 of the available memory)")
	quick := flag.Bool("quick", false, "smoke run: small bombs, no run without the cap; writes no results")
	out := flag.String("out", "bench/results", "folder of the raw results (empty: none)")
	md := flag.String("md", "BENCHMARKS.md", "file whose bombs section is rewritten (empty: none)")
	flag.Parse()
	if *quick {
		*xmlMiB, *imageSide, *pdfSide, *contrast, *out, *md = 16, 3000, 3000, false, "", ""
	}

	tools := preview.FindTools()
	for name, path := range map[string]string{"LibreOffice (soffice)": tools.Soffice, "pdftoppm": tools.Pdftoppm} {
		if path == "" {
			log.Fatalf("bombs: %s is not installed: its bombs would only be converter_missing", name)
		}
	}
	if _, err := exec.LookPath("prlimit"); err != nil {
		log.Fatal("bombs: prlimit (util-linux) is not installed: the converters would run without their memory cap")
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	dir, err := os.MkdirTemp("", "cartable-bench-bombs-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	set := bombs(sizes{XMLMiB: *xmlMiB, ImageSide: *imageSide, PDFSide: *pdfSide})
	paths, err := write(dir, set, *slots)
	if err != nil {
		log.Fatalf("generate: %v", err)
	}
	logf("generated %d bombs in %s", len(set), time.Since(start).Round(100*time.Millisecond))

	report := Report{Machine: machine(tools), Date: time.Now().UTC().Format(time.RFC3339), Command: "go run ./bench/bombs",
		LoadBefore: loadAverage(), Slots: *slots, IntervalMS: float64(interval.Microseconds()) / 1000, CeilingMiB: *ceilingMiB, Set: set}
	ceiling := *ceilingMiB << 10
	capped := childSettings{Slots: *slots, ConverterBytes: *converterBytes, Timeout: *timeout}
	var mixed []string
	for i := range *slots {
		for _, b := range set {
			mixed = append(mixed, paths[b.Kind][i])
		}
	}
	scenario := func(name string, s childSettings, files []string) {
		sc := run(ctx, name, s, files, *interval, ceiling)
		report.Scenarios = append(report.Scenarios, sc)
		logf("%-60s peak %6.0f MiB (renderer %4.0f, largest conversion %5.0f) in %5.1f s: %s %s",
			sc.Name, sc.PeakTreeMiB, sc.RendererAtPeakMiB, sc.LargestConversionMiB, sc.WallS, outcomes(sc.Outcomes), sc.Error+sc.Stopped)
	}
	for _, b := range set {
		scenario(fmt.Sprintf("%d × %s at once, default limits", *slots, b.Kind), capped, paths[b.Kind])
	}
	scenario(fmt.Sprintf("all %d files queued, %d at once, default limits", len(mixed), *slots), capped, mixed)
	if *contrast {
		raised := childSettings{Slots: *slots, ConverterBytes: uncappedBytes, Timeout: *uncappedTimeout}
		for _, b := range set {
			scenario(fmt.Sprintf("%d × %s at once, no memory cap, %s limit", *slots, b.Kind, *uncappedTimeout), raised, paths[b.Kind])
		}
	}
	report.LoadAfter = loadAverage()
	if err := report.save(*out, *md); err != nil {
		log.Fatalf("save: %v", err)
	}
	fmt.Print(report.Markdown())
	logf("done in %s", time.Since(start).Round(time.Second))
}

// availableMiB is MemAvailable, or 4 GiB when it cannot be read.
func availableMiB() int64 {
	if kib := memInfo("MemAvailable:"); kib > 0 {
		return kib >> 10
	}
	return 4 << 10
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
