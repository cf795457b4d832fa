package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
)

// TestTusFinishedAgainAfterS3FailedToComplete: S3 takes every part of an
// upload, then fails to put them together (CompleteMultipartUpload), as MinIO's
// nodes just back from a restart did (make chaos). The final PATCH fails; the
// client asks HEAD, as tus clients do, and Cartable has the parts put together
// then and commits the file, instead of answering for ever that it cannot read
// an object that was never made.
func TestTusFinishedAgainAfterS3FailedToComplete(t *testing.T) {
	var refuseCompletion atomic.Bool
	in := startWith(t, func(cfg *Config) {
		target, err := url.Parse("http://" + cfg.S3Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(target) // the Host header is kept: S3 signatures cover it
		s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if refuseCompletion.Load() && r.Method == http.MethodPost && r.URL.Query().Has("uploadId") {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidPart</Code><Message>One or more of the specified parts could not be found.</Message></Error>`))
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		t.Cleanup(s3.Close)
		cfg.S3Endpoint = s3.Listener.Addr().String()
	})
	prof := in.as("prof.martin")
	data := randomData(t, 21<<20)
	tus := prof.tus()
	path, r := tus.create(len(data), metadata("filename", "conseil de classe.mp4", "parent", prof.home()))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	tus.send(path, data[:8<<20], 0, 8<<20)

	refuseCompletion.Store(true)
	last := tus.patch(path, 8<<20, data[8<<20:])
	if last.StatusCode < 500 {
		t.Fatalf("the final PATCH while S3 refuses to complete: %d %s, want a 5xx", last.StatusCode, last.body)
	}
	refuseCompletion.Store(false)

	head := tus.do(http.MethodHead, path, nil, nil)
	id := head.Header.Get("Cartable-Item-Id")
	if head.StatusCode != http.StatusOK || head.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) || id == "" {
		t.Fatalf("HEAD after S3 failed to complete: %d offset %q item %q %s; want the upload finished and committed",
			head.StatusCode, head.Header.Get("Upload-Offset"), id, head.body)
	}
	if got := prof.get(itemPath(id, "/content")); !bytes.Equal(got.body, data) {
		t.Fatalf("the file reads back as %d other bytes", len(got.body))
	}
}
