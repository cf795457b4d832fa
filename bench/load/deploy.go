package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

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
	if d.worker, err = startWorker(ctx, env, previews); err != nil {
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

// startWorker runs `cartable worker` and waits until it logs that its jobs run.
// BENCH_SERVER_LOGS shows its output.
func startWorker(ctx context.Context, e *node.Env, previews int) (*node.Process, error) {
	cmd := exec.Command(e.Bin, "worker")
	cmd.Env = e.ServerEnv(map[string]string{
		"CARTABLE_LOG_LEVEL":       "info", // for its "worker started"
		"CARTABLE_PREVIEW_WORKERS": strconv.Itoa(previews),
	})
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start a worker: %w", err)
	}
	p := &node.Process{Cmd: cmd}
	started := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		said := false
		for sc.Scan() {
			if os.Getenv("BENCH_SERVER_LOGS") != "" {
				fmt.Fprintln(os.Stderr, sc.Text())
			}
			if !said && strings.Contains(sc.Text(), "worker started") {
				said = true
				started <- true
			}
		}
		if !said {
			started <- false
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case ok := <-started:
		if ok {
			return p, nil
		}
	case <-time.After(60 * time.Second):
	case <-ctx.Done():
	}
	p.Stop()
	return nil, fmt.Errorf("the worker did not start its jobs")
}
