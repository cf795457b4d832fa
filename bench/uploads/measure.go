package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cartable/bench/record"
	"cartable/proc"
)

// Result is one peer's figures in one scenario.
type Result struct {
	Peer       string  `json:"peer"`
	Scenario   string  `json:"scenario"`
	Settings   string  `json:"settings,omitempty"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	MiBps      float64 `json:"mib_per_s"`
	P50ms      float64 `json:"p50_ms,omitempty"`
	P99ms      float64 `json:"p99_ms,omitempty"`
	Errors     int     `json:"errors"`
	Runs       int     `json:"runs"`
	PeakRSSMiB float64 `json:"peak_rss_mib,omitempty"`
	// PerUploadKiB is the peak memory growth divided by the uploads in flight.
	PerUploadKiB float64 `json:"per_upload_kib,omitempty"`
	// CPU seconds during the scenario: the server under test (none for PutObject),
	// the benchmark's clients, and the rest of the machine (MinIO, PostgreSQL, and
	// anything else that ran meanwhile).
	CPUServerS float64 `json:"cpu_server_s,omitempty"`
	CPUClientS float64 `json:"cpu_client_s,omitempty"`
	CPURestS   float64 `json:"cpu_rest_s,omitempty"`
	// Rounds is the throughput of every round, in the order they ran (the same
	// index is the same round for every peer).
	Rounds []float64 `json:"rounds_mib_per_s,omitempty"`
}

// Report is one run of the benchmark.
type Report struct {
	Machine    string   `json:"machine"`
	Date       string   `json:"date"`
	Size       int64    `json:"size"`
	Concurrent int      `json:"concurrent"`
	Each       int64    `json:"each"`
	Runs       int      `json:"runs"`
	Results    []Result `json:"results"`
}

const (
	peerCartable = "Cartable tus"
	peerTusd     = "stock tusd"
	// peerPut is minio-go with its defaults: over plain HTTP it signs every 64 KiB
	// chunk of the body with SHA-256 (STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
	peerPut = "minio-go PutObject (defaults)"
	// peerPutUnsigned is minio-go told not to hash the body (DisableContentSha256:
	// UNSIGNED-PAYLOAD), as Cartable sends its parts by default: the fair raw baseline.
	peerPutUnsigned = "minio-go PutObject (no SHA-256)"
)

// defaultSettings are Cartable's shipped S3 store settings.
var defaultSettings = map[string]string{}

func (e *env) measure(ctx context.Context, r *Report, runs int, tune bool) error {
	node, err := e.StartCartable(ctx, defaultSettings)
	if err != nil {
		return err
	}
	defer node.Stop()
	prof, err := devTokens(node.Base, []string{"prof.martin"})
	if err != nil {
		return err
	}
	// The benchmark writes tens of GiB: lift the caps so that quota never refuses.
	if err := liftCaps(node.Base); err != nil {
		return err
	}
	var pupils []string
	for _, class := range []string{"6a", "5b"} {
		for i := 1; i <= 25; i++ {
			pupils = append(pupils, fmt.Sprintf("eleve.%s.%02d", class, i))
		}
	}
	burstTokens, err := devTokens(node.Base, pupils)
	if err != nil {
		return err
	}
	peers := []struct {
		name   string
		single uploader
		burst  uploader
		pid    int
	}{
		{peerPut, putObjectUploader(e.Minio, e.Bucket, false), putObjectUploader(e.Minio, e.Bucket, false), 0},
		{peerPutUnsigned, putObjectUploader(e.Minio, e.Bucket, true), putObjectUploader(e.Minio, e.Bucket, true), 0},
		{peerTusd, tusdUploader(e.tusd.Base), tusdUploader(e.tusd.Base), e.tusd.Cmd.Process.Pid},
		{peerCartable, cartableUploader(node.Base, prof), cartableUploader(node.Base, burstTokens), node.Cmd.Process.Pid},
	}
	// Warm-up, not measured: each peer's first upload, and each pupil's first one in
	// Cartable (which creates their personal space and quota account once for all).
	for _, p := range peers {
		for i := 0; i < len(pupils); i++ {
			if err := p.burst(ctx, i, 1024); err != nil {
				return fmt.Errorf("warm-up of %s: %w", p.name, err)
			}
		}
	}
	if err := e.settle(ctx); err != nil {
		return err
	}
	// Runs are interleaved (A, B, C, D, then D, C, B, A…) so that a slow moment of
	// the machine does not fall on one peer, nor the same place in the round on the
	// same peer; the median run of each peer is kept.
	singles, bursts := map[string][]Result{}, map[string][]Result{}
	inOrder := func(run int) []int {
		order := make([]int, len(peers))
		for i := range order {
			order[i] = i
			if run%2 == 1 {
				order[i] = len(peers) - 1 - i
			}
		}
		return order
	}
	for run := 0; run < runs; run++ {
		for _, i := range inOrder(run) {
			p := peers[i]
			res := single(ctx, p.name, p.single, r.Size, 1, p.pid)
			singles[p.name] = append(singles[p.name], res)
			logf("round %d %-32s %d MiB: %.0f MiB/s (%d errors) CPU s server %.1f client %.1f rest %.1f", run+1, p.name, r.Size>>20, res.MiBps, res.Errors, res.CPUServerS, res.CPUClientS, res.CPURestS)
			if err := e.settle(ctx); err != nil {
				return err
			}
		}
	}
	for run := 0; run < runs; run++ {
		for _, i := range inOrder(run) {
			p := peers[i]
			res := burst(ctx, p.name, p.burst, r.Concurrent, r.Each, p.pid)
			bursts[p.name] = append(bursts[p.name], res)
			logf("round %d %-32s burst: %.0f MiB/s p50 %.0f ms p99 %.0f ms (%d errors) CPU s server %.1f client %.1f rest %.1f", run+1, p.name, res.MiBps, res.P50ms, res.P99ms, res.Errors, res.CPUServerS, res.CPUClientS, res.CPURestS)
			if err := e.settle(ctx); err != nil {
				return err
			}
		}
	}
	for _, p := range peers {
		r.Results = append(r.Results, median(singles[p.name]), median(bursts[p.name]))
	}
	if tune {
		node.Stop()
		return e.tuning(ctx, r)
	}
	return nil
}

// settle empties the bucket after a measurement, and gives MinIO a moment to finish
// with the removals before the next one.
func (e *env) settle(ctx context.Context) error {
	if err := e.EmptyBucket(ctx); err != nil {
		return fmt.Errorf("empty the bucket: %w", err)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * time.Second):
		return nil
	}
}

// median keeps the run of median throughput (the upper one of an even count), with
// the errors of every run and the throughput of each.
func median(results []Result) Result {
	sorted := slices.Clone(results)
	slices.SortFunc(sorted, func(a, b Result) int { return cmp.Compare(a.MiBps, b.MiBps) })
	med := sorted[len(sorted)/2]
	med.Errors, med.Rounds = 0, nil
	for _, r := range results {
		med.Errors += r.Errors
		med.Rounds = append(med.Rounds, r.MiBps)
	}
	med.Runs = len(results)
	return med
}

// single uploads one file of size bytes runs times and keeps the median run.
func single(ctx context.Context, peer string, up uploader, size int64, runs, pid int) Result {
	var results []Result
	for i := 0; i < runs; i++ {
		base := proc.RSS(pid)
		proc.ResetPeak(pid)
		cpu := sampleCPU(pid)
		start := time.Now()
		err := up(ctx, i, size)
		secs := time.Since(start).Seconds()
		res := Result{Peer: peer, Scenario: "single", Bytes: size, Seconds: secs, MiBps: float64(size) / (1 << 20) / secs}
		res.CPUServerS, res.CPUClientS, res.CPURestS = cpuSeconds(cpu, sampleCPU(pid))
		if err != nil {
			res.Errors = 1
			logf("%s: %v", peer, err)
		}
		if pid != 0 {
			res.PeakRSSMiB = float64(proc.Peak(pid)) / 1024
			res.PerUploadKiB = float64(proc.Peak(pid) - base)
		}
		results = append(results, res)
	}
	return median(results)
}

// burst starts n uploads of each bytes at once.
func burst(ctx context.Context, peer string, up uploader, n int, each int64, pid int) Result {
	base := proc.RSS(pid)
	proc.ResetPeak(pid)
	latencies := make([]float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	cpu := sampleCPU(pid)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			errs[i] = up(ctx, i, each)
			latencies[i] = float64(time.Since(t0).Milliseconds())
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	res := Result{Peer: peer, Scenario: "burst", Bytes: int64(n) * each, Seconds: secs, MiBps: float64(int64(n)*each) / (1 << 20) / secs}
	res.CPUServerS, res.CPUClientS, res.CPURestS = cpuSeconds(cpu, sampleCPU(pid))
	for _, err := range errs {
		if err != nil {
			if res.Errors == 0 {
				logf("%s: %v", peer, err)
			}
			res.Errors++
		}
	}
	slices.Sort(latencies)
	res.P50ms, res.P99ms = latencies[n/2], latencies[n*99/100]
	if pid != 0 {
		res.PeakRSSMiB = float64(proc.Peak(pid)) / 1024
		res.PerUploadKiB = float64(proc.Peak(pid)-base) / float64(n)
	}
	return res
}

// tuning measures the 1 GiB upload under other S3 store settings, one node each.
func (e *env) tuning(ctx context.Context, r *Report) error {
	shm := "/dev/shm"
	if _, err := os.Stat(shm); err != nil {
		shm = ""
	}
	matrix := []map[string]string{
		{"CARTABLE_UPLOAD_PART_BYTES": "8388608"},
		{"CARTABLE_UPLOAD_PART_BYTES": "33554432"},
		{"CARTABLE_UPLOAD_PART_BYTES": "67108864"},
		{"CARTABLE_UPLOAD_BUFFERED_PARTS": "1"},
		{"CARTABLE_UPLOAD_BUFFERED_PARTS": "16"},
		{"CARTABLE_UPLOAD_CONCURRENT_PARTS": "2"},
		{"CARTABLE_UPLOAD_CONCURRENT_PARTS": "16"},
		{"CARTABLE_UPLOAD_PART_HASHES": "true"},
	}
	if shm != "" {
		matrix = append(matrix, map[string]string{"CARTABLE_UPLOAD_TEMP_DIR": shm},
			map[string]string{"CARTABLE_UPLOAD_TEMP_DIR": shm, "CARTABLE_UPLOAD_PART_BYTES": "33554432"})
	}
	for _, settings := range matrix {
		node, err := e.StartCartable(ctx, settings)
		if err != nil {
			return err
		}
		tokens, err := devTokens(node.Base, []string{"prof.martin"})
		if err == nil {
			res := single(ctx, peerCartable, cartableUploader(node.Base, tokens), r.Size, 1, node.Cmd.Process.Pid)
			if res.Errors > 0 {
				node.Stop()
				return fmt.Errorf("tuning %s: the upload failed", describe(settings))
			}
			res.Scenario, res.Settings = "tuning", describe(settings)
			r.Results = append(r.Results, res)
			logf("tuning %-50s %.0f MiB/s", res.Settings, res.MiBps)
		}
		node.Stop()
		if err == nil {
			err = e.settle(ctx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func describe(settings map[string]string) string {
	var parts []string
	for k, v := range settings {
		k = strings.ToLower(strings.TrimPrefix(k, "CARTABLE_UPLOAD_"))
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 1<<20 {
			v = fmt.Sprintf("%d MiB", n>>20)
		}
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func machine() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s, %d CPUs (%s), %s", host, runtime.NumCPU(), record.CPU(), runtime.Version())
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
