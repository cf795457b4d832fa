package main

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Sample is one operation as a virtual user saw it.
type Sample struct {
	Op      Op
	Seconds float64
	Status  int  // 0: no answer
	Failed  bool // a transport error or a 5xx
	Bytes   int64
	// Transfer is the time the user's link held an upload's bytes back (its
	// other uploads' bytes included): what is left of Seconds is the server's
	// share, with the client's own work.
	Transfer float64
	Detail   string // what failed, for a failure
}

// failed says whether an answer counts as an error: the server failing (5xx)
// or no answer at all. A 4xx is the mix's own doing (a thumbnail still being
// made, a share already given) and is counted apart.
func failed(status int, err error) bool { return err != nil || status >= 500 || status == 0 }

// Recorder collects the samples of one phase, from every user at once.
type Recorder struct {
	mu      sync.Mutex
	samples []Sample
}

// Add records a sample.
func (r *Recorder) Add(s Sample) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

// Samples is a copy of what was recorded.
func (r *Recorder) Samples() []Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.samples)
}

// OpStats summarises the samples of one operation (or of several: "all").
type OpStats struct {
	Op     Op      `json:"op"`
	N      int     `json:"n"`
	P50    float64 `json:"p50_ms"`
	P95    float64 `json:"p95_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
	Errors int     `json:"errors"`
	// Client4xx are the answers the mix expects now and then (404 of a
	// thumbnail being made, 409 of a share given twice): not errors.
	Client4xx int     `json:"client_4xx"`
	PerSec    float64 `json:"per_sec"`
	MiB       float64 `json:"mib"`
	// ServerP95 is, for uploads, the p95 of the time beyond the link's own
	// transfer time, in ms.
	ServerP95 float64 `json:"server_p95_ms,omitempty"`
	// Failures are the first distinct failures, in words; FailedAfter the
	// shortest and longest time a failed operation took, in s.
	Failures    []string   `json:"failures,omitempty"`
	FailedAfter [2]float64 `json:"failed_after_s"`
}

// ErrorRate is the share of the operations that failed.
func (s OpStats) ErrorRate() float64 {
	if s.N == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.N)
}

// maxFailures is how many distinct failures a row keeps.
const maxFailures = 5

// percentile is the nearest-rank percentile p (0 < p ≤ 1) of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(0, int(math.Ceil(p*float64(len(sorted))))-1)]
}

// summarize is the figures of the samples, over a phase of the given length.
func summarize(op Op, samples []Sample, over time.Duration) OpStats {
	s := OpStats{Op: op, N: len(samples)}
	ms := make([]float64, 0, len(samples))
	var beyond []float64
	var bytes int64
	for _, x := range samples {
		ms = append(ms, 1000*x.Seconds)
		if x.Transfer > 0 {
			beyond = append(beyond, 1000*max(0, x.Seconds-x.Transfer))
		}
		switch {
		case x.Failed:
			if s.Errors == 0 || x.Seconds < s.FailedAfter[0] {
				s.FailedAfter[0] = x.Seconds
			}
			s.FailedAfter[1] = max(s.FailedAfter[1], x.Seconds)
			s.Errors++
			if len(s.Failures) < maxFailures && !slices.Contains(s.Failures, x.Detail) {
				s.Failures = append(s.Failures, x.Detail)
			}
		case x.Status >= 400:
			s.Client4xx++
		}
		bytes += x.Bytes
	}
	slices.Sort(ms)
	slices.Sort(beyond)
	s.P50, s.P95, s.P99 = percentile(ms, 0.50), percentile(ms, 0.95), percentile(ms, 0.99)
	if len(ms) > 0 {
		s.Max = ms[len(ms)-1]
	}
	s.ServerP95 = percentile(beyond, 0.95)
	if over > 0 {
		s.PerSec = float64(len(samples)) / over.Seconds()
	}
	s.MiB = float64(bytes) / (1 << 20)
	return s
}

// byOp is the figures per operation, in the mix's order, then the interactive
// operations together ("interactive": every operation but uploads) and all.
func byOp(samples []Sample, mix Mix, over time.Duration) []OpStats {
	groups := map[Op][]Sample{}
	var inter []Sample
	for _, s := range samples {
		groups[s.Op] = append(groups[s.Op], s)
		if interactive(s.Op) {
			inter = append(inter, s)
		}
	}
	var out []OpStats
	for _, w := range mix {
		if len(groups[w.Op]) > 0 {
			out = append(out, summarize(w.Op, groups[w.Op], over))
		}
	}
	out = append(out, summarize(opInteractive, inter, over), summarize(opAll, samples, over))
	return out
}

// The rows of byOp that sum up several operations.
const (
	opInteractive Op = "interactive (all but uploads)"
	opAll         Op = "all"
)

// find is the row of an operation (zero when absent).
func find(rows []OpStats, op Op) OpStats {
	for _, r := range rows {
		if r.Op == op {
			return r
		}
	}
	return OpStats{Op: op}
}
