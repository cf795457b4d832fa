package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"cartable/bench/node"
)

// Deployment is what a run loads: one API node with its jobs off and one
// `cartable worker` over a fresh database and bucket (as production splits
// them, and as bench/rush measures it), or an existing deployment (-target).
type Deployment struct {
	API    *node.Process
	Meter  *Meter
	Target string // the -target URL; "" for the local node
	env    *node.Env
	worker *node.Process
}

// deployLocal builds Cartable, makes a fresh database (the demo collège) and
// bucket of the stack, and starts an API node and a worker over them. The
// antivirus stays off unless asked: it is not what this run measures, and
// clamd's scans would take the shared cores from the node. The worker renders
// previews previews at once: in production it runs on machines of its own; here
// it shares the node's cores, and the default of one render at a time keeps one
// core for the rest (bench/rush measures the previews themselves).
func deployLocal(ctx context.Context, antivirus bool, previews int) (*Deployment, error) {
	if !antivirus {
		os.Unsetenv("CARTABLE_CLAMD")
	}
	env, err := node.SetUp(ctx, "load", nil)
	if err != nil {
		return nil, fmt.Errorf("set up: %w", err)
	}
	d := &Deployment{env: env}
	if d.API, err = env.StartCartable(ctx, map[string]string{"CARTABLE_JOBS": "false"}); err != nil {
		d.Stop()
		return nil, fmt.Errorf("start the API node: %w", err)
	}
	if d.worker, err = env.StartWorker(ctx, map[string]string{"CARTABLE_PREVIEW_WORKERS": strconv.Itoa(previews)}); err != nil {
		d.Stop()
		return nil, err
	}
	d.Meter = &Meter{API: []int{d.API.Cmd.Process.Pid}, Workers: []int{d.worker.Cmd.Process.Pid}, Base: d.API.Base}
	return d, nil
}

// deployTarget loads an existing deployment at url (in dev mode: its users sign
// in through /dev/token); the CPU is read from the pids given, if any.
func deployTarget(url string, pids []int) *Deployment {
	base := strings.TrimRight(url, "/")
	// Through a proxy, /metrics is one node's, whichever answers: left out.
	return &Deployment{API: &node.Process{Base: base}, Target: url, Meter: &Meter{API: pids}}
}

// Stop stops what deployLocal started and removes its database and bucket.
func (d *Deployment) Stop() {
	if d.env == nil {
		return
	}
	d.worker.Stop()
	d.API.Stop()
	d.env.TearDown()
}
