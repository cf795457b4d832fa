package main

import (
	"context"
	"fmt"
	"time"

	"cartable/bench/node"
)

// Scenario is one burst on one deployment, with the antivirus on or off.
type Scenario struct {
	Topology  Topology `json:"topology"`
	Antivirus bool     `json:"antivirus"`
	Files     int      `json:"files"`
	// Uploaded answered 201; Complete had small, medium and large seen; Failed
	// showed preview "failed"; Incomplete were still waited for at the timeout.
	Uploaded   int `json:"uploaded"`
	Errors     int `json:"upload_errors"`
	Complete   int `json:"complete"`
	Failed     int `json:"failed"`
	Incomplete int `json:"incomplete"`
	// From the first upload's start: the last 201, and the last file complete.
	BurstSeconds    float64 `json:"burst_seconds"`
	RenderedSeconds float64 `json:"rendered_seconds"`
	// Per file, from its 201: its small thumbnail seen, all its renditions seen.
	Small Stats `json:"small_after_201"`
	All   Stats `json:"all_after_201"`
	// FilesPerSec is Complete / RenderedSeconds.
	FilesPerSec float64    `json:"files_per_s"`
	Jobs        []JobTimes `json:"jobs"`
}

// scenario runs the burst on a fresh database and bucket with the topology's
// processes, and reads river's rows of the jobs it caused.
func scenario(ctx context.Context, base *node.Env, t Topology, clamd string, pupils int, files []file, watch watcher, limit time.Duration) (Scenario, error) {
	s := Scenario{Topology: t, Antivirus: clamd != "", Files: len(files)}
	e, err := base.Fresh(ctx, "rush")
	if err != nil {
		return s, fmt.Errorf("a fresh database and bucket: %w", err)
	}
	defer e.TearDown()
	d, err := deploy(ctx, e, t, clamd)
	if err != nil {
		return s, err
	}
	defer d.Stop()
	c, err := signIn(ctx, d.API, pupils)
	if err != nil {
		return s, err
	}
	tr := newTracker(len(files))
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	watched := make(chan error, 1)
	go func() { watched <- watch(ctx, c.teacher, c.folder, tr) }()
	start := time.Now()
	rush(ctx, c, files, tr.uploaded)
	burstEnd := time.Now()
	if err := <-watched; err != nil && ctx.Err() == nil {
		return s, fmt.Errorf("watch: %w", err)
	}
	s.BurstSeconds = burstEnd.Sub(start).Seconds()
	s.summarize(tr, start)
	if s.Jobs, err = jobTimes(context.WithoutCancel(ctx), e.DBURL); err != nil {
		return s, err
	}
	return s, nil
}

// summarize turns the tracker's moments into the scenario's figures.
func (s *Scenario) summarize(tr *tracker, start time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	s.Uploaded, s.Errors = len(tr.sent), tr.ended-len(tr.sent)
	var small, all []float64
	var last time.Time
	for id, sent := range tr.sent {
		if at, ok := tr.small[id]; ok {
			small = append(small, at.Sub(sent.End).Seconds())
		}
		switch at, ok := tr.all[id]; {
		case ok:
			all = append(all, at.Sub(sent.End).Seconds())
			s.Complete++
			if at.After(last) {
				last = at
			}
		case tr.failed[id] != "":
			s.Failed++
		default:
			s.Incomplete++
		}
	}
	s.Small, s.All = stats(small), stats(all)
	if s.Complete > 0 {
		s.RenderedSeconds = last.Sub(start).Seconds()
		s.FilesPerSec = float64(s.Complete) / s.RenderedSeconds
	}
}
