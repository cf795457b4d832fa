package node

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"strings"
	"time"
)

// StartWorker runs `cartable worker` with the extra settings and waits until it
// logs that its jobs run (at most 60 s). BENCH_SERVER_LOGS shows its output.
func (e *Env) StartWorker(ctx context.Context, extra map[string]string) (*Process, error) {
	settings := maps.Clone(extra)
	if settings == nil {
		settings = map[string]string{}
	}
	settings["CARTABLE_LOG_LEVEL"] = "info" // for its "worker started"
	cmd := exec.Command(e.Bin, "worker")
	cmd.Env = e.ServerEnv(settings)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start a worker: %w", err)
	}
	p := &Process{Cmd: cmd}
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
	return nil, fmt.Errorf("the worker did not start its jobs within 60 s")
}
