package main

import (
	"fmt"
	"strings"
)

// Report is one run.
type Report struct {
	Machine  string  `json:"machine"`
	Date     string  `json:"date"`
	Seconds  float64 `json:"seconds"` // the whole run
	Pupils   int     `json:"pupils"`
	Photos   int     `json:"photos"`
	PDFs     int     `json:"pdfs"`
	Distinct int     `json:"distinct_photos"`
	// PhotosFrom describes the real photos of a -photos-from run, one a line (none:
	// the photos were generated).
	PhotosFrom []string `json:"photos_from,omitempty"`
	Bytes      int64    `json:"bytes"`
	PollMillis int64    `json:"poll_ms"`
	Watch      string   `json:"watch,omitempty"`        // "stream" or "poll" (runs before 2026-12-05: poll)
	Raw        []Raw    `json:"raw"`                    // before and after the scenarios
	RawOneCore []Raw    `json:"raw_one_core,omitempty"` // the same, on an own-core worker's core
	// StagedOneCore is the one-core pass with each file rendered in its stages.
	StagedOneCore []Raw      `json:"staged_one_core,omitempty"`
	Scenarios     []Scenario `json:"scenarios"`
	Notes         []string   `json:"notes,omitempty"`
}

// streamed says whether the screens followed the event stream (-watch stream)
// rather than listing the folder.
func (r Report) streamed() bool { return r.Watch == "stream" }

// watchSentence says how the screens learnt of the thumbnails.
func (r Report) watchSentence() string {
	if r.streamed() {
		return "Each pupil's screen follows the files they sent as the web app does: one stream of server-sent events (`GET /api/v1/items/watch`), " +
			"reopened with them all a quarter of a second after files are added."
	}
	return fmt.Sprintf("The teacher's screen lists the folder every %d ms.", r.PollMillis)
}

// seenBy names what shows a file's thumbnails: a stream's event or a listing.
func (r Report) seenBy() string {
	if r.streamed() {
		return "event"
	}
	return "listing"
}

// title is the heading of the run's section.
func (r Report) title() string {
	if len(r.PhotosFrom) > 0 {
		return "## Thumbnails at the 8:00 rush, with real photos (`go run ./bench/rush -photos-from DIR`)"
	}
	return "## Thumbnails at the 8:00 rush (`make bench`, bench/rush)"
}

// photosWord says what the burst's photos are.
func (r Report) photosWord() string {
	if len(r.PhotosFrom) > 0 {
		return fmt.Sprintf("copies of the %d real photos below, in turn (%.1f MiB each on average; each copy made unique by a JPEG comment)", len(r.PhotosFrom), r.avgPhotoMiB())
	}
	return fmt.Sprintf("phone photos (12 MP, 4000 × 3000 JPEG; most with an EXIF thumbnail, some turned by EXIF orientation; %.1f MiB each on average)", r.avgPhotoMiB())
}

// section names the run's section of BENCHMARKS.md and its raw results: a run
// of real photos has its own.
func (r Report) section() string {
	if len(r.PhotosFrom) > 0 {
		return "rush-photos"
	}
	return "rush"
}

// RawRate is the mean of the raw rates measured around the scenarios.
func (r Report) RawRate() float64 { return meanRate(r.Raw) }

// rawFor is the raw rate a scenario's "× raw" divides by: the one-core pass's
// for a worker on its own core.
func (r Report) rawFor(s Scenario) float64 {
	if s.Topology.OwnCore {
		return meanRate(r.RawOneCore)
	}
	return r.RawRate()
}

func meanRate(raws []Raw) float64 {
	sum := 0.0
	for _, x := range raws {
		sum += x.FilesPerSec
	}
	if len(raws) == 0 {
		return 0
	}
	return sum / float64(len(raws))
}

// Markdown is the section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	raw := r.RawRate()
	fmt.Fprintf(&b, "%s\n\n", r.title())
	fmt.Fprintf(&b, "Run %s on %s; the whole run took %.0f s. `go run ./bench/rush` against the stack's PostgreSQL, MinIO and clamd on the same machine, "+
		"each scenario over a fresh database (the demo collège) and bucket, the binary built once from this tree.\n\n", r.Date, r.Machine, r.Seconds)
	fmt.Fprintf(&b, "The burst: the %d pupils of 6A (eleve.6a.01…) send at once %d %s "+
		"and %d PDFs (1 to 10 pages) into a folder the teacher made in the class space: %.0f MiB in all, through tus in one request per file as the web app sends a file below its part size, "+
		"three files at a time per pupil. %s "+
		"Per file, from its upload's 201: **small** is when the %s first shows `thumbnails.small`, **all** when it shows small, medium and large. "+
		"The end-to-end rate is the files with all their renditions over the time from the first upload's start to the last rendition seen; \"× raw\" divides it by the renderer's own rate (below). "+
		"\"After the uploads\" is the same files over the time from the last 201 to the last rendition, as issue 17 reckoned its own 2.1 photos/s (60 photos, the last thumbnail 29 s after the uploads' end): "+
		"no file can be rendered before its upload ends, and a burst's uploads end together.\n\n",
		r.Pupils, r.Photos, r.photosWord(), r.PDFs, float64(r.Bytes)/(1<<20), r.watchSentence(), r.seenBy())
	if len(r.PhotosFrom) > 0 {
		b.WriteString("The real photos (file, camera, size, weight, EXIF orientation, and whether the worker serves a provisional small thumbnail from its EXIF thumbnail or why not):\n\n")
		for _, about := range r.PhotosFrom {
			fmt.Fprintf(&b, "- %s\n", about)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| Deployment | Antivirus | Small p50 / p95 / max, s | All p50 / p95 / max, s | Uploads done, s | Last rendition, s | End-to-end files/s | × raw | After the uploads: files/s, × raw | Load |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "| %s | %s | %.2f / **%.2f** / %.2f | %.2f / %.2f / %.2f | %.1f | %.1f | %.2f | **%.2f** | %.2f, %.2f | %.1f–%.1f |\n",
			s.Topology.describe(), onOff(s.Antivirus), s.Small.P50, s.Small.P95, s.Small.Max, s.All.P50, s.All.P95, s.All.Max,
			s.BurstSeconds, s.RenderedSeconds, s.FilesPerSec, ratio(s.FilesPerSec, r.rawFor(s)), s.AfterUploadsPerSec(), ratio(s.AfterUploadsPerSec(), r.rawFor(s)), s.Load[0], s.Load[1])
	}
	b.WriteString(smallByKindTable(r.Scenarios))
	b.WriteString(r.cpuTable())
	fmt.Fprintf(&b, "\nRaw renderer rate: the same %d files rendered in-process by preview.Renderer (all sizes and formats, %d in flight, as bench/previews measures it), before and after the scenarios: %s files/s; "+
		"their mean, %.2f files/s, is the \"× raw\" denominator. Load is the machine's 1-minute load average at a scenario's start and end (%s for the raw renders): "+
		"other work on the shared machine slows every figure down. Targets of issue 17: small p95 < 2 s; end-to-end ≥ 0.9 × raw.\n\n",
		r.Photos+r.PDFs, r.rawInFlight(), rateList(r.Raw), raw, r.rawLoads())
	if len(r.RawOneCore) > 0 {
		fmt.Fprintf(&b, "For the worker on a core of its own, the denominator is the same pass with one file in flight, this process pinned to that core (taskset): %s files/s, mean %.2f. "+
			"That scenario pins the API node, MinIO, PostgreSQL, clamd and the bench's clients to the other core(s), as worker pods apart from the rest are deployed: "+
			"its \"× raw\" is what the pipeline around the renderer costs (the download, the stages, the storing, the jobs), and not what the machine's other work takes.\n\n",
			rateList(r.RawOneCore), meanRate(r.RawOneCore))
		if len(r.StagedOneCore) > 0 {
			fmt.Fprintf(&b, "The same pass with each file rendered in the stages of a first render, a render per stage as the jobs run them with the antivirus off "+
				"(a photo with its camera thumbnail: small and medium, then large; the others: small, medium, large): %s files/s, mean %.2f, %.2f × the renders in one; "+
				"%.2f s of CPU per file against %.2f. That share is what the staging costs (small, then medium, for the whole queue before the large sizes); "+
				"the own-core worker's rate over it with the antivirus off (below) is what the rest of the pipeline costs.\n\n",
				rateList(r.StagedOneCore), meanRate(r.StagedOneCore), ratio(meanRate(r.StagedOneCore), meanRate(r.RawOneCore)),
				r.cpuPerRawFile(r.StagedOneCore), r.cpuPerRawFile(r.RawOneCore))
		}
	}
	fmt.Fprintf(&b, "Where the time goes, from river's rows (river_job: queue wait = attempted_at − created_at, run = finalized_at − attempted_at; p50 / p95, s), "+
		"and the watch's lag (from a file's first preview job's end to the %s that shows its small thumbnail):\n\n", r.seenBy())
	fmt.Fprintf(&b, "| Deployment | Antivirus | Scan wait | Scan run | Preview job | Preview wait | Preview run | Preview runs, sum, s | Render slots busy | Watch lag |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		scan := s.job("antivirus.scan")
		for _, prev := range s.previewJobs() {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %.1f | %.0f %% | %.2f / %.2f |\n", s.Topology.describe(), onOff(s.Antivirus),
				pair(scan, scan.Wait), pair(scan, scan.Run), prev.Kind, pair(prev, prev.Wait), pair(prev, prev.Run), prev.RunSum,
				100*ratio(prev.RunSum, float64(s.Topology.slots())*s.RenderedSeconds), s.WatchLag.P50, s.WatchLag.P95)
		}
	}
	fmt.Fprintf(&b, "\nRender slots busy: the preview jobs' run time over the deployment's preview slots (preview workers × processes running jobs) times the scenario's time to the last rendition; "+
		"what is not busy is the start of the burst (the first files uploading, or waiting for their scan) and the tail (the last renders, fewer than the slots).\n\n")
	for _, line := range r.readings(raw) {
		fmt.Fprintf(&b, "- %s\n", line)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

// readings are the run's figures put in words: the targets, the scale-out, the
// antivirus, and whether small thumbnails came before the others.
func (r Report) readings(raw float64) []string {
	var out []string
	smallMet, rateMet, afterMet, smallFirst, complete := 0, 0, 0, 0, 0
	for _, s := range r.Scenarios {
		if s.Small.N > 0 && s.Small.P95 < 2 {
			smallMet++
		}
		if ratio(s.FilesPerSec, r.rawFor(s)) >= 0.9 {
			rateMet++
		}
		if ratio(s.AfterUploadsPerSec(), r.rawFor(s)) >= 0.9 {
			afterMet++
		}
		smallFirst += s.SmallFirst
		complete += s.Complete
	}
	out = append(out, fmt.Sprintf("Targets: small p95 < 2 s met in %d of %d scenarios; end-to-end ≥ 0.9 × raw met in %d of %d (after the uploads, as the issue reckoned: %d of %d).", smallMet, len(r.Scenarios), rateMet, len(r.Scenarios), afterMet, len(r.Scenarios)))
	if complete > 0 {
		out = append(out, fmt.Sprintf("Small before the rest: over the scenarios, %d of %d completed files showed their small thumbnail in an earlier %s than their medium and large "+
			"(0 when one job renders every size of a file: they appear together, and a file's small thumbnail waits for the files queued before it to be rendered in full).", smallFirst, complete, r.seenBy()))
	}
	if line := r.rawVersusJobs(raw); line != "" {
		out = append(out, line)
	}
	if line := r.cpuPerFile(); line != "" {
		out = append(out, line)
	}
	for _, on := range []bool{false, true} {
		one, two := r.find(1, on), r.find(2, on)
		if one != nil && two != nil {
			out = append(out, fmt.Sprintf("Scale-out, antivirus %s: %.2f files/s with one worker process, %.2f with two (× %.2f); small p95 %.2f s and %.2f s.",
				onOff(on), one.FilesPerSec, two.FilesPerSec, ratio(two.FilesPerSec, one.FilesPerSec), one.Small.P95, two.Small.P95))
		}
	}
	for _, t := range []int{0, 1, 2} {
		off, on := r.find(t, false), r.find(t, true)
		if off != nil && on != nil {
			out = append(out, fmt.Sprintf("Antivirus, %s: small p95 %.2f s off, %.2f s on; end-to-end %.2f files/s off, %.2f on (× %.2f).",
				off.Topology.describe(), off.Small.P95, on.Small.P95, off.FilesPerSec, on.FilesPerSec, ratio(on.FilesPerSec, off.FilesPerSec)))
		}
	}
	out = append(out, r.ownCoreReadings()...)
	for _, s := range r.Scenarios {
		if s.Errors+s.Failed+s.Incomplete > 0 {
			out = append(out, fmt.Sprintf("%s, antivirus %s: %d upload errors, %d previews failed, %d still incomplete at the time limit.",
				s.Topology.describe(), onOff(s.Antivirus), s.Errors, s.Failed, s.Incomplete))
		}
	}
	return out
}

// rawVersusJobs compares the time a render takes in the raw pass (its slots'
// wall time per file) with the preview jobs' own run time, which adds the
// download and the storing of the renditions: when the jobs are faster, the
// bench's in-process pass is not the ceiling it stands for, and "× raw" above 1
// says so rather than that the pipeline beats the renderer.
func (r Report) rawVersusJobs(raw float64) string {
	var runs []float64
	for _, s := range r.Scenarios {
		for _, j := range s.previewJobs() {
			if j.Jobs > 0 {
				runs = append(runs, j.Run.P50)
			}
		}
	}
	if raw == 0 || len(runs) == 0 {
		return ""
	}
	perFile := float64(r.rawInFlight()) / raw
	jobs := stats(runs).P50
	line := fmt.Sprintf("The raw pass took %.2f s per file and slot (%d in flight at %.2f files/s); the preview jobs ran in %.2f s (median of the scenarios' p50, download and storing included).",
		perFile, r.rawInFlight(), raw, jobs)
	if jobs < perFile {
		line += " The jobs being the faster, the bench's in-process pass was slower than the same renderer in a Cartable process"
		if cores := r.rawCores(); cores > 0 {
			line += fmt.Sprintf(": it kept %.2f cores busy on average, its %d renders in flight getting that share of the shared machine, while its CPU time per file is about the jobs' (below)", cores, r.rawInFlight())
		}
		line += ". \"× raw\" therefore overstates the pipeline on a loaded machine; the CPU time per file and \"render slots busy\" depend much less on it."
	}
	return line
}

// rawCores is the mean number of cores the raw passes kept busy (0: unknown).
func (r Report) rawCores() float64 {
	var cpu, wall float64
	for _, x := range r.Raw {
		if x.CPUSeconds == 0 {
			return 0
		}
		cpu, wall = cpu+x.CPUSeconds, wall+x.Seconds
	}
	return ratio(cpu, wall)
}

// cpuPerFile compares the CPU time a file costs in the raw pass with what it
// costs the processes that ran the jobs: CPU time counts what was done, whatever
// else the machine was doing, where wall time does not.
func (r Report) cpuPerFile() string {
	files := float64(r.Photos + r.PDFs)
	var raws []string
	for _, x := range r.Raw {
		if x.CPUSeconds > 0 {
			raws = append(raws, fmt.Sprintf("%.2f", x.CPUSeconds/files))
		}
	}
	var jobs []string
	for _, s := range r.Scenarios {
		if s.JobsCPUSeconds > 0 {
			jobs = append(jobs, fmt.Sprintf("%s, antivirus %s: %.2f", s.Topology.short(), onOff(s.Antivirus), s.JobsCPUSeconds/files))
		}
	}
	if len(raws) == 0 || len(jobs) == 0 {
		return ""
	}
	return fmt.Sprintf("CPU time per file (user + system, converters included): the raw pass %s s; the processes running the jobs (their whole life: start, scans, renders, storing; a lone node's serving too) %s s.",
		strings.Join(raws, " and "), strings.Join(jobs, "; "))
}

// short names a deployment in a sentence.
func (t Topology) short() string {
	if t.OwnCore {
		return "1 worker on its own core"
	}
	if t.Workers == 0 {
		return "one node"
	}
	return fmt.Sprintf("%d worker(s)", t.Workers)
}

// find is the scenario of a deployment (by its worker processes) and antivirus setting.
func (r Report) find(workers int, antivirus bool) *Scenario {
	for i, s := range r.Scenarios {
		if s.Topology.Workers == workers && !s.Topology.OwnCore && s.Antivirus == antivirus {
			return &r.Scenarios[i]
		}
	}
	return nil
}

func (r Report) rawLoads() string {
	var parts []string
	for _, x := range r.Raw {
		parts = append(parts, fmt.Sprintf("%.1f–%.1f", x.Load[0], x.Load[1]))
	}
	return strings.Join(parts, " and ")
}

func (t Topology) describe() string {
	if t.OwnCore {
		return fmt.Sprintf("API node (jobs off) + 1 `worker` on a core of its own (%d preview, %d scan at once), the rest on the other core(s)", t.PreviewWorkers, t.AntivirusWorkers)
	}
	if t.Workers == 0 {
		return fmt.Sprintf("one `serve` running the jobs (%d preview(s), %d scan at once)", t.PreviewWorkers, t.AntivirusWorkers)
	}
	return fmt.Sprintf("API node (jobs off) + %d `worker` (%d preview(s), %d scan at once each)", t.Workers, t.PreviewWorkers, t.AntivirusWorkers)
}

// slots is how many previews the deployment renders at once.
func (t Topology) slots() int { return t.PreviewWorkers * max(1, t.Workers) }

func (s Scenario) job(kind string) JobTimes {
	for _, j := range s.Jobs {
		if j.Kind == kind {
			return j
		}
	}
	return JobTimes{}
}

// previewJobs are the scenario's kinds of preview jobs (one row when none ran).
func (s Scenario) previewJobs() []JobTimes {
	var out []JobTimes
	for _, j := range s.Jobs {
		if strings.HasPrefix(j.Kind, "preview.") {
			out = append(out, j)
		}
	}
	if len(out) == 0 {
		out = append(out, JobTimes{Kind: "preview.render"})
	}
	return out
}

func pair(j JobTimes, st Stats) string {
	if j.Jobs == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f / %.2f", st.P50, st.P95)
}

func onOff(on bool) string {
	if on {
		return "clamd on"
	}
	return "off"
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (r Report) avgPhotoMiB() float64 {
	if r.Photos == 0 {
		return 0
	}
	return float64(r.Bytes) / float64(r.Photos) / (1 << 20) // PDFs are a few kB
}

func (r Report) rawInFlight() int {
	if len(r.Raw) == 0 {
		return 0
	}
	return r.Raw[0].InFlight
}

// rateList is the raw passes' rates in words ("5.31 and 5.29").
func rateList(raws []Raw) string {
	var parts []string
	for _, x := range raws {
		parts = append(parts, fmt.Sprintf("%.2f", x.FilesPerSec))
	}
	return strings.Join(parts, " and ")
}

// smallByKindTable is the small thumbnail's wait per kind of file: each comes its
// own way (a camera thumbnail at once, a frame Go decodes, a PDF after its scan),
// and the p95 of the whole says little of which way is slow.
func smallByKindTable(scenarios []Scenario) string {
	kinds := []string{kindCameraThumb, kindNoThumb, kindPDF}
	var b strings.Builder
	fmt.Fprintf(&b, "\nThe small thumbnail's wait after the 201 by kind of file (p50 / p95 / max, s; how many):\n\n| Deployment | Antivirus |")
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s |", k)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(kinds)) + "\n")
	for _, s := range scenarios {
		fmt.Fprintf(&b, "| %s | %s |", s.Topology.describe(), onOff(s.Antivirus))
		for _, k := range kinds {
			st, ok := s.SmallByKind[k]
			if !ok {
				b.WriteString(" — |")
				continue
			}
			fmt.Fprintf(&b, " %.2f / %.2f / %.2f (%d) |", st.P50, st.P95, st.Max, st.N)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// cpuTable says where the machine's CPU went during each scenario: the raw pass
// has the cores to itself, a scenario shares them with the uploads' way in
// (Cartable's serving, MinIO), the scans, PostgreSQL and the bench's own
// clients. "Renders" is what the files rendered would have cost in the raw pass
// (its CPU time per file): the part of the machine the renderer could have had.
func (r Report) cpuTable() string {
	rawPerFile := r.cpuPerRawFile(r.Raw)
	var b strings.Builder
	b.WriteString("\nWhere the machine's CPU went, from the first upload to the last rendition (CPU seconds, /proc; a process with the children it reaped: " +
		"a node's converters, PostgreSQL's ended backends), and the renders' share, their raw-pass CPU time over the machine's busy time:\n\n" +
		"| Deployment | Antivirus | Machine busy | Cartable | MinIO | PostgreSQL | clamd | Bench clients | Other | Renders (raw-pass CPU) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		c := s.CPU
		if c.Machine == 0 {
			continue
		}
		renders := rawPerFile * float64(s.Complete)
		pct := func(v float64) string { return fmt.Sprintf("%.1f (%.0f %%)", v, 100*v/c.Machine) }
		fmt.Fprintf(&b, "| %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %s |\n", s.Topology.describe(), onOff(s.Antivirus), c.Machine,
			pct(c.Cartable), pct(c.MinIO), pct(c.PostgreSQL), pct(c.Clamd), pct(c.Bench), pct(c.Other), pct(renders))
	}
	return b.String()
}

// ownCoreReadings split what a worker on its own core loses against the
// renderer alone on that core: the CPU its pipeline adds per file, and the time
// its core had nothing to render (the burst's first uploads, waits on S3 and
// PostgreSQL on the other core, the tail).
func (r Report) ownCoreReadings() []string {
	files := float64(r.Photos + r.PDFs)
	rawCPU := r.cpuPerRawFile(r.RawOneCore)
	var out []string
	for _, s := range r.Scenarios {
		cpu := s.WorkerCPUSeconds
		if !s.Topology.OwnCore || s.RenderedSeconds == 0 || cpu == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("The worker on a core of its own, antivirus %s: %.2f files/s, %.2f × the renderer alone on that core; "+
			"from the first upload to the last rendition its process took %.2f s of CPU per file against the one-core raw pass's %.2f (× %.2f), and kept its core busy %.0f %% of those %.1f s.",
			onOff(s.Antivirus), s.FilesPerSec, ratio(s.FilesPerSec, meanRate(r.RawOneCore)), cpu/files, rawCPU,
			ratio(rawCPU, cpu/files), 100*cpu/s.RenderedSeconds, s.RenderedSeconds))
		// The stages are rendered as with the antivirus off: with it on, the
		// photos without a trusted thumbnail are decoded in Go while their scan
		// runs and have no small stage, which the pass does not model.
		if staged := meanRate(r.StagedOneCore); staged > 0 && !s.Antivirus {
			out = append(out, fmt.Sprintf("The worker on a core of its own, antivirus %s, against the stages rendered back to back on that core: %.2f × end to end, %.2f × after the uploads; "+
				"the stages' CPU time per file over its process's: × %.2f.",
				onOff(s.Antivirus), ratio(s.FilesPerSec, staged), ratio(s.AfterUploadsPerSec(), staged), ratio(r.cpuPerRawFile(r.StagedOneCore), cpu/files)))
		}
	}
	return out
}

// cpuPerRawFile is the CPU time a file cost in raw passes, on their mean.
func (r Report) cpuPerRawFile(raws []Raw) float64 {
	var cpu float64
	for _, x := range raws {
		cpu += x.CPUSeconds
	}
	return ratio(cpu, float64(len(raws)*(r.Photos+r.PDFs)))
}
