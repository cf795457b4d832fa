package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"cartable/bench/node"
	"cartable/previewtest"
)

// Workload is what the teacher and her pupils do with the files measured.
type Workload struct {
	Files        int `json:"files"`
	PhotoEvery   int `json:"photo_every"`
	ShareEvery   int `json:"share_every"`
	VersionEvery int `json:"version_every"`
	Workers      int `json:"workers"`
}

// Done counts what the workload did, for the per-file figures.
type Done struct {
	Files     int   `json:"files"`
	Photos    int   `json:"photos"`
	Shares    int   `json:"shares"`
	Versions  int   `json:"versions"`
	Downloads int   `json:"downloads"`
	Bytes     int64 `json:"bytes"` // of the files' contents, versions included

	ids []string // of the files posted
}

// pupils of 6A in the demo collège who open the files.
const pupils = 25

// run posts the files into 6A's class space, shares and versions some, has
// pupils open them, and waits for the node's jobs to finish.
func (w Workload) run(ctx context.Context, server *node.Process, dbURL string) (Done, error) {
	prof, err := server.As(ctx, "prof.martin")
	if err != nil {
		return Done{}, err
	}
	class, err := prof.ClassRoot(ctx, "0600001A-6A")
	if err != nil {
		return Done{}, err
	}
	readers := make([]*node.Client, pupils)
	for i := range readers {
		if readers[i], err = server.As(ctx, fmt.Sprintf("eleve.6a.%02d", i+1)); err != nil {
			return Done{}, err
		}
	}
	var done Done
	var mu sync.Mutex
	err = parallel(w.Files, w.Workers, func(i int) error {
		d, err := w.file(ctx, i, prof, class)
		mu.Lock()
		done.add(d)
		mu.Unlock()
		return err
	})
	if err != nil {
		return done, err
	}
	logf("%d files posted; waiting for their scans and thumbnails", done.Files)
	// The pupils open them once they are scanned (before, they may not).
	if err := waitForJobs(ctx, dbURL); err != nil {
		return done, err
	}
	err = parallel(len(done.ids), w.Workers, func(i int) error {
		if err := readers[i%pupils].Call(ctx, http.MethodGet, "/api/v1/items/"+done.ids[i]+"/content", nil, nil); err != nil {
			return fmt.Errorf("open %s: %w", done.ids[i], err)
		}
		mu.Lock()
		done.Downloads++
		mu.Unlock()
		return nil
	})
	if err != nil {
		return done, err
	}
	return done, waitForJobs(ctx, dbURL)
}

// parallel runs fn for 0…n-1 on workers goroutines, and stops giving out work
// at the first error, which it returns.
func parallel(n, workers int, fn func(i int) error) error {
	var failed atomic.Pointer[error]
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := fn(i); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	for i := 0; i < n && failed.Load() == nil; i++ {
		work <- i
		if (i+1)%1000 == 0 {
			logf("%d of %d", i+1, n)
		}
	}
	close(work)
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	return nil
}

// file posts the i-th file and does with it what the workload says.
func (w Workload) file(ctx context.Context, i int, prof *node.Client, class string) (Done, error) {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	name, content := fmt.Sprintf("document-%05d.bin", i), randomBytes(rng, 1<<10+rng.IntN(63<<10))
	d := Done{Files: 1}
	if i%w.PhotoEvery == 0 {
		name, content = fmt.Sprintf("photo-%05d.jpg", i), previewtest.Photo(640, 480, 0, uint64(i))
		d.Photos = 1
	}
	var it struct {
		ID string `json:"id"`
	}
	if err := prof.Upload(ctx, class, name, bytes.NewReader(content), &it); err != nil {
		return d, fmt.Errorf("post %s: %w", name, err)
	}
	d.Bytes += int64(len(content))
	d.ids = []string{it.ID}
	if i%w.ShareEvery == 0 {
		share := map[string]any{"grantee": map[string]any{"kind": "group", "id": "0600001A-5B", "profile": "Student"}, "role": "viewer"}
		if err := prof.Call(ctx, http.MethodPost, "/api/v1/items/"+it.ID+"/permissions", share, nil); err != nil {
			return d, fmt.Errorf("share %s: %w", name, err)
		}
		d.Shares = 1
	}
	if i%w.VersionEvery == 1 {
		again := randomBytes(rng, len(content))
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, prof.Base+"/api/v1/items/"+it.ID+"/content", bytes.NewReader(again))
		if err != nil {
			return d, err
		}
		if err := prof.Do(req, nil); err != nil {
			return d, fmt.Errorf("new version of %s: %w", name, err)
		}
		d.Versions, d.Bytes = 1, d.Bytes+int64(len(again))
	}
	return d, nil
}

func (d *Done) add(o Done) {
	d.Files += o.Files
	d.Photos += o.Photos
	d.Shares += o.Shares
	d.Versions += o.Versions
	d.Downloads += o.Downloads
	d.Bytes += o.Bytes
	d.ids = append(d.ids, o.ids...)
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// waitForJobs waits until the node's jobs have nothing left to do for what the
// workload did: no job waiting or running, and no preview being made.
func waitForJobs(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	quiet := 0
	for deadline := time.Now().Add(20 * time.Minute); quiet < 3; time.Sleep(time.Second) {
		var busy int
		err := conn.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable') AND scheduled_at <= now())
			     + (SELECT count(*) FROM previews WHERE state = 'pending' OR NOT complete)`).Scan(&busy)
		if err != nil {
			return fmt.Errorf("jobs left: %w", err)
		}
		if busy == 0 {
			quiet++
		} else {
			quiet = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d jobs or previews still busy after 20 minutes", busy)
		}
	}
	return nil
}
