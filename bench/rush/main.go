// Command rush reproduces the 8:00 rush of issue 17 end to end: the 25 pupils of
// class 6A of the demo collège send, all at once, 60 phone photos (12 MP JPEGs,
// EXIF thumbnails, some turned) and 10 PDFs into a folder of their class space,
// through tus as the web app does (three files at a time per pupil), while each
// pupil's screen follows their files on the event stream, as the web app does
// (follow.go; -watch poll lists the teacher's folder instead). Per file, from its
// upload's 201: when its small thumbnail shows, and when all its renditions do.
//
// It runs the burst on four deployments, each over a fresh database and bucket
// of the stack (bench/node): one `cartable serve` running its jobs, then an API
// node with its jobs off and one, then two, `cartable worker` processes, then one
// worker pinned to a core of its own (pin.go); each with
// the antivirus off and on (the stack's clamd: every file is scanned before its
// preview is rendered). In the same run it measures the renderer's own rate on the
// same files, in-process (preview.Renderer, NumCPU in flight, as bench/previews),
// the ceiling the end-to-end rate is compared to. From river's rows it splits the
// scan and preview jobs' time between waiting in the queue and running.
//
// Targets of the issue: small thumbnail p95 < 2 s after the upload; all
// renditions at ≥ 0.9 × the raw rate. It writes the raw results under
// bench/results/ and its section of BENCHMARKS.md.
//
//	go run ./bench/rush            (make bench: with the test stack started)
//	go run ./bench/rush -quick     (a smoke run: 8 pupils, 12 files, writes nothing)
//	go run ./bench/rush -deployments 3 -antivirus on -out "" -md "" -timeline /tmp/tl
//	                               (one scenario, told line by line: timeline.go)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cartable/bench/node"
	"cartable/bench/record"
)

func main() {
	pupils := flag.Int("pupils", 25, "pupils of 6A sending at once (at most 25)")
	photos := flag.Int("photos", 60, "12 MP phone photos in the burst")
	pdfs := flag.Int("pdfs", 10, "PDFs in the burst")
	distinct := flag.Int("distinct", 10, "distinct photos generated (each upload of one is made unique)")
	photosDir := flag.String("photos-from", "", "folder of real photos (.jpg, .jpeg) the burst sends in turn instead of generated ones; its section of -md is rush-photos")
	limit := flag.Duration("limit", 3*time.Minute, "longest a scenario waits for its renditions")
	deployments := flag.String("deployments", "0,1,2,3", "deployments measured: 0 one node running the jobs, 1 and 2 that many worker processes, 3 one worker on a core of its own")
	antivirus := flag.String("antivirus", "off,on", "antivirus settings measured (on needs CARTABLE_CLAMD)")
	quick := flag.Bool("quick", false, "smoke run: 8 pupils, 10 photos, 2 PDFs, one node only; writes nothing")
	out := flag.String("out", "bench/results", "folder of the raw results (empty: none)")
	md := flag.String("md", "BENCHMARKS.md", "file whose rush section is rewritten (empty: none)")
	again := flag.String("report", "", "measure nothing: write the section of this raw result again (bench/results/rush-*.json)")
	watch := flag.String("watch", "stream", "how the screen learns of thumbnails: stream (each pupil's list follows their files on GET /api/v1/items/watch, as the web app does) or poll (the teacher's folder listed every 100 ms)")
	timelineDir := flag.String("timeline", "", "folder to write each scenario's timeline in (tab-separated: every upload and job, in seconds; empty: none)")
	flag.Parse()
	if *again != "" {
		if err := rewrite(*again, *md); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *quick {
		*pupils, *photos, *pdfs, *distinct, *deployments, *out, *md = 8, 10, 2, 3, "0", "", ""
	}
	*pupils = min(max(*pupils, 1), 25)
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(interrupted, 30*time.Minute)
	defer cancel()
	// 75 uploads at once from one process: keep their connections.
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = 256

	began := time.Now()
	r := Report{Machine: record.Machine(), Date: began.UTC().Format(time.RFC3339), Pupils: *pupils,
		Photos: *photos, PDFs: *pdfs, Distinct: *distinct, PollMillis: pollEvery.Milliseconds()}
	var distinctPhotos []photo
	if *photosDir == "" {
		distinctPhotos = generatedPhotos(min(*distinct, *photos))
	} else {
		var err error
		if distinctPhotos, err = photosIn(*photosDir); err != nil {
			log.Fatal(err)
		}
		r.Distinct = len(distinctPhotos)
		for _, p := range distinctPhotos {
			r.PhotosFrom = append(r.PhotosFrom, p.About)
		}
	}
	files := corpus(distinctPhotos, *photos, *pdfs)
	for _, f := range files {
		r.Bytes += int64(len(f.Data))
	}
	logf("generated %d files (%.0f MiB) in %s", len(files), float64(r.Bytes)/(1<<20), time.Since(began).Round(time.Second))
	plan, err := choose(*deployments, *antivirus)
	if err != nil {
		log.Fatal(err)
	}
	plan.timeline = *timelineDir
	if plan.watch = watchers[*watch]; plan.watch == nil {
		log.Fatalf("-watch: %q is not stream or poll", *watch)
	}
	r.Watch = *watch
	if err := run(ctx, &r, files, plan, *limit); err != nil {
		log.Fatal(err)
	}
	r.Seconds = time.Since(began).Seconds()
	if *out != "" {
		path, err := record.Raw(*out, r.section(), r)
		if err != nil {
			log.Fatal(err)
		}
		logf("raw results in %s", path)
	}
	if *md != "" {
		if err := record.Section(*md, r.section(), r.Markdown()); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Print(r.Markdown())
}

// plan is the deployments and antivirus settings a run measures.
type plan struct {
	tops     []Topology
	on       []bool
	timeline string // the folder the scenarios' timelines go to (empty: none)
	watch    watcher
}

// choose reads the -deployments and -antivirus flags.
func choose(deployments, antivirus string) (plan, error) {
	var p plan
	all := topologies(runtime.NumCPU())
	for _, w := range strings.Split(deployments, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 || n >= len(all) {
			return p, fmt.Errorf("-deployments: %q is not 0, 1, 2 or 3", w)
		}
		if all[n].OwnCore && len(cores()) < 2 {
			continue // no other core to leave the rest on
		}
		p.tops = append(p.tops, all[n])
	}
	for _, a := range strings.Split(antivirus, ",") {
		switch strings.TrimSpace(a) {
		case "off":
			p.on = append(p.on, false)
		case "on":
			p.on = append(p.on, true)
		default:
			return p, fmt.Errorf("-antivirus: %q is not off or on", a)
		}
	}
	return p, nil
}

// run measures the raw rate, then every scenario, then the raw rate again (the
// machine is shared: its mean is the ceiling compared to).
func run(ctx context.Context, r *Report, files []file, p plan, limit time.Duration) error {
	clamd := os.Getenv("CARTABLE_CLAMD")
	// The stack's clamd goes to the scenarios that want it, not to every process.
	os.Unsetenv("CARTABLE_CLAMD")
	var modes []string
	for _, on := range p.on {
		switch {
		case !on:
			modes = append(modes, "")
		case clamd == "":
			r.Notes = append(r.Notes, "CARTABLE_CLAMD is not set: the antivirus scenarios were not run (make bench's stack starts clamd).")
		default:
			modes = append(modes, clamd)
		}
	}
	tops := p.tops
	base, err := node.SetUp(ctx, "rush", nil)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	defer base.TearDown()
	if err := measureRaw(ctx, r, files, tops); err != nil {
		return err
	}
	for i, t := range tops {
		order := slices.Clone(modes)
		if i%2 == 1 { // the settings take turns going first
			slices.Reverse(order)
		}
		for _, m := range order {
			s, err := scenario(ctx, base, t, m, r.Pupils, files, p.watch, limit, p.timeline)
			if err != nil {
				return fmt.Errorf("%s, antivirus %v: %w", t.Name, m != "", err)
			}
			logf("%-16s antivirus %-5v: burst %.1f s, last rendition %.1f s, %.2f files/s; small p50 %.2f p95 %.2f s; all p50 %.2f p95 %.2f s; %d complete, %d failed, %d incomplete, %d upload errors",
				t.Name, s.Antivirus, s.BurstSeconds, s.RenderedSeconds, s.FilesPerSec, s.Small.P50, s.Small.P95, s.All.P50, s.All.P95,
				s.Complete, s.Failed, s.Incomplete, s.Errors)
			r.Scenarios = append(r.Scenarios, s)
		}
	}
	return measureRaw(ctx, r, files, tops)
}

// measureRaw runs the raw passes, before and after the scenarios: on the whole
// machine, and on one core when a scenario pins a worker to its own.
func measureRaw(ctx context.Context, r *Report, files []file, tops []Topology) error {
	raw, err := rawRate(ctx, files, runtime.NumCPU())
	if err != nil {
		return err
	}
	logf("raw renderer: %d files in %.1f s, %.2f files/s", len(files), raw.Seconds, raw.FilesPerSec)
	r.Raw = append(r.Raw, raw)
	if !slices.ContainsFunc(tops, func(t Topology) bool { return t.OwnCore }) {
		return nil
	}
	if raw, err = rawOnItsCore(ctx, files); err != nil {
		return err
	}
	logf("raw renderer on one core: %d files in %.1f s, %.2f files/s", len(files), raw.Seconds, raw.FilesPerSec)
	r.RawOneCore = append(r.RawOneCore, raw)
	if raw, err = stagedOnItsCore(ctx, files); err != nil {
		return err
	}
	logf("the stages back to back on one core: %d files in %.1f s, %.2f files/s", len(files), raw.Seconds, raw.FilesPerSec)
	r.StagedOneCore = append(r.StagedOneCore, raw)
	return nil
}

// rewrite writes the section of a raw result again (after a change of its
// presentation) without measuring.
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
	return record.Section(md, r.section(), r.Markdown())
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
