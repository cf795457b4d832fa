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
// core an own-core worker gets.
func rawOnItsCore(ctx context.Context, files []file) (Raw, error) {
	return onItsCore(func() (Raw, error) { return rawRate(ctx, files, 1) })
}

// onItsCore runs pass with this process pinned to the core an own-core worker
// gets (see pin.go), and unpins it after.
func onItsCore(pass func() (Raw, error)) (Raw, error) {
	if err := pin(os.Getpid(), lastCore()); err != nil {
		return Raw{}, err
	}
	defer pin(os.Getpid(), allCores())
	return pass()
}

// stagedOnItsCore is rawOnItsCore with each file rendered in the stages of a
// first render, one render per stage (stagesOf): the renders the preview jobs run,
// without the jobs around them. Over the raw rate it is what the staging costs;
// the own-core worker's rate over it, what the rest of the pipeline does.
func stagedOnItsCore(ctx context.Context, files []file) (Raw, error) {
	return onItsCore(func() (Raw, error) {
		return rawPass(files, 1, func(r *preview.Renderer, f file) error {
			for _, sizes := range stagesOf(f.Kind) {
				if _, err := r.RenderBytes(ctx, f.Data, f.Mime, sizes); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// stagesOf is the sizes each stage of a file's first render makes, in order, as
// the jobs run them with the antivirus off (see preview.Stage). A photo's small
// thumbnail read from its camera thumbnail, in Go, is left out (a few
// milliseconds); the medium stage then makes the real small beside the medium,
// from one decode. A photo without a trusted thumbnail, and a PDF, have a small
// stage of their own.
func stagesOf(kind string) [][]preview.Size {
	s := preview.Sizes
	if kind == kindCameraThumb {
		return [][]preview.Size{s[:2], s[2:]}
	}
	return [][]preview.Size{s[:1], s[1:2], s[2:]}
}

// rawRate renders every file with the preview jobs' renderer (all sizes and
// formats, as one job does today), inFlight at once as bench/previews does.
func rawRate(ctx context.Context, files []file, inFlight int) (Raw, error) {
	return rawPass(files, inFlight, func(r *preview.Renderer, f file) error {
		_, err := r.Render(ctx, f.Data, f.Mime)
		return err
	})
}

// rawPass times render over every file, inFlight at once, after one untimed
// warm-up render.
func rawPass(files []file, inFlight int, render func(*preview.Renderer, file) error) (Raw, error) {
	r := preview.NewRenderer(preview.Limits{Concurrency: inFlight})
	if err := render(r, files[0]); err != nil {
		return Raw{}, fmt.Errorf("warm-up render of %s: %w", files[0].Name, err)
	}
	errs := make([]error, len(files))
	load := proc.LoadAverage()
	cpu := cpuSeconds()
	start := time.Now()
	parallel(len(files), inFlight, func(i int) {
		errs[i] = render(r, files[i])
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
