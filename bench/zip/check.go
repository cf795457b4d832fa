package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cartable/bench/node"
)

// Download is one zip downloaded: its size, time and the server's memory meanwhile.
type Download struct {
	Files   int     `json:"files"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	MiBps   float64 `json:"mib_per_s"`
	node.Memory
}

// check downloads the small zip then the whole one (kept on disk), has unzip test
// and extract it, and drops a third download midway.
func (f *folder) check(ctx context.Context, r *Report, dir string) error {
	work, err := os.MkdirTemp(dir, "cartable-zip-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	zipPath := filepath.Join(work, "dossier.zip")
	if r.Small, err = f.download(ctx, f.oneSub, f.subSize, io.Discard); err != nil {
		return fmt.Errorf("zip of one sub-folder: %w", err)
	}
	logf("zip of one sub-folder: %d files, %.1f MiB/s, heap %.1f → %.1f MiB", r.Small.Files, r.Small.MiBps, r.Small.HeapBeforeMiB, r.Small.HeapPeakMiB)
	out, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	r.Whole, err = f.download(ctx, f.id, len(f.want), out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("zip of the folder: %w", err)
	}
	logf("zip of the folder: %.2f GiB in %.0f s, %.1f MiB/s, heap %.1f → %.1f MiB, RSS %.0f → %.0f MiB", float64(r.Whole.Bytes)/(1<<30),
		r.Whole.Seconds, r.Whole.MiBps, r.Whole.HeapBeforeMiB, r.Whole.HeapPeakMiB, r.Whole.RSSBeforeMiB, r.Whole.RSSPeakMiB)
	if err := f.unzip(ctx, r, zipPath, work); err != nil {
		return err
	}
	return f.dropped(ctx, r)
}

// download asks for a zip of one item and copies it to w while the server's memory
// is sampled.
func (f *folder) download(ctx context.Context, item string, files int, w io.Writer) (Download, error) {
	d := Download{Files: files}
	var err error
	d.Memory, d.Bytes, d.Seconds, err = f.server.Sampled(ctx, func() (int64, error) {
		res, err := f.openZip(ctx, item)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		return io.CopyBuffer(w, res.Body, make([]byte, 256<<10))
	})
	d.MiBps = float64(d.Bytes) / (1 << 20) / d.Seconds
	return d, err
}

// openZip makes a zip of one item and starts reading its signed URL.
func (f *folder) openZip(ctx context.Context, item string) (*http.Response, error) {
	var zip struct {
		URL string `json:"download_url"`
	}
	if err := f.api.Call(ctx, http.MethodPost, "/api/v1/zips", map[string]any{"item_ids": []string{item}}, &zip); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, zip.URL, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
		res.Body.Close()
		return nil, fmt.Errorf("GET the zip: %d %s", res.StatusCode, b)
	}
	return res, nil
}

// unzip has Info-ZIP's unzip test every entry's CRC, list the names and extract
// everything; then every file's bytes are compared with what was uploaded.
func (f *folder) unzip(ctx context.Context, r *Report, zipPath, work string) error {
	start := time.Now()
	if out, err := exec.CommandContext(ctx, "unzip", "-tqq", zipPath).CombinedOutput(); err != nil {
		return fmt.Errorf("unzip -t: %v: %s", err, tail(out))
	}
	r.TestSeconds = time.Since(start).Seconds()
	listing, err := exec.CommandContext(ctx, "unzip", "-Z1", zipPath).Output()
	if err != nil {
		return fmt.Errorf("unzip -Z1: %w", err)
	}
	names := strings.Split(strings.TrimSuffix(string(listing), "\n"), "\n")
	r.Entries = len(names)
	wantNames := slices.Concat(f.dirs, mapKeys(f.want))
	slices.Sort(names)
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		return fmt.Errorf("the zip lists %d names, want %d (first difference: %s)", len(names), len(wantNames), firstDiff(names, wantNames))
	}
	version, _ := exec.CommandContext(ctx, "unzip", "-v").Output()
	r.Unzip = strings.TrimSpace(strings.SplitN(string(version), "\n", 2)[0])
	into := filepath.Join(work, "x")
	start = time.Now()
	if out, err := exec.CommandContext(ctx, "unzip", "-qq", zipPath, "-d", into).CombinedOutput(); err != nil {
		return fmt.Errorf("unzip: %v: %s", err, tail(out))
	}
	r.ExtractSeconds = time.Since(start).Seconds()
	if err := os.Remove(zipPath); err != nil {
		return err
	}
	start = time.Now()
	if err := f.compare(into, r); err != nil {
		return err
	}
	logf("unzip: %d entries tested in %.0f s, extracted in %.0f s, every byte equal (compared in %.0f s)", r.Entries, r.TestSeconds,
		r.ExtractSeconds, time.Since(start).Seconds())
	return nil
}

// compare walks the extracted tree: every file uploaded is there with its bytes,
// every folder entry too, nothing else.
func (f *folder) compare(into string, r *Report) error {
	seen := 0
	err := filepath.WalkDir(into, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(into, path)
		want, ok := f.want[filepath.ToSlash(rel)]
		if !ok {
			return fmt.Errorf("extracted %q, which was not uploaded", rel)
		}
		sum, size, err := hashFile(path)
		if err != nil {
			return err
		}
		if sum != want.sum || size != want.size {
			return fmt.Errorf("%s: %d bytes, SHA-256 %s; uploaded %d bytes, %s", rel, size, sum, want.size, want.sum)
		}
		seen++
		return nil
	})
	if err != nil {
		return err
	}
	if seen != len(f.want) {
		return fmt.Errorf("extracted %d files, want %d", seen, len(f.want))
	}
	if _, err := os.Stat(filepath.Join(into, root, emptyFolder)); err != nil {
		return fmt.Errorf("the empty folder: %w", err)
	}
	r.BytesEqual = seen
	return nil
}

func hashFile(path string) (string, int64, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer file.Close()
	h := sha256.New()
	n, err := io.Copy(h, bufio.NewReaderSize(file, 256<<10))
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// dropped starts the whole zip again, reads 256 MiB (or half) and hangs up: the server's
// goroutines come back to their count at rest, and how long that takes.
func (f *folder) dropped(ctx context.Context, r *Report) error {
	// The server's idle connections to S3 hold goroutines too (the read-ahead opens
	// several): a small zip first fills that pool, so that "at rest" counts them.
	if _, err := f.download(ctx, f.oneSub, f.subSize, io.Discard); err != nil {
		return err
	}
	// Idle kept-alive connections hold a goroutine each on the server: none is left
	// open when the goroutines are counted.
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	before := f.server.Goroutines(ctx)
	res, err := f.openZip(ctx, f.id)
	if err != nil {
		return err
	}
	r.Drop.ReadBytes = min(256<<20, r.Whole.Bytes/2)
	if _, err := io.CopyN(io.Discard, res.Body, r.Drop.ReadBytes); err != nil {
		res.Body.Close()
		return fmt.Errorf("read the first %d bytes: %w", r.Drop.ReadBytes, err)
	}
	during := f.server.Goroutines(ctx)
	res.Body.Close()
	start := time.Now()
	for f.server.Goroutines(ctx) > before && time.Since(start) < 30*time.Second {
		http.DefaultClient.CloseIdleConnections()
		time.Sleep(10 * time.Millisecond)
	}
	r.Drop = Drop{ReadBytes: r.Drop.ReadBytes, GoroutinesAtRest: before, GoroutinesDuring: during, GoroutinesAfter: f.server.Goroutines(ctx),
		ReleasedSeconds: time.Since(start).Seconds(), HeapAfterMiB: f.server.HeapInUse(ctx)}
	if r.Drop.GoroutinesAfter > before {
		return fmt.Errorf("30 s after the client hung up the server still has %.0f goroutines, %.0f at rest", r.Drop.GoroutinesAfter, before)
	}
	logf("dropped after %d MiB:", r.Drop.ReadBytes>>20)
	logf("   goroutines %.0f → %.0f → %.0f in %.2f s", before, during, r.Drop.GoroutinesAfter, r.Drop.ReleasedSeconds)
	return nil
}

// Drop is what the server held while a zip was read and after its reader hung up.
type Drop struct {
	ReadBytes        int64   `json:"read_bytes"`
	GoroutinesAtRest float64 `json:"goroutines_at_rest"`
	GoroutinesDuring float64 `json:"goroutines_during"`
	GoroutinesAfter  float64 `json:"goroutines_after"`
	ReleasedSeconds  float64 `json:"released_seconds"`
	HeapAfterMiB     float64 `json:"heap_after_mib"`
}

func mapKeys(m map[string]file) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%q in the zip, %q uploaded", a[i], b[i])
		}
	}
	return "one list is longer"
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
