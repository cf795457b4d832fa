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

// tableOrder is the order of the peers in the tables: the baselines first.
var tableOrder = []string{peerPut, peerPutUnsigned, peerTusd, peerCartable}

// Markdown is the upload section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("## Uploads (`make bench`, bench/uploads)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, against one local MinIO; every figure of a table comes from the same run. "+
		"Each scenario ran in %d interleaved rounds (every peer once a round, in reverse order every other round) "+
		"after a warm-up; each peer's figures are those of its median round, its errors those of all rounds. "+
		"CPU s is the CPU time, during that round, of the server under test, of the benchmark's clients (minio-go's included) "+
		"and of the rest of the machine (MinIO, PostgreSQL, anything else running).\n\n",
		r.Date, r.Machine, r.Runs)
	for _, sc := range []struct{ name, title string }{
		{"single", fmt.Sprintf("One %d MiB file", r.Size>>20)},
		{"burst", fmt.Sprintf("%d uploads of %d MiB at once", r.Concurrent, r.Each>>20)},
	} {
		tusd, _ := r.find(peerTusd, sc.name)
		put, _ := r.find(peerPut, sc.name)
		unsigned, _ := r.find(peerPutUnsigned, sc.name)
		cart, _ := r.find(peerCartable, sc.name)
		fmt.Fprintf(&b, "### %s\n\n", sc.title)
		b.WriteString("| peer | MiB/s | vs stock tusd | vs PutObject (defaults) | vs PutObject (no SHA-256) | p50 ms | p99 ms | errors | peak RSS MiB | per upload KiB | CPU s: server · client · rest |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, peer := range tableOrder {
			res, ok := r.find(peer, sc.name)
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "| %s | %.0f | %.2f × | %.2f × | %.2f × | %s | %s | %d | %s | %s | %s · %.1f · %.1f |\n", res.Peer, res.MiBps,
				ratio(res.MiBps, tusd.MiBps), ratio(res.MiBps, put.MiBps), ratio(res.MiBps, unsigned.MiBps),
				ms(res.P50ms), ms(res.P99ms), res.Errors, mem(res.PeakRSSMiB), mem(res.PerUploadKiB),
				cpuText(res.CPUServerS), res.CPUClientS, res.CPURestS)
		}
		b.WriteString("\nRound by round, MiB/s: ")
		var rounds []string
		for _, peer := range tableOrder {
			if res, ok := r.find(peer, sc.name); ok {
				rounds = append(rounds, fmt.Sprintf("%s %s", res.Peer, joinf(res.Rounds, "%.0f")))
			}
		}
		b.WriteString(strings.Join(rounds, "; "))
		fmt.Fprintf(&b, ". Cartable / stock tusd: %s; Cartable / PutObject (defaults): %s; Cartable / PutObject (no SHA-256): %s.\n\n",
			joinf(perRound(cart, tusd), "%.2f"), joinf(perRound(cart, put), "%.2f"), joinf(perRound(cart, unsigned), "%.2f"))
	}
	r.targets(&b)
	fmt.Fprintf(&b, "### Cartable's S3 store settings, one %d MiB file\n\n", r.Size>>20)
	b.WriteString("| settings (others at their defaults) | MiB/s | vs PutObject (defaults) | vs PutObject (no SHA-256) |\n|---|---|---|---|\n")
	put, _ := r.find(peerPut, "single")
	unsigned, _ := r.find(peerPutUnsigned, "single")
	def, _ := r.find(peerCartable, "single")
	fmt.Fprintf(&b, "| defaults: part 16 MiB, 4 buffered, 8 concurrent, no part hashes, system temp (median round above) | %.0f | %.2f × | %.2f × |\n",
		def.MiBps, ratio(def.MiBps, put.MiBps), ratio(def.MiBps, unsigned.MiBps))
	for _, res := range r.Results {
		if res.Scenario == "tuning" {
			fmt.Fprintf(&b, "| %s | %.0f | %.2f × | %.2f × |\n", res.Settings, res.MiBps, ratio(res.MiBps, put.MiBps), ratio(res.MiBps, unsigned.MiBps))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// targets writes issue 9's targets, measured on the medians of this run.
func (r Report) targets(b *strings.Builder) {
	cartBurst, _ := r.find(peerCartable, "burst")
	tusdBurst, _ := r.find(peerTusd, "burst")
	putBurst, _ := r.find(peerPut, "burst")
	unsignedBurst, _ := r.find(peerPutUnsigned, "burst")
	cartSingle, _ := r.find(peerCartable, "single")
	putSingle, _ := r.find(peerPut, "single")
	unsignedSingle, _ := r.find(peerPutUnsigned, "single")
	b.WriteString("### Targets (issue 9), on the medians of this run\n\n| target | measured | |\n|---|---|---|\n")
	row := func(target, measured string, ok bool) {
		verdict := "missed"
		if ok {
			verdict = "met"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", target, measured, verdict)
	}
	vs := func(num, den float64) (string, float64) { x := ratio(num, den); return fmt.Sprintf("%.2f ×", x), x }
	m, x := vs(cartBurst.MiBps, tusdBurst.MiBps)
	row("burst ≥ 1.5 × stock tusd", m, x >= 1.5)
	m, x = vs(cartBurst.MiBps, putBurst.MiBps)
	row("burst ≥ 0.8 × PutObject (defaults)", m, x >= 0.8)
	row("burst: 0 errors (all rounds)", fmt.Sprint(cartBurst.Errors), cartBurst.Errors == 0)
	m, x = vs(cartSingle.MiBps, putSingle.MiBps)
	row(fmt.Sprintf("one %d MiB file ≥ 1.0 × PutObject (defaults)", r.Size>>20), m, x >= 1.0)
	fmt.Fprintf(b, "\nAgainst the PutObject without SHA-256 (no target): burst %.2f ×, one file %.2f ×.\n\n",
		ratio(cartBurst.MiBps, unsignedBurst.MiBps), ratio(cartSingle.MiBps, unsignedSingle.MiBps))
}

// perRound is a's throughput over b's, round by round.
func perRound(a, b Result) []float64 {
	var out []float64
	for i := range min(len(a.Rounds), len(b.Rounds)) {
		out = append(out, ratio(a.Rounds[i], b.Rounds[i]))
	}
	return out
}

func joinf(vs []float64, format string) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf(format, v))
	}
	return strings.Join(parts, ", ")
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func cpuText(v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
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
