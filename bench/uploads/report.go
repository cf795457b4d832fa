package main

import (
	"fmt"
	"strings"

	"cartable/bench/record"
)

func (r Report) find(peer, scenario string) (Result, bool) {
	for _, res := range r.Results {
		if res.Peer == peer && res.Scenario == scenario {
			return res, true
		}
	}
	return Result{}, false
}

// Markdown is the upload section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("## Uploads (`make bench`, bench/uploads)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, against one local MinIO; every figure of a table comes from the same run.\n\n", r.Date, r.Machine)
	for _, sc := range []struct{ name, title string }{
		{"single", fmt.Sprintf("One %d MiB file (median of the runs, errors of all runs)", r.Size>>20)},
		{"burst", fmt.Sprintf("%d uploads of %d MiB at once (median of the runs, errors of all runs)", r.Concurrent, r.Each>>20)},
	} {
		cart, _ := r.find(peerCartable, sc.name)
		tusd, _ := r.find(peerTusd, sc.name)
		put, _ := r.find(peerPut, sc.name)
		fmt.Fprintf(&b, "### %s\n\n| peer | MiB/s | vs stock tusd | vs PutObject | p50 ms | p99 ms | errors | peak RSS MiB | per upload KiB |\n|---|---|---|---|---|---|---|---|---|\n", sc.title)
		for _, res := range []Result{put, tusd, cart} {
			fmt.Fprintf(&b, "| %s | %.0f | %.2f × | %.2f × | %s | %s | %d | %s | %s |\n", res.Peer, res.MiBps,
				ratio(res.MiBps, tusd.MiBps), ratio(res.MiBps, put.MiBps), ms(res.P50ms), ms(res.P99ms), res.Errors,
				mem(res.PeakRSSMiB), mem(res.PerUploadKiB))
		}
		b.WriteString("\n")
	}
	b.WriteString("### Cartable's S3 store settings, one 1 GiB file\n\n| settings (others at their defaults) | MiB/s | vs PutObject |\n|---|---|---|\n")
	put, _ := r.find(peerPut, "single")
	def, _ := r.find(peerCartable, "single")
	fmt.Fprintf(&b, "| defaults: part 16 MiB, 4 buffered, 8 concurrent, no part hashes, system temp | %.0f | %.2f × |\n", def.MiBps, ratio(def.MiBps, put.MiBps))
	for _, res := range r.Results {
		if res.Scenario == "tuning" {
			fmt.Fprintf(&b, "| %s | %.0f | %.2f × |\n", res.Settings, res.MiBps, ratio(res.MiBps, put.MiBps))
		}
	}
	b.WriteString("\n")
	return b.String()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ms(v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

func mem(v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

// save writes the raw results and rewrites the upload section of the markdown file.
func (r Report) save(dir, md string) error {
	if _, err := record.Raw(dir, "uploads", r); err != nil {
		return err
	}
	return record.Section(md, "uploads", r.Markdown())
}
