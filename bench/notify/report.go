package main

import (
	"fmt"
	"strings"
)

// Report is a run's results.
type Report struct {
	Machine string   `json:"machine"`
	Date    string   `json:"date"`
	Seconds float64  `json:"seconds"`
	Results []Result `json:"results"`
}

// Markdown is the run's section of BENCHMARKS.md.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## What a NOTIFY costs the commits that send it (`make bench`, bench/notify)\n\n")
	fmt.Fprintf(&b, "Run %s on %s, `go run ./bench/notify`: short write transactions (one INSERT, as a preview stage's record is one write) from many connections "+
		"for %.0f s each, one LISTEN connection draining the channel, announced three ways: **plain** (no NOTIFY), **in each transaction** "+
		"(`pg_notify` before the commit, as package live did in every job until 2026-12-04: live.NotifyTx without an announcer) and **batched** "+
		"(live.NotifyTx with a live.Announcer, as the jobs do now: the committed ids sent together every 20 ms, up to some 200 a NOTIFY). PostgreSQL takes a database-wide lock for the commit of a transaction that notified "+
		"and holds it until the commit is durable: such commits go one at a time.\n\n", r.Date, r.Machine, r.Seconds)
	b.WriteString("| PostgreSQL | Connections | Announced | Commits/s | p50, ms | p99, ms | NOTIFYs heard | Ids heard |\n|---|---|---|---|---|---|---|---|\n")
	for _, x := range r.Results {
		fmt.Fprintf(&b, "| %s | %d | %s | %.0f | %.2f | %.2f | %d | %d |\n", x.Server, x.Clients, x.Mode, x.CommitsPerSec, x.P50ms, x.P99ms, x.Notifies, x.Heard)
	}
	b.WriteString("\n")
	for _, line := range r.readings() {
		b.WriteString("- " + line + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// readings compare, for each server and number of connections, the notifying
// commits with the plain ones.
func (r Report) readings() []string {
	var out []string
	for _, x := range r.Results {
		if x.Mode != plain {
			continue
		}
		in, batch := r.find(x.Server, x.Clients, inTx), r.find(x.Server, x.Clients, batched)
		if in == nil || batch == nil || x.CommitsPerSec == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s, %d connections: notifying in each transaction commits at %.2f × the plain rate (p99 %.2f against %.2f ms); batched, %.2f × (p99 %.2f ms).",
			x.Server, x.Clients, in.CommitsPerSec/x.CommitsPerSec, in.P99ms, x.P99ms, batch.CommitsPerSec/x.CommitsPerSec, batch.P99ms))
	}
	return out
}

func (r Report) find(server string, clients int, m mode) *Result {
	for i, x := range r.Results {
		if x.Server == server && x.Clients == clients && x.Mode == m {
			return &r.Results[i]
		}
	}
	return nil
}
