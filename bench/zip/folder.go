package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"cartable/bench/node"
)

// Shape is the folder the benchmark fills.
type Shape struct {
	Folders    int   `json:"folders"`
	PerFolder  int   `json:"per_folder"`
	SmallMax   int   `json:"small_max_bytes"`
	Large      int   `json:"large"`
	LargeBytes int64 `json:"large_bytes"`
}

// root is the folder zipped whole; its name is the zip's top folder.
const root = "Année 2025-2026"

// emptyFolder is kept in the zip as an entry of its own.
const emptyFolder = "Sorties (à venir)"

// folder is the filled folder: its id, one sub-folder's id, and the SHA-256 and
// size of every file by its path in the zip.
type folder struct {
	server  *node.Process
	api     *node.Client // prof.martin's
	id      string
	oneSub  string
	subSize int // files in oneSub
	want    map[string]file
	dirs    []string // folder entries the zip must hold ("…/")
	bytes   int64
}

type file struct {
	sum  string
	size int64
}

// fill makes the folder as prof.martin, through the API only.
func fill(ctx context.Context, server *node.Process, shape Shape, workers int, r *Report) (*folder, error) {
	f := &folder{server: server, want: map[string]file{}}
	if err := server.LiftQuota(ctx, "prof.martin"); err != nil {
		return nil, err
	}
	var err error
	if f.api, err = server.As(ctx, "prof.martin"); err != nil {
		return nil, err
	}
	home, err := f.api.Home(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if f.id, err = f.mkdir(ctx, home, root); err != nil {
		return nil, err
	}
	if _, err := f.mkdir(ctx, f.id, emptyFolder); err != nil {
		return nil, err
	}
	f.dirs = append(f.dirs, root+"/", root+"/"+emptyFolder+"/")
	if err := f.small(ctx, shape, workers); err != nil {
		return nil, err
	}
	if err := f.large(ctx, shape); err != nil {
		return nil, err
	}
	r.Files, r.Bytes = len(f.want), f.bytes
	r.FillSeconds = time.Since(start).Seconds()
	logf("filled %d files, %.2f GiB, in %s", r.Files, float64(r.Bytes)/(1<<30), time.Since(start).Round(time.Second))
	return f, nil
}

// small uploads the sub-folders' files, workers at a time, each file a multipart
// request: half are text (deflated in the zip), half random bytes (stored).
func (f *folder) small(ctx context.Context, shape Shape, workers int) error {
	type job struct {
		parent, path, name string
		seed               uint64
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var firstErr error
	var done atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				data := smallFile(j.seed, shape.SmallMax, j.name)
				if err := f.upload(ctx, j.parent, j.name, bytes.NewReader(data)); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					continue
				}
				sum := sha256.Sum256(data)
				mu.Lock()
				f.want[j.path] = file{hex.EncodeToString(sum[:]), int64(len(data))}
				f.bytes += int64(len(data))
				mu.Unlock()
				if n := done.Add(1); n%5000 == 0 {
					logf("  %d small files uploaded", n)
				}
			}
		}()
	}
	var err error
	for i := 0; i < shape.Folders && err == nil && ctx.Err() == nil; i++ {
		sub := fmt.Sprintf("Séquence %02d", i+1)
		var id string
		if id, err = f.mkdir(ctx, f.id, sub); err != nil {
			break
		}
		if i == 0 {
			f.oneSub, f.subSize = id, shape.PerFolder
		}
		f.dirs = append(f.dirs, root+"/"+sub+"/")
		for k := range shape.PerFolder {
			ext := ".txt"
			if k%2 == 1 {
				ext = ".bin"
			}
			name := fmt.Sprintf("exercice %04d élève%s", k+1, ext)
			jobs <- job{id, root + "/" + sub + "/" + name, name, uint64(i)<<32 | uint64(k)}
		}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return err
	}
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// smallFile is a file's deterministic content: words for a .txt, random bytes otherwise.
func smallFile(seed uint64, maxSize int, name string) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	n := 1024 + rng.IntN(maxSize-1024+1)
	b := make([]byte, n)
	if name[len(name)-4:] == ".txt" {
		words := []string{"fraction ", "élève ", "exercice ", "calcul ", "dénominateur ", "numérateur ", "leçon\n"}
		for i := 0; i < n; {
			i += copy(b[i:], words[rng.IntN(len(words))])
		}
		return b
	}
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// large uploads the large files one at a time, streamed from a random source and
// hashed as they go.
func (f *folder) large(ctx context.Context, shape Shape) error {
	for i := range shape.Large {
		name := fmt.Sprintf("Vidéo sortie %d.mp4", i+1)
		start := time.Now()
		h := sha256.New()
		src := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{byte(i), 'z', 'i', 'p'}), shape.LargeBytes), h)
		if err := f.upload(ctx, f.id, name, src); err != nil {
			return err
		}
		f.want[root+"/"+name] = file{hex.EncodeToString(h.Sum(nil)), shape.LargeBytes}
		f.bytes += shape.LargeBytes
		logf("  %s (%d MiB) uploaded in %s", name, shape.LargeBytes>>20, time.Since(start).Round(time.Second))
	}
	return nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// upload sends one file in a multipart request streamed from body.
func (f *folder) upload(ctx context.Context, parent, name string, body io.Reader) error {
	return f.api.Upload(ctx, parent, name, body, nil)
}

func (f *folder) mkdir(ctx context.Context, parent, name string) (string, error) {
	var made struct{ ID string }
	err := f.api.Call(ctx, http.MethodPost, "/api/v1/items/"+parent+"/children", map[string]any{"name": name, "folder": struct{}{}}, &made)
	return made.ID, err
}
