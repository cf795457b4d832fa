package main

import (
	"context"
	"fmt"
	"time"

	"cartable/bench/node"
	"cartable/proc"
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
	// SmallByKind is Small for each kind of file (see corpus).
	SmallByKind map[string]Stats `json:"small_after_201_by_kind,omitempty"`
	// SmallFirst counts the files seen with their small thumbnail before the others.
	SmallFirst int `json:"small_first"`
	// FilesPerSec is Complete / RenderedSeconds.
	FilesPerSec float64    `json:"files_per_s"`
	Jobs        []JobTimes `json:"jobs"`
	// WatchLag is, per file, from its first preview job's end to its small
	// thumbnail seen: what the watch (polling, or an event stream) adds.
	WatchLag Stats `json:"watch_lag"`
	// Load is the machine's 1-minute load average at the start and the end.
	Load [2]float64 `json:"load"`
	// JobsCPUSeconds is the CPU time of the processes that ran the jobs (see
	// Deployment.Stop), from their start to their stop.
	JobsCPUSeconds float64 `json:"jobs_cpu_seconds,omitempty"`
	// CPU is the machine's CPU time by part, from the first upload's start to the
	// end of the watch (the last rendition seen).
	CPU CPUShare `json:"cpu"`
	// WorkerCPUSeconds is the CPU time of the worker processes over the same
	// window (0 for one node).
	WorkerCPUSeconds float64 `json:"worker_cpu_seconds,omitempty"`
}

// scenario runs the burst on a fresh database and bucket with the topology's
// processes, and reads river's rows of the jobs it caused.
func scenario(ctx context.Context, base *node.Env, t Topology, clamd string, pupils int, files []file, watch watcher, limit time.Duration, timelineDir string) (Scenario, error) {
	s := Scenario{Topology: t, Antivirus: clamd != "", Files: len(files)}
	if t.OwnCore {
		defer unpinStack() // first: a pinning that fails half-way is undone too
		if err := pinStack(otherCores()); err != nil {
			return s, err
		}
	}
	e, err := base.Fresh(ctx, "rush")
	if err != nil {
		return s, fmt.Errorf("a fresh database and bucket: %w", err)
	}
	defer e.TearDown()
	d, err := deploy(ctx, e, t, clamd)
	if err != nil {
		return s, err
	}
	stopped := false
	defer func() {
		if !stopped {
			d.Stop()
		}
	}()
	c, err := signIn(ctx, d.API, pupils)
	if err != nil {
		return s, err
	}
	s.Load[0] = proc.LoadAverage()
	tr := newTracker(len(files))
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	watched := make(chan error, 1)
	go func() { watched <- watch(ctx, c, tr) }()
	cpuBefore, workersBefore := cpuNow(), d.workerCPU()
	start := time.Now()
	rush(ctx, c, files, tr.uploaded)
	burstEnd := time.Now()
	if err := <-watched; err != nil && ctx.Err() == nil {
		return s, fmt.Errorf("watch: %w", err)
	}
	s.CPU = cpuNow().since(cpuBefore)
	s.WorkerCPUSeconds = d.workerCPU() - workersBefore
	s.BurstSeconds = burstEnd.Sub(start).Seconds()
	s.Load[1] = proc.LoadAverage()
	s.summarize(tr, start)
	db := context.WithoutCancel(ctx)
	if s.Jobs, err = jobTimes(db, e.DBURL); err != nil {
		return s, err
	}
	rendered, err := firstRendered(db, e.DBURL)
	if err != nil {
		return s, err
	}
	s.WatchLag = watchLag(tr, rendered)
	if timelineDir != "" {
		if err := writeTimeline(db, timelineDir, s, tr, e.DBURL, start); err != nil {
			return s, fmt.Errorf("timeline: %w", err)
		}
	}
	stopped = true
	s.JobsCPUSeconds = d.Stop()
	return s, nil
}

// summarize turns the tracker's moments into the scenario's figures.
func (s *Scenario) summarize(tr *tracker, start time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	s.Uploaded, s.Errors = len(tr.sent), tr.ended-len(tr.sent)
	var small, all []float64
	byKind := map[string][]float64{}
	var last time.Time
	for id, sent := range tr.sent {
		if at, ok := tr.small[id]; ok {
			small = append(small, at.Sub(sent.End).Seconds())
			byKind[sent.Kind] = append(byKind[sent.Kind], at.Sub(sent.End).Seconds())
		}
		switch at, ok := tr.all[id]; {
		case ok:
			all = append(all, at.Sub(sent.End).Seconds())
			s.Complete++
			if tr.small[id].Before(at) {
				s.SmallFirst++
			}
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
	s.SmallByKind = map[string]Stats{}
	for kind, waits := range byKind {
		s.SmallByKind[kind] = stats(waits)
	}
	if s.Complete > 0 {
		s.RenderedSeconds = last.Sub(start).Seconds()
		s.FilesPerSec = float64(s.Complete) / s.RenderedSeconds
	}
}

// watchLag is, per file seen with its small thumbnail, the time from its first
// preview job's end to then.
func watchLag(tr *tracker, rendered map[string]time.Time) Stats {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var lags []float64
	for id, seen := range tr.small {
		if at, ok := rendered[id]; ok {
			lags = append(lags, seen.Sub(at).Seconds())
		}
	}
	return stats(lags)
}

// AfterUploadsPerSec is the end-to-end rate as issue 17 reckoned its own figure
// (60 photos over the 29 s from the uploads' end to the last thumbnail: 2.1
// photos/s): the completed files over the time from the last 201 to the last
// rendition. A file cannot be rendered before its upload ends, and the uploads of
// a burst all end together (every pupil's connection shares the school's); the
// rate from the first upload's start (FilesPerSec) also counts that wait.
func (s Scenario) AfterUploadsPerSec() float64 {
	if s.Complete == 0 || s.RenderedSeconds <= s.BurstSeconds {
		return 0
	}
	return float64(s.Complete) / (s.RenderedSeconds - s.BurstSeconds)
}
