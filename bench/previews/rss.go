package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"cartable/preview"
	"cartable/proc"
)

// rssChildFlag starts the bench as the memory child: it renders the files named
// after it (after the number of renders its renderer admits at once) and prints its
// figures as JSON.
const rssChildFlag = "-rss-child"

// MemoryFigure is the peak resident memory of one process.
type MemoryFigure struct {
	What  string `json:"what"`
	Files int    `json:"files"`
	// BaselineMiB is the child's VmHWM before rendering: Go, libvips and the
	// renderer started, the source files read into memory (as a worker holds the
	// blobs it downloaded).
	BaselineMiB float64 `json:"baseline_mib,omitempty"`
	// PeakMiB is VmHWM after rendering for the child, ru_maxrss for a CLI.
	PeakMiB float64 `json:"peak_mib"`
	// Method is how the peak was read.
	Method  string  `json:"method"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// childFigures is what the memory child prints.
type childFigures struct {
	BaselineKiB int64    `json:"baseline_kib"`
	PeakKiB     int64    `json:"peak_kib"`
	Seconds     float64  `json:"seconds"`
	Errors      []string `json:"errors,omitempty"`
}

// rssChild renders every file at once, one goroutine each, with one renderer as
// the preview worker has, and prints its VmHWM before and after. args are the
// number of renders the renderer admits at once (the worker's
// CARTABLE_PREVIEW_WORKERS), then the files.
func rssChild(args []string) {
	concurrency, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "memory child: the first argument is the concurrency:", err)
		os.Exit(2)
	}
	paths := args[1:]
	r := preview.NewRenderer(preview.Limits{Concurrency: concurrency})
	srcs := make([][]byte, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		srcs[i] = data
	}
	fig := childFigures{BaselineKiB: proc.Peak(os.Getpid())}
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	start := time.Now()
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = r.Render(context.Background(), srcs[i], mimeOf(paths[i]))
		}()
	}
	wg.Wait()
	fig.Seconds = time.Since(start).Seconds()
	fig.PeakKiB = proc.Peak(os.Getpid())
	for i, err := range errs {
		if err != nil {
			fig.Errors = append(fig.Errors, filepath.Base(paths[i])+": "+err.Error())
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(fig)
}

func mimeOf(path string) string {
	switch filepath.Ext(path) {
	case ".jpg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	}
	return "application/pdf"
}

// measureMemory measures the renderer with n files at once (JPEGs and PNGs
// alternating) and with one file, in a child process each; and, for reference, one
// run of each CLI making the largest thumbnail of one file.
func measureMemory(ctx context.Context, peers []peer, set []sample, dir string, n int) []MemoryFigure {
	jpegs, pngs := ofKind(set, kindJPEG), ofKind(set, kindPNG)
	if len(jpegs) == 0 || len(pngs) == 0 {
		logf("memory: the set needs a JPEG and a PNG; not measured")
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return []MemoryFigure{{What: "memory", Error: err.Error()}}
	}
	var mixed []sample
	for i := 0; len(mixed) < n; i++ {
		if i%2 == 0 {
			mixed = append(mixed, jpegs[i/2%len(jpegs)])
		} else {
			mixed = append(mixed, pngs[i/2%len(pngs)])
		}
	}
	jpeg, png := jpegs[0], pngs[0]
	cpus := runtime.NumCPU()
	figures := []MemoryFigure{
		child(ctx, fmt.Sprintf("Cartable renderer, %d files at once (JPEGs and PNGs alternating), six thumbnails each, all %d rendering together", n, n), mixed, n),
		child(ctx, fmt.Sprintf("Cartable renderer, the same %d files handed in at once, the default bound (%d CPUs: %d rendering together)", n, cpus, min(cpus, n)), mixed, cpus),
		child(ctx, "Cartable renderer, one 12 MP JPEG, six thumbnails", []sample{jpeg}, 1),
		child(ctx, "Cartable renderer, one 4000 px PNG, six thumbnails", []sample{png}, 1),
	}
	largest := preview.Sizes[len(preview.Sizes)-1]
	for _, p := range peers {
		if p.name == peerCartable {
			continue
		}
		for _, s := range []sample{jpeg, png} {
			out := filepath.Join(dir, p.name+"-"+s.Name+".jpg")
			args := vipsArgs(s, largest, preview.JPEG, p.quality, out)
			what := fmt.Sprintf("vipsthumbnail --size %dx%d, one %s, one JPEG thumbnail", largest.Box, largest.Box, kindLabel(s.Kind))
			if p.name == peerMagick {
				args = magickArgs(s, largest, preview.JPEG, p.quality, out)
				what = fmt.Sprintf("convert -thumbnail %dx%d, one %s, one JPEG thumbnail", largest.Box, largest.Box, kindLabel(s.Kind))
			}
			figures = append(figures, cli(ctx, what, p.tool, args))
		}
	}
	for _, f := range figures {
		logf("memory   %-90s peak %6.0f MiB %s", f.What, f.PeakMiB, f.Error)
	}
	return figures
}

func kindLabel(kind string) string {
	return map[string]string{kindJPEG: "12 MP JPEG", kindPNG: "4000 px PNG", kindPDF: "PDF"}[kind]
}

// child runs the bench again as the memory child on files.
func child(ctx context.Context, what string, files []sample, concurrency int) MemoryFigure {
	fig := MemoryFigure{What: what, Files: len(files), Method: "VmHWM of the child"}
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	args := []string{rssChildFlag, strconv.Itoa(concurrency)}
	for _, s := range files {
		args = append(args, s.Path)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fig.Error = err.Error()
		return fig
	}
	var got childFigures
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		fig.Error = fmt.Sprintf("child output: %v", err)
		return fig
	}
	fig.BaselineMiB, fig.PeakMiB, fig.Seconds = float64(got.BaselineKiB)/1024, float64(got.PeakKiB)/1024, got.Seconds
	if len(got.Errors) > 0 {
		fig.Error = strings.Join(got.Errors, "; ")
	}
	return fig
}

// cli runs one CLI invocation and measures its peak RSS with GNU time, which
// forks it: the CLI starts with a small memory of its own. Without GNU time it
// falls back on the rusage the bench gets, an upper bound: Go starts a child
// sharing the bench's memory until exec (vfork), and Linux carries that peak into
// the child's ru_maxrss.
func cli(ctx context.Context, what, bin string, args []string) MemoryFigure {
	fig := MemoryFigure{What: what, Files: 1, Method: "GNU time %M"}
	gnuTime := "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		return cliRusage(ctx, fig, bin, args)
	}
	out := filepath.Join(os.TempDir(), fmt.Sprintf("cartable-bench-time-%d", time.Now().UnixNano()))
	defer os.Remove(out)
	cmd := exec.CommandContext(ctx, gnuTime, append([]string{"-f", "%M", "-o", out, bin}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fig.Error = fmt.Sprintf("%v: %s", err, reason(stderr.String()))
	}
	fig.Seconds = time.Since(start).Seconds()
	if b, err := os.ReadFile(out); err == nil {
		// The last line: GNU time writes "Command exited with non-zero status" first.
		kib, _ := strconv.ParseInt(lastLine(string(b)), 10, 64)
		fig.PeakMiB = float64(kib) / 1024
	}
	return fig
}

// cliRusage is cli without GNU time: ru_maxrss, after resetting the bench's own
// peak to its current RSS (clear_refs), so that the bound is as tight as it gets.
func cliRusage(ctx context.Context, fig MemoryFigure, bin string, args []string) MemoryFigure {
	fig.Method = "ru_maxrss (upper bound: includes the bench's RSS)"
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fig.Error = fmt.Sprintf("%v: %s", err, reason(stderr.String()))
	}
	fig.Seconds = time.Since(start).Seconds()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			fig.PeakMiB = float64(ru.Maxrss) / 1024
		}
	}
	return fig
}
