package main

import (
	"context"
	"fmt"
	"maps"
	"strconv"

	"cartable/bench/node"
	"cartable/proc"
)

// Topology is how the scenario's Cartable runs: one `cartable serve` running its
// jobs, or an API node with its jobs off and Workers `cartable worker` processes.
type Topology struct {
	Name    string `json:"name"`
	Workers int    `json:"workers"` // 0: the API node runs the jobs itself
	// PreviewWorkers and AntivirusWorkers are per process that runs jobs.
	PreviewWorkers   int `json:"preview_workers"`
	AntivirusWorkers int `json:"antivirus_workers"`
	// OwnCore pins the one worker to the machine's last core and everything else
	// to the others (see pin.go).
	OwnCore bool `json:"own_core,omitempty"`
}

// topologies are the three deployments measured. Renders in flight over the whole
// deployment stay at the machine's cores: one process renders NumCPU at once, two
// worker processes NumCPU/2 each (more would only make them take turns on the same
// cores, with a decoded 12 MP image in memory each). Scans keep the default of one
// per process. The fourth gives one worker a core of its own, rendering one file
// at a time.
func topologies(cpus int) []Topology {
	return []Topology{
		{Name: "one node", Workers: 0, PreviewWorkers: cpus, AntivirusWorkers: 1},
		{Name: "API + 1 worker", Workers: 1, PreviewWorkers: cpus, AntivirusWorkers: 1},
		{Name: "API + 2 workers", Workers: 2, PreviewWorkers: max(1, cpus/2), AntivirusWorkers: 1},
		{Name: "worker on its core", Workers: 1, PreviewWorkers: 1, AntivirusWorkers: 1, OwnCore: true},
	}
}

// Deployment is the running processes of a scenario.
type Deployment struct {
	API     *node.Process
	workers []*node.Process
}

// deploy starts the topology's processes over e, the antivirus on when clamd is
// set (every process gets it: the scans run where the jobs run).
func deploy(ctx context.Context, e *node.Env, t Topology, clamd string) (*Deployment, error) {
	jobs := map[string]string{
		"CARTABLE_PREVIEW_WORKERS":   strconv.Itoa(t.PreviewWorkers),
		"CARTABLE_ANTIVIRUS_WORKERS": strconv.Itoa(t.AntivirusWorkers),
	}
	if clamd != "" {
		jobs["CARTABLE_CLAMD"] = clamd
	}
	api := maps.Clone(jobs)
	api["CARTABLE_JOBS"] = strconv.FormatBool(t.Workers == 0)
	d := &Deployment{}
	var err error
	if d.API, err = e.StartCartable(ctx, api); err != nil {
		return nil, fmt.Errorf("start the API node: %w", err)
	}
	if t.OwnCore {
		if err := pin(d.API.Cmd.Process.Pid, otherCores()); err != nil {
			d.Stop()
			return nil, err
		}
	}
	for range t.Workers {
		w, err := e.StartWorker(ctx, jobs)
		if err != nil {
			d.Stop()
			return nil, err
		}
		d.workers = append(d.workers, w)
		if t.OwnCore {
			if err := pin(w.Cmd.Process.Pid, lastCore()); err != nil {
				d.Stop()
				return nil, err
			}
		}
	}
	return d, nil
}

// Stop stops every process, and answers the CPU time the processes that ran
// the jobs took (with the converters they waited for): the workers', or the
// API node's when it ran them (its serving included).
func (d *Deployment) Stop() float64 {
	var cpu float64
	for _, w := range d.workers {
		w.Stop()
		cpu += processCPU(w)
	}
	d.API.Stop()
	if len(d.workers) == 0 {
		cpu = processCPU(d.API)
	}
	return cpu
}

func processCPU(p *node.Process) float64 {
	if p == nil || p.Cmd.ProcessState == nil {
		return 0
	}
	return (p.Cmd.ProcessState.UserTime() + p.Cmd.ProcessState.SystemTime()).Seconds()
}

// workerCPU is the CPU time the worker processes have taken so far, their
// converters included (/proc).
func (d *Deployment) workerCPU() float64 {
	var total float64
	for _, w := range d.workers {
		c, _ := proc.ReadCPU(w.Cmd.Process.Pid)
		total += c.Self + c.Children
	}
	return total
}
