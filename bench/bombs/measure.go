package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"

	"cartable/proc"
)

// Scenario is one run of the renderer child on some bombs, with the figures of
// its process tree.
type Scenario struct {
	Name     string        `json:"name"`
	Settings childSettings `json:"settings"`
	Files    []string      `json:"files"`

	// PeakTreeMiB is the largest sum, over the samples, of the resident memory of
	// the renderer child and every process under it; PeakAtS is when it was seen.
	PeakTreeMiB float64 `json:"peak_tree_mib"`
	PeakAtS     float64 `json:"peak_at_s"`
	// AtPeak is the tree at that sample, by process name (summed).
	AtPeak []Share `json:"at_peak"`
	// RendererAtPeakMiB is the renderer process's share of the peak, and
	// ConversionsAtPeak how many conversions (each a direct child of the renderer
	// with its descendants) were running then.
	RendererAtPeakMiB float64 `json:"renderer_at_peak_mib"`
	ConversionsAtPeak int     `json:"conversions_at_peak"`
	// LargestConversionMiB is the largest resident memory of one conversion (its
	// processes summed) in any sample; MostConversions the most seen at once.
	LargestConversionMiB float64 `json:"largest_conversion_mib"`
	MostConversions      int     `json:"most_conversions"`
	// RendererBaselineMiB and RendererPeakMiB are the child's VmHWM before and
	// after rendering: its own peak, converters excluded.
	RendererBaselineMiB float64 `json:"renderer_baseline_mib"`
	RendererPeakMiB     float64 `json:"renderer_peak_mib"`

	WallS             float64 `json:"wall_s"`
	Samples           int     `json:"samples"`
	MeanIntervalMS    float64 `json:"mean_interval_ms"`
	LongestIntervalMS float64 `json:"longest_interval_ms"`
	// Stopped says that the bench killed the tree at its safety ceiling.
	Stopped  string    `json:"stopped,omitempty"`
	Outcomes []Outcome `json:"outcomes"`
	Error    string    `json:"error,omitempty"`
}

// Share is the resident memory of the processes of one name.
type Share struct {
	Name      string  `json:"name"`
	Processes int     `json:"processes"`
	MiB       float64 `json:"mib"`
}

// run starts the renderer child on files and samples its tree every interval
// until it ends; a tree beyond ceilingKiB is killed.
func run(ctx context.Context, name string, s childSettings, files []string, interval time.Duration, ceilingKiB int64) Scenario {
	sc := Scenario{Name: name, Settings: s}
	for _, f := range files {
		sc.Files = append(sc.Files, kindOf(f))
	}
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	cmd := exec.CommandContext(ctx, self, append(append([]string{childFlag}, s.args()...), files...)...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		sc.Error = err.Error()
		return sc
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tree := proc.NewTree(cmd.Process.Pid)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var (
		last    = start
		waitErr error
	)
sampling:
	for {
		now := time.Now()
		procs := tree.Sample()
		sc.Samples++
		sc.LongestIntervalMS = max(sc.LongestIntervalMS, float64(now.Sub(last).Microseconds())/1000)
		last = now
		total := sc.observe(procs, now.Sub(start))
		if total > ceilingKiB && sc.Stopped == "" {
			sc.Stopped = fmt.Sprintf("the bench killed the tree at %.0f MiB, over its ceiling of %.0f MiB", mib(total), mib(ceilingKiB))
			for _, p := range procs {
				_ = syscall.Kill(p.PID, syscall.SIGKILL)
			}
		}
		select {
		case waitErr = <-done:
			break sampling
		case <-tick.C:
		}
	}
	sc.WallS = time.Since(start).Seconds()
	if sc.Samples > 1 {
		sc.MeanIntervalMS = sc.WallS * 1000 / float64(sc.Samples-1)
	}
	var got childFigures
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		sc.Error = fmt.Sprintf("renderer child: %v (output: %v)", waitErr, err)
		return sc
	}
	sc.RendererBaselineMiB, sc.RendererPeakMiB, sc.Outcomes = mib(got.BaselineKiB), mib(got.PeakKiB), got.Outcomes
	return sc
}

// observe takes one sample of the tree (root first) into the figures and returns
// its total, in KiB.
func (sc *Scenario) observe(procs []proc.Process, at time.Duration) int64 {
	if len(procs) == 0 {
		return 0
	}
	root := procs[0].PID
	parent := map[int]int{}
	for _, p := range procs {
		parent[p.PID] = p.PPID
	}
	// A conversion is a direct child of the renderer (prlimit, then the sandbox)
	// with everything under it.
	conversions := map[int]int64{}
	var total int64
	for _, p := range procs {
		total += p.RSSKiB
		if p.PID == root {
			continue
		}
		top := p.PID
		for up, ok := parent[top]; ok && up != root; up, ok = parent[top] {
			top = up
		}
		conversions[top] += p.RSSKiB
	}
	for _, kib := range conversions {
		sc.LargestConversionMiB = max(sc.LargestConversionMiB, mib(kib))
	}
	sc.MostConversions = max(sc.MostConversions, len(conversions))
	if mib(total) <= sc.PeakTreeMiB {
		return total
	}
	sc.PeakTreeMiB, sc.PeakAtS = mib(total), at.Seconds()
	sc.RendererAtPeakMiB, sc.ConversionsAtPeak = mib(procs[0].RSSKiB), len(conversions)
	byName := map[string]*Share{}
	for _, p := range procs {
		if byName[p.Name] == nil {
			byName[p.Name] = &Share{Name: p.Name}
		}
		byName[p.Name].Processes++
		byName[p.Name].MiB += mib(p.RSSKiB)
	}
	sc.AtPeak = sc.AtPeak[:0]
	for _, s := range byName {
		sc.AtPeak = append(sc.AtPeak, *s)
	}
	slices.SortFunc(sc.AtPeak, func(a, b Share) int { return cmp.Or(cmp.Compare(b.MiB, a.MiB), cmp.Compare(a.Name, b.Name)) })
	return total
}

func mib(kib int64) float64 { return float64(kib) / 1024 }
