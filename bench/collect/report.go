package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"cartable/bench/record"
)

// Report is one run of the benchmark.
type Report struct {
	Machine string `json:"machine"`
	Date    string `json:"date"`
	Pupils  int    `json:"pupils"`
	Each    int64  `json:"each"`
	Few     int    `json:"few"`
	Runs    int    `json:"runs"`
	// Load is the machine's load average (1 min) before and after the rounds: on a
	// shared machine, what else ran.
	Load    [2]float64 `json:"load_average"`
	Results []Result   `json:"results"`
}

// median is the peer's round of median throughput.
func (r Report) median(peer string) (Result, []float64) {
	var rounds []Result
	var speeds []float64
	for _, res := range r.Results {
		if res.Peer == peer {
			rounds = append(rounds, res)
			speeds = append(speeds, res.MiBps)
		}
	}
	if len(rounds) == 0 {
		return Result{}, nil
	}
	sorted := slices.Clone(rounds)
	slices.SortFunc(sorted, func(a, b Result) int { return int(a.MiBps*1000 - b.MiBps*1000) })
	return sorted[len(sorted)/2], speeds
}

// growth is how much the heap grew during a download, over its level before.
func (res Result) growth() float64 { return res.HeapPeakMiB - res.HeapBeforeMiB }

// growths is the heap's growth in each of the peer's rounds, and their median: one
// round that starts on the garbage of what ran before does not decide.
func (r Report) growths(peer string) ([]float64, float64) {
	var g []float64
	for _, res := range r.Results {
		if res.Peer == peer {
			g = append(g, res.growth())
		}
	}
	if len(g) == 0 {
		return nil, 0
	}
	sorted := slices.Sorted(slices.Values(g))
	return g, sorted[len(sorted)/2]
}

// Markdown is the collect section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	zip, zipRounds := r.median(peerZip)
	each, eachRounds := r.median(peerEach)
	few, _ := r.median(peerFew)
	ratio := zip.MiBps / each.MiBps
	b.WriteString("## Collect: every hand-in as one zip (`make bench`, bench/collect)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, one Cartable node (`cartable serve`) against the stack's PostgreSQL and MinIO on the same machine. "+
		"%d pupils of 6A each handed in one %d MiB file (random bytes: stored in the zip, not deflated, like the docx, PDFs and photos pupils hand in). "+
		"The teacher downloads every hand-in as one zip (POST collect, then GET its signed URL, both timed) and, in the same rounds, "+
		"the same %d pinned versions one by one over HTTP (one kept-alive connection); %d rounds, the order alternating, each way's median round kept. "+
		"The server's memory is sampled during each download: RSS from /proc every 20 ms, the Go heap in use (go_memstats_heap_inuse_bytes, /metrics) every 100 ms.\n\n",
		r.Date, r.Machine, r.Pupils, r.Each>>20, r.Pupils, r.Runs)
	fmt.Fprintf(&b, "Load average (1 min) before and after the rounds: %.1f and %.1f.\n\n", r.Load[0], r.Load[1])
	b.WriteString("| download | files | MiB | seconds | MiB/s | vs one by one | heap before → peak MiB | RSS before → peak MiB |\n|---|---|---|---|---|---|---|---|\n")
	for _, res := range []Result{zip, each, few} {
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.2f | %.0f | %.2f × | %.1f → %.1f | %.0f → %.0f |\n", res.Peer, res.Files, float64(res.Bytes)/(1<<20),
			res.Seconds, res.MiBps, res.MiBps/each.MiBps, res.HeapBeforeMiB, res.HeapPeakMiB, res.RSSBeforeMiB, res.RSSPeakMiB)
	}
	fmt.Fprintf(&b, "\nRound by round, MiB/s: zip %s; one by one %s.\n\n", joinf(zipRounds), joinf(eachRounds))
	zipGrowths, zipGrowth := r.growths(peerZip)
	eachGrowths, eachGrowth := r.growths(peerEach)
	_, fewGrowth := r.growths(peerFew)
	fmt.Fprintf(&b, "Heap growth during each round, MiB: zip %s; one by one %s.\n\n", joinf1(zipGrowths), joinf1(eachGrowths))
	b.WriteString("| target (issue 13) | measured | |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| zip ≥ 0.8 × the throughput of the same files one by one | %.2f × | %s |\n", ratio, met(ratio >= 0.8))
	fmt.Fprintf(&b, "| flat memory: heap growth (median of the rounds) of the zip of %d pupils (%.0f MiB) within 8 MiB of the zip of %d pupils (%.0f MiB) or of the same files one by one | +%.1f MiB vs +%.1f and +%.1f MiB | %s |\n",
		r.Pupils, float64(zip.Bytes)/(1<<20), r.Few, float64(few.Bytes)/(1<<20), zipGrowth, fewGrowth, eachGrowth, met(zipGrowth <= max(fewGrowth, eachGrowth)+8))
	b.WriteString("\n`go run ./bench/collect` (flags: -pupils, -each, -few, -runs); raw figures in bench/results/collect-*.json. " +
		"The zip streams each file through one 256 KiB buffer and its list of entries is a few KiB per pupil, so its memory does not " +
		"follow its size. The heap in use also counts garbage not collected yet (a few MiB per 700 MiB served, by either way): rounds " +
		"that run before the runtime's next collection start higher and each adds its garbage, then a collection brings the heap back " +
		"to its level at rest; hence the comparison with the one-by-one downloads, which hold nothing from one file to the next, " +
		"and every round's figures in the raw results.\n\n")
	return b.String()
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func joinf1(v []float64) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = fmt.Sprintf("+%.1f", f)
	}
	return strings.Join(s, ", ")
}

func joinf(v []float64) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = fmt.Sprintf("%.0f", f)
	}
	return strings.Join(s, ", ")
}

// save writes the raw results and the collect section of BENCHMARKS.md.
func (r Report) save(dir, md string) error {
	path, err := record.Raw(dir, "collect", r)
	if err != nil {
		return err
	}
	logf("raw results in %s", path)
	return record.Section(md, "collect", r.Markdown())
}

// loadAverage is the machine's load average over the last minute (0 elsewhere).
func loadAverage() float64 {
	var l float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscanf(string(b), "%f", &l)
	}
	return l
}
