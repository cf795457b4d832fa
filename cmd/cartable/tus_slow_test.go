package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// trickle gives its data a chunk at a time, a pause before each: a slow link
// that never stops sending.
type trickle struct {
	data  []byte
	chunk int
	pause time.Duration
}

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestTusSlowWholeFileIsNeverCut: a file sent whole in one request (the tus
// creation with its data, and a first PATCH with all of it) over a link so slow
// that it takes longer than the network timeout, but that never stops sending,
// arrives whole: each read pushes the deadlines back. (A whole file used to be
// cut at the timeout, 60 s by default, found by bench/load: 1.4 MB at 160
// kbit/s.) A body that stops coming longer than the timeout still fails.
func TestTusSlowWholeFileIsNeverCut(t *testing.T) {
	// 3 s: the deadlines move at most once a second, so a read may wait up to 2 s
	// for its bytes, against 160 ms between them here.
	const timeout = 3 * time.Second
	in := startWith(t, func(cfg *Config) { cfg.UploadNetworkTimeout = timeout })
	lea := in.as("eleve.6a.01")
	data := randomData(t, 64<<10)
	slow := func() io.Reader { return &trickle{data: data, chunk: len(data) / 30, pause: 160 * time.Millisecond} } // 31 × 160 ms ≈ 5 s

	send := func(method, path string, body io.Reader, header map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, in.url+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+lea.token)
		req.Header.Set("Tus-Resumable", "1.0.0")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		req.ContentLength = int64(len(data))
		res, err := in.http.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		res.Body.Close()
		return res
	}
	check := func(res *http.Response, want int, what string) {
		t.Helper()
		if res.StatusCode != want {
			t.Fatalf("%s: %d, want %d", what, res.StatusCode, want)
		}
		id := res.Header.Get("Cartable-Item-Id")
		if got := lea.get(itemPath(id, "/content")); !bytes.Equal(got.body, data) {
			t.Fatalf("%s: the file reads back as %d other bytes", what, len(got.body))
		}
	}
	meta := func(name string) string { return metadata("filename", name, "parent", lea.home()) }

	start := time.Now()
	check(send(http.MethodPost, "/api/v1/uploads", slow(), map[string]string{
		"Upload-Length": strconv.Itoa(len(data)), "Upload-Metadata": meta("lent-creation.bin"),
		"Content-Type": "application/offset+octet-stream"}), http.StatusCreated, "a slow creation with its data")
	if took := time.Since(start); took <= timeout {
		t.Fatalf("the slow body took %s, not more than the %s timeout: the test proves nothing", took, timeout)
	}

	path, r := lea.tus().create(len(data), meta("lent-patch.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	check(send(http.MethodPatch, path, slow(), map[string]string{
		"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}), http.StatusNoContent, "a slow whole PATCH")

	// A body that stops coming for longer than the timeout fails, and the
	// upload is still there to resume.
	path, r = lea.tus().create(len(data), meta("coupé.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	stalled := &trickle{data: data[:1], chunk: 1, pause: 0}
	res := send(http.MethodPatch, path, io.MultiReader(stalled, &trickle{data: data[1:], chunk: len(data), pause: 3 * timeout}), map[string]string{
		"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
	if res.StatusCode < 500 {
		t.Errorf("a body stalled for %s: %d, want a 5xx the client resumes after", 3*timeout, res.StatusCode)
	}
	if off := lea.tus().offset(path); off != 0 {
		t.Errorf("the cut upload's offset is %d, want 0 (nothing stored)", off)
	}
}
