package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"cartable/preview"
	"cartable/proc"
)

// childFlag starts the bench as the renderer child: a process that holds one
// renderer, as the preview worker does, and renders the files named after its
// settings, as many at once as the worker has job slots.
const childFlag = "-renderer-child"

// childSettings are the limits of the child's renderer and its job slots.
type childSettings struct {
	Slots          int           `json:"slots"`
	ConverterBytes int64         `json:"converter_bytes"`
	Timeout        time.Duration `json:"timeout"`
}

func (s childSettings) args() []string {
	return []string{strconv.Itoa(s.Slots), strconv.FormatInt(s.ConverterBytes, 10), s.Timeout.String()}
}

// Outcome is what became of one file.
type Outcome struct {
	File string `json:"file"`
	Kind string `json:"kind"`
	// Code is the failure's code (too_large, timeout, too_many_pixels…), or
	// "rendered".
	Code    string  `json:"code"`
	Detail  string  `json:"detail,omitempty"`
	StartS  float64 `json:"start_s"` // since the first render began
	Seconds float64 `json:"seconds"`
}

// childFigures is what the child prints as JSON.
type childFigures struct {
	// BaselineKiB is the child's VmHWM before rendering: Go, libvips and the
	// renderer started.
	BaselineKiB int64 `json:"baseline_kib"`
	// PeakKiB is its VmHWM after rendering: the renderer process's own peak,
	// without its converters.
	PeakKiB  int64     `json:"peak_kib"`
	Seconds  float64   `json:"seconds"`
	Outcomes []Outcome `json:"outcomes"`
}

// rendered is the code of a file that got its thumbnails.
const rendered = "rendered"

// rendererChild renders the files of args, after the settings, as the preview
// worker does with its blobs: each in a scratch folder of its own, through
// RenderFile, with as many files at once as there are slots (the worker's job
// slots, CARTABLE_PREVIEW_WORKERS) and the renderer admitting as many libvips
// renders. It prints its figures as JSON.
func rendererChild(args []string) {
	slots, err1 := strconv.Atoi(args[0])
	converterBytes, err2 := strconv.ParseInt(args[1], 10, 64)
	timeout, err3 := time.ParseDuration(args[2])
	if err1 != nil || err2 != nil || err3 != nil {
		fmt.Fprintln(os.Stderr, "renderer child: slots, converter bytes and timeout come first")
		os.Exit(2)
	}
	paths := args[3:]
	r := preview.NewRenderer(preview.Limits{Concurrency: slots, ConverterMemory: converterBytes, Timeout: timeout})
	fig := childFigures{BaselineKiB: proc.Peak(os.Getpid()), Outcomes: make([]Outcome, len(paths))}
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range min(slots, len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				began := time.Now()
				err := renderFile(r, paths[i])
				fig.Outcomes[i] = outcome(paths[i], err, began.Sub(start), time.Since(began))
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	fig.Seconds = time.Since(start).Seconds()
	fig.PeakKiB = proc.Peak(os.Getpid())
	_ = json.NewEncoder(os.Stdout).Encode(fig)
}

// renderFile copies a file into a scratch folder, as the worker downloads a blob,
// and renders it there.
func renderFile(r *preview.Renderer, path string) error {
	dir, err := os.MkdirTemp("", "cartable-bench-bomb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	src := filepath.Join(dir, "source")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		return err
	}
	_, err = r.RenderFile(context.Background(), dir, src, mimeOf(path))
	return err
}

func outcome(path string, err error, start, took time.Duration) Outcome {
	o := Outcome{File: filepath.Base(path), Kind: kindOf(path), Code: rendered, StartS: start.Seconds(), Seconds: took.Seconds()}
	if f, ok := preview.IsFailure(err); ok {
		o.Code, o.Detail = f.Code, firstLine(f.Detail)
	} else if err != nil {
		o.Code, o.Detail = "error", firstLine(err.Error())
	}
	return o
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
