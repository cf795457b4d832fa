package main

import (
	"fmt"
	"strings"
)

// Report is one run.
type Report struct {
	Machine    string     `json:"machine"`
	Date       string     `json:"date"`
	Seconds    float64    `json:"seconds"` // the whole run
	Pupils     int        `json:"pupils"`
	Photos     int        `json:"photos"`
	PDFs       int        `json:"pdfs"`
	Distinct   int        `json:"distinct_photos"`
	Bytes      int64      `json:"bytes"`
	PollMillis int64      `json:"poll_ms"`
	Raw        []Raw      `json:"raw"` // before and after the scenarios
	Scenarios  []Scenario `json:"scenarios"`
	Notes      []string   `json:"notes,omitempty"`
}

// RawRate is the mean of the raw rates measured around the scenarios.
func (r Report) RawRate() float64 {
	sum := 0.0
	for _, x := range r.Raw {
		sum += x.FilesPerSec
	}
	if len(r.Raw) == 0 {
		return 0
	}
	return sum / float64(len(r.Raw))
}

// Markdown is the section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	raw := r.RawRate()
	fmt.Fprintf(&b, "## Thumbnails at the 8:00 rush (`make bench`, bench/rush)\n\n")
	fmt.Fprintf(&b, "Run %s on %s; the whole run took %.0f s. `go run ./bench/rush` against the stack's PostgreSQL, MinIO and clamd on the same machine, "+
		"each scenario over a fresh database (the demo collège) and bucket, with the binary built from this tree.\n\n", r.Date, r.Machine, r.Seconds)
	fmt.Fprintf(&b, "The burst: the %d pupils of 6A (eleve.6a.01…) send at once %d phone photos (12 MP, 4000 × 3000 JPEG; most with an EXIF thumbnail, some turned by EXIF orientation; %.1f MiB each on average) "+
		"and %d PDFs (1 to 10 pages) into a folder the teacher made in the class space: %.0f MiB in all, through tus in one request per file as the web app sends a file below its part size, "+
		"three files at a time per pupil. The teacher's screen lists the folder every %d ms. "+
		"Per file, from its upload's 201: **small** is when the listing first shows `thumbnails.small`, **all** when it shows small, medium and large.\n\n",
		r.Pupils, r.Photos, r.avgPhotoMiB(), r.PDFs, float64(r.Bytes)/(1<<20), r.PollMillis)
	fmt.Fprintf(&b, "| Deployment | Antivirus | Small p50 / p95 / max, s | All p50 / p95 / max, s | Uploads done, s | Last rendition, s | End-to-end files/s | × raw |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "| %s | %s | %.2f / **%.2f** / %.2f | %.2f / %.2f / %.2f | %.1f | %.1f | %.2f | **%.2f** |\n",
			s.Topology.describe(), onOff(s.Antivirus), s.Small.P50, s.Small.P95, s.Small.Max, s.All.P50, s.All.P95, s.All.Max,
			s.BurstSeconds, s.RenderedSeconds, s.FilesPerSec, ratio(s.FilesPerSec, raw))
	}
	fmt.Fprintf(&b, "\nRaw renderer rate, the same %d files rendered in-process by preview.Renderer (all sizes and formats, %d in flight), before and after the scenarios: %s files/s; their mean, %.2f files/s, is the \"× raw\" denominator. "+
		"Targets of issue 17: small p95 < 2 s; end-to-end ≥ 0.9 × raw.\n\n", r.Photos+r.PDFs, r.rawInFlight(), r.rawList(), raw)
	fmt.Fprintf(&b, "Where the time goes, from river's rows (river_job: queue wait = attempted_at − created_at, run = finalized_at − attempted_at; p50 / p95, s):\n\n")
	fmt.Fprintf(&b, "| Deployment | Antivirus | Scan wait | Scan run | Preview wait | Preview run | Preview run, sum of jobs, s |\n|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		scan, prev := s.job("antivirus.scan"), s.job("preview.render")
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.1f |\n", s.Topology.describe(), onOff(s.Antivirus),
			pair(scan, scan.Wait), pair(scan, scan.Run), pair(prev, prev.Wait), pair(prev, prev.Run), prev.RunSum)
	}
	b.WriteString("\n")
	for _, s := range r.Scenarios {
		if s.Errors+s.Failed+s.Incomplete > 0 {
			fmt.Fprintf(&b, "- %s, antivirus %s: %d upload errors, %d previews failed, %d still incomplete at the time limit.\n",
				s.Topology.describe(), onOff(s.Antivirus), s.Errors, s.Failed, s.Incomplete)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

func (t Topology) describe() string {
	if t.Workers == 0 {
		return fmt.Sprintf("one `serve` running the jobs (%d previews, %d scan at once)", t.PreviewWorkers, t.AntivirusWorkers)
	}
	return fmt.Sprintf("API node (jobs off) + %d `worker` (%d previews, %d scan at once each)", t.Workers, t.PreviewWorkers, t.AntivirusWorkers)
}

func (s Scenario) job(kind string) JobTimes {
	for _, j := range s.Jobs {
		if j.Kind == kind {
			return j
		}
	}
	return JobTimes{}
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

func (r Report) rawList() string {
	var parts []string
	for _, x := range r.Raw {
		parts = append(parts, fmt.Sprintf("%.2f", x.FilesPerSec))
	}
	return strings.Join(parts, " and ")
}
