package main

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"cartable/preview"
	"cartable/proc"
)

// Raw is the renderer's own rate on the burst's files, in-process, without the
// upload, the queue, the scan or the storage: the ceiling of the end-to-end rate.
type Raw struct {
	InFlight    int     `json:"in_flight"`
	Seconds     float64 `json:"seconds"`
	FilesPerSec float64 `json:"files_per_s"`
	Errors      int     `json:"errors"`
	// Load is the machine's 1-minute load average at the start and the end.
	Load [2]float64 `json:"load"`
	// CPUSeconds is the CPU time of the pass: the bench process and its
	// children (pdftoppm), user and system.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
}

// rawOnItsCore is rawRate with one file in flight, this process pinned to the
// core an own-core worker gets (see pin.go).
func rawOnItsCore(ctx context.Context, files []file) (Raw, error) {
	if err := pin(os.Getpid(), lastCore()); err != nil {
		return Raw{}, err
	}
	defer pin(os.Getpid(), allCores())
	return rawRate(ctx, files, 1)
}

// rawRate renders every file with the preview jobs' renderer (all sizes and
// formats, as one job does today), inFlight at once as bench/previews does, after
// one untimed warm-up render.
func rawRate(ctx context.Context, files []file, inFlight int) (Raw, error) {
	r := preview.NewRenderer(preview.Limits{Concurrency: inFlight})
	if _, err := r.Render(ctx, files[0].Data, files[0].Mime); err != nil {
		return Raw{}, fmt.Errorf("warm-up render of %s: %w", files[0].Name, err)
	}
	errs := make([]error, len(files))
	load := proc.LoadAverage()
	cpu := cpuSeconds()
	start := time.Now()
	parallel(len(files), inFlight, func(i int) {
		_, errs[i] = r.Render(ctx, files[i].Data, files[i].Mime)
	})
	raw := Raw{InFlight: inFlight, Seconds: time.Since(start).Seconds(), Load: [2]float64{load, proc.LoadAverage()}, CPUSeconds: cpuSeconds() - cpu}
	for i, err := range errs {
		if err != nil {
			raw.Errors++
			logf("raw render of %s: %v", files[i].Name, err)
		}
	}
	raw.FilesPerSec = float64(len(files)-raw.Errors) / raw.Seconds
	return raw, nil
}

// cpuSeconds is the CPU time of this process and of its children waited for.
func cpuSeconds() float64 {
	var total float64
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		}
	}
	return total
}
