package main

import (
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestTusResumesOnAnotherNodeAfterSIGKILL: an upload begun on node A, which is
// SIGKILLed in the middle of a PATCH, is resumed and finished on node B by a new
// client that only knows the upload's URL; the file's bytes are the ones sent.
func TestTusResumesOnAnotherNodeAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	t.Parallel()
	bin, dbURL, s3, _ := binaryStack(t)
	const public = "http://cartable.lycee.test"
	nodeA, procA := startBinary(t, bin, dbURL, s3, public)
	nodeB, _ := startBinary(t, bin, dbURL, s3, public)
	token := devTokenFor(t, nodeA, "eleve.6a.05")
	data := randomData(t, 48<<20)

	a := &tusClient{t: t, base: nodeA, token: token, http: &http.Client{Timeout: time.Minute}}
	path, r := a.create(len(data), metadata("filename", "projet-video.mp4"))
	if path == "" {
		t.Fatalf("create on A: %d %s", r.StatusCode, r.body)
	}
	a.send(path, data[:20<<20], 0, 5<<20)
	// A PATCH is streaming into A when A is killed.
	go func() {
		slow := &slowReader{data: data[20<<20 : 40<<20], pause: 20 * time.Millisecond}
		req, _ := http.NewRequest(http.MethodPatch, nodeA+path, slow)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Upload-Offset", strconv.Itoa(20<<20))
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	time.Sleep(500 * time.Millisecond)
	if err := procA.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = procA.Wait()

	// A new client process, against node B, with the same token and the upload URL.
	b := &tusClient{t: t, base: nodeB, token: token, http: &http.Client{Timeout: time.Minute}}
	var off int
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := b.do(http.MethodHead, path, nil, nil)
		if r.StatusCode == http.StatusOK {
			off, _ = strconv.Atoi(r.Header.Get("Upload-Offset"))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HEAD on B: %d %s", r.StatusCode, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if off < 20<<20 || off > 40<<20 {
		t.Fatalf("offset on B = %d, want between 20 and 40 MiB", off)
	}
	last := b.send(path, data, off, 8<<20)
	id := last.Header.Get("Cartable-Item-Id")
	if id == "" {
		t.Fatalf("the last PATCH on B names no item: %v", last.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, nodeB+itemPath(id, "/content"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("downloaded %d bytes whose SHA-256 differs from the %d sent", len(got), len(data))
	}
}

// slowReader yields its data in 256 KiB steps with a pause between them, like a
// weak connection.
type slowReader struct {
	data  []byte
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := copy(p[:min(len(p), 256<<10)], s.data)
	s.data = s.data[n:]
	return n, nil
}
