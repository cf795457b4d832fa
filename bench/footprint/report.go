package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Report is one run: the workload, what it did, and the snapshots around it.
type Report struct {
	Machine  string   `json:"machine"`
	Date     string   `json:"date"`
	Workload Workload `json:"workload"`
	Done     Done     `json:"done"`
	Seconds  float64  `json:"seconds"`
	Before   Snapshot `json:"before"`
	After    Snapshot `json:"after"`
}

// Growth is one table's (or object folder's) growth over the run.
type Growth struct {
	Name  string
	Count int64
	Bytes int64
}

// growth lists what grew between two sets of sizes, the largest first.
func growth(before, after map[string]Size) []Growth {
	var out []Growth
	for name, a := range after {
		b := before[name]
		if g := (Growth{name, a.Count - b.Count, a.Bytes - b.Bytes}); g.Count > 0 || g.Bytes > 0 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(x, y Growth) int { return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), strings.Compare(x.Name, y.Name)) })
	return out
}

// Markdown is the report's section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	d, files := r.Done, float64(r.Done.Files)
	fmt.Fprintf(&b, "## What a file costs PostgreSQL and S3 (bench/footprint)\n\n")
	fmt.Fprintf(&b, "Run %s on %s; `go run ./bench/footprint` (flags: -files, -photo-every, -share-every, -version-every). "+
		"One node running its jobs (antivirus as the stack gives it, thumbnails, events) over a fresh database and bucket. "+
		"prof.martin posts %d files into 6A's class space (%d photos of 640 × 480, the others 1–64 KiB), "+
		"a pupil opens each one, %d are shared with class 5B, %d get a second version; %.0f s with the jobs run to the end. "+
		"Each table's growth (rows; bytes with its indexes and TOAST, after VACUUM ANALYZE) divided by the files posted. "+
		"The basis of deploy/CAPACITY.md.\n\n", r.Date, r.Machine, d.Files, d.Photos, d.Shares, d.Versions, r.Seconds)
	fmt.Fprintf(&b, "| Table | Rows per file | Bytes per row | Bytes per file |\n|---|---|---|---|\n")
	var total int64
	for _, g := range growth(r.Before.Tables, r.After.Tables) {
		total += g.Bytes
		perRow := "—"
		if g.Count > 0 {
			perRow = fmt.Sprintf("%.0f", float64(g.Bytes)/float64(g.Count))
		}
		fmt.Fprintf(&b, "| %s | %.2f | %s | %.0f |\n", g.Name, float64(g.Count)/files, perRow, float64(g.Bytes)/files)
	}
	fmt.Fprintf(&b, "| **all tables** | | | **%.0f** |\n\n", float64(total)/files)
	fmt.Fprintf(&b, "| Objects | Objects per file | Bytes per object | Bytes per file |\n|---|---|---|---|\n")
	for _, g := range growth(r.Before.Objects, r.After.Objects) {
		fmt.Fprintf(&b, "| %s/ | %.2f | %.0f | %.0f |\n", g.Name, float64(g.Count)/files, float64(g.Bytes)/float64(max(1, g.Count)), float64(g.Bytes)/files)
	}
	if p := r.After.Objects["previews"].Count - r.Before.Objects["previews"].Count; d.Photos > 0 {
		fmt.Fprintf(&b, "\nThumbnails: %.1f objects per photo (3 sizes × WebP and JPEG), %.0f bytes per photo.",
			float64(p)/float64(d.Photos), float64(r.After.Objects["previews"].Bytes-r.Before.Objects["previews"].Bytes)/float64(d.Photos))
	}
	fmt.Fprintf(&b, " The files' own bytes were %.0f per file (versions included). river_job keeps finished jobs an hour (a day before 2026-12-04), "+
		"the events feed and the audit log theirs (their retention settings); the run is shorter than any of them, so their rows per file are all its activity leaves.\n", float64(d.Bytes)/files)
	return b.String()
}
