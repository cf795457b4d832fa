package main

import (
	"fmt"
	"strings"

	"cartable/bench/record"
)

// Report is one run: the folder, the two zips, what unzip said, the dropped download.
type Report struct {
	Machine        string   `json:"machine"`
	Date           string   `json:"date"`
	Shape          Shape    `json:"shape"`
	Workers        int      `json:"upload_workers"`
	Files          int      `json:"files"`
	Bytes          int64    `json:"bytes"`
	FillSeconds    float64  `json:"fill_seconds"`
	Small          Download `json:"zip_of_one_sub_folder"`
	Whole          Download `json:"zip_of_the_folder"`
	Entries        int      `json:"entries"`
	Unzip          string   `json:"unzip"`
	TestSeconds    float64  `json:"unzip_test_seconds"`
	ExtractSeconds float64  `json:"unzip_extract_seconds"`
	BytesEqual     int      `json:"files_equal"`
	Drop           Drop     `json:"dropped"`
}

// Markdown is the section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	gib := func(n int64) string { return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30)) }
	fmt.Fprintf(&b, "## Folder zips at school size (bench/zip)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, one Cartable node (`cartable serve`) against the stack's PostgreSQL and MinIO on the same machine. "+
		"prof.martin fills \"%s\" through the API (multipart uploads, %d at once took %.0f s): %d sub-folders of %d small files (1 KiB to %d KiB, half text, half random bytes), "+
		"%d large files of %s each, and an empty folder — %d files, %s. Then the whole folder is downloaded as one zip (`POST /api/v1/zips`, its signed URL) "+
		"while the server's memory is sampled (RSS every 20 ms, Go heap in use every 100 ms), beside the zip of one sub-folder; Info-ZIP's unzip tests, lists and extracts it, "+
		"and every extracted file is compared with what was uploaded (SHA-256); then a third download is dropped after 256 MiB (or half the zip, if smaller).\n\n",
		r.Date, r.Machine, root, r.Workers, r.FillSeconds, r.Shape.Folders, r.Shape.PerFolder, r.Shape.SmallMax>>10, r.Shape.Large, gib(r.Shape.LargeBytes), r.Files, gib(r.Bytes))
	zip64 := ""
	if r.Entries > 65535 || r.Whole.Bytes > 4<<30 {
		zip64 = " (read only if its ZIP64 records are right: over 65,535 entries or 4 GiB)"
	}
	fmt.Fprintf(&b, "| Zip | Files | Size | Seconds | MiB/s | Go heap in use, MiB (before → peak) | RSS, MiB (before → peak) |\n|---|---|---|---|---|---|---|\n")
	for _, d := range []struct {
		name string
		d    Download
	}{{"one sub-folder", r.Small}, {"the whole folder", r.Whole}} {
		fmt.Fprintf(&b, "| %s | %d | %.1f MiB | %.1f | %.0f | %.1f → %.1f | %.0f → %.0f |\n", d.name, d.d.Files, float64(d.d.Bytes)/(1<<20), d.d.Seconds, d.d.MiBps,
			d.d.HeapBeforeMiB, d.d.HeapPeakMiB, d.d.RSSBeforeMiB, d.d.RSSPeakMiB)
	}
	fmt.Fprintf(&b, "\n| Check | Result |\n|---|---|\n")
	fmt.Fprintf(&b, "| `%s`: `unzip -t` (every entry's CRC) | no error, %d entries%s, in %.0f s |\n", r.Unzip, r.Entries, zip64, r.TestSeconds)
	fmt.Fprintf(&b, "| names: `unzip -Z1` against the folder | the %d files and %d folders (the empty one too), UTF-8, no other |\n", r.Files, r.Entries-r.Files)
	fmt.Fprintf(&b, "| bytes: `unzip` extracts (%.0f s), SHA-256 of each file | %d of %d equal |\n", r.ExtractSeconds, r.BytesEqual, r.Files)
	fmt.Fprintf(&b, "| flat memory: peaks while the whole folder streams vs one sub-folder (%.0f× fewer bytes) | Go heap %.1f vs %.1f MiB, RSS %.0f vs %.0f MiB |\n",
		float64(r.Whole.Bytes)/float64(max(1, r.Small.Bytes)), r.Whole.HeapPeakMiB, r.Small.HeapPeakMiB, r.Whole.RSSPeakMiB, r.Small.RSSPeakMiB)
	fmt.Fprintf(&b, "| a download dropped after %d MiB | the server's goroutines %.0f at rest, %.0f while it streams, %.0f again %.2f s after the hang-up; heap %.1f MiB |\n\n",
		r.Drop.ReadBytes>>20, r.Drop.GoroutinesAtRest, r.Drop.GoroutinesDuring, r.Drop.GoroutinesAfter, r.Drop.ReleasedSeconds, r.Drop.HeapAfterMiB)
	fmt.Fprintf(&b, "`go run ./bench/zip` (flags: -folders, -per-folder, -small-max, -large, -large-bytes, -workers, -dir; a 10 GiB folder: `-large 6 -large-bytes 1610612736`); "+
		"not in `make bench` (filling 70,000 files takes minutes and the run needs twice the folder's size on disk). Raw figures in bench/results/zip-*.json.\n")
	return b.String()
}

func (r Report) save(dir, md string) error {
	path, err := record.Raw(dir, "zip", r)
	if err != nil {
		return err
	}
	logf("raw results in %s", path)
	return record.Section(md, "zip", r.Markdown())
}
