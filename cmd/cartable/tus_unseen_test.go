package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestTusPartsUnseenAreUnavailable: the store fails to find an unfinished
// upload's parts that its row says are in S3 (as a MinIO node back from a
// restart did, before it saw its peers: make chaos). HEAD and PATCH answer 503
// unavailable with Retry-After, which a tus client waits out and resumes after,
// not 404, on which it would start the upload over. Once the store finds them
// again, the upload resumes and ends.
func TestTusPartsUnseenAreUnavailable(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	data := randomData(t, 21<<20)
	tus := prof.tus()
	path, r := tus.create(len(data), metadata("filename", "cours.mp4", "parent", prof.home()))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	tus.send(path, data[:5<<20], 0, 5<<20)

	// The store loses sight of the upload's info object for a while.
	ctx := t.Context()
	var infoKey string
	for obj, err := range in.app.store.List(ctx, "uploads/") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(obj.Key, ".info") {
			infoKey = obj.Key
		}
	}
	if infoKey == "" {
		t.Fatal("the unfinished upload has no info object in S3")
	}
	body, err := in.app.store.Open(ctx, infoKey, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	info, err := io.ReadAll(body)
	body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := in.app.store.Delete(ctx, infoKey); err != nil {
		t.Fatal(err)
	}
	for what, r := range map[string]response{
		"HEAD":  tus.do(http.MethodHead, path, nil, nil),
		"PATCH": tus.patch(path, 5<<20, data[5<<20:10<<20]),
	} {
		if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s while the store does not find the upload: %d (Retry-After %q) %s; want 503 with Retry-After",
				what, r.StatusCode, r.Header.Get("Retry-After"), r.body)
		}
	}

	// The store finds it again: the client resumes from the offset it is told.
	if _, err := in.app.store.Put(ctx, infoKey, bytes.NewReader(info), int64(len(info)), "application/json"); err != nil {
		t.Fatal(err)
	}
	off := tus.offset(path)
	last := tus.send(path, data, off, 8<<20)
	got := prof.get(itemPath(last.Header.Get("Cartable-Item-Id"), "/content"))
	if !bytes.Equal(got.body, data) {
		t.Fatal("the resumed upload's bytes differ")
	}
}
