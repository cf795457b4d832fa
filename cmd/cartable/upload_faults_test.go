package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"cartable/storage"
)

// uploadExpecting sends a file as multipart/form-data with "Expect: 100-continue":
// the body goes only once the server has admitted the upload.
func (u *user) uploadExpecting(parent, name string, data []byte) response {
	u.t.Helper()
	return u.uploadWith(parent, name, data, "", map[string]string{"Expect": "100-continue"})
}

// TestOverQuotaUploadRefusedBeforeBody: an upload that cannot fit is refused before
// the server asks for its body: a client waiting for "100 Continue" gets the 413 and
// sends nothing, and a fitting one gets "100 Continue".
func TestOverQuotaUploadRefusedBeforeBody(t *testing.T) {
	in := start(t)
	svc := in.as("service.provisioning")
	setLimit(t, svc, "structures/0600001A/pool", 1*mib)
	pupil := in.as("eleve.6a.04")
	root := pupil.home()
	for _, tc := range []struct {
		name   string
		length int
		want   string
	}{
		{"too big for the pool", 4 * mib, "HTTP/1.1 413"},
		{"fits", 64 << 10, "HTTP/1.1 100"},
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /api/v1/items/%s/children HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
			root, pupil.token, tc.length)
		conn.SetReadDeadline(time.Now().Add(time.Minute))
		status, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil || !strings.HasPrefix(status, tc.want) {
			t.Errorf("%s: first answer %q (%v), want %s before any byte of the body", tc.name, status, err, tc.want)
		}
	}
	waitNoReservation(t, in)
}

// waitNoReservation waits until nothing is reserved (an upload given up by its
// client is released by its request's end).
func waitNoReservation(t *testing.T, in *instance) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for in.count(t, `SELECT count(*) FROM quota_reservations`)+in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d reservations still held", in.count(t, `SELECT count(*) FROM quota_reservations`))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTusCreationFailureKeepsNothing: with object storage down, a creation that
// carries its bytes (small: one PutObject; large: a multipart upload) fails with a
// 503 problem that names nothing internal, and keeps no reservation, upload row or
// blob: the client never learnt a URL to resume or terminate.
func TestTusCreationFailureKeepsNothing(t *testing.T) {
	var s3 *faultProxy
	in := startWith(t, func(cfg *Config) {
		s3 = newFaultProxy(t, cfg.S3Endpoint)
		cfg.S3Endpoint = s3.addr()
		cfg.UploadPartBytes = 5 << 20
	})
	prof := in.as("prof.martin")
	tus := prof.tus()
	s3.cut()
	for _, size := range []int{3000, 6 << 20} {
		r := tus.do(http.MethodPost, "/api/v1/uploads", bytes.NewReader(bytes.Repeat([]byte("a"), size)), map[string]string{
			"Upload-Length":   strconv.Itoa(size),
			"Upload-Metadata": metadata("filename", "panne.bin"),
			"Content-Type":    "application/offset+octet-stream",
		})
		wantUnavailable(t, in, r, fmt.Sprintf("creation with %d bytes while S3 is down", size), s3.addr(), in.app.cfg.S3Bucket, "blobs/")
	}
	for _, table := range []string{"quota_reservations", "uploads", "blobs"} {
		if n := in.count(t, "SELECT count(*) FROM "+table); n != 0 {
			t.Errorf("%d rows left in %s by failed creations", n, table)
		}
	}
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes still reserved", n)
	}

	// An upload created before the outage keeps its reservation and resumes after.
	path, r := tus.create(6<<20, metadata("filename", "reprise.bin"))
	wantStatus(t, r, http.StatusCreated, "create without bytes (S3 is not needed)")
	data := randomData(t, 6<<20)
	wantUnavailable(t, in, tus.patch(path, 0, data), "PATCH while S3 is down", s3.addr(), in.app.cfg.S3Bucket, "blobs/")
	s3.restore()
	r = tus.send(path, data, tus.offset(path), 1<<20)
	wantStatus(t, r, http.StatusNoContent, "resume after the outage")
	if r.Header.Get("Cartable-Item-Id") == "" {
		t.Fatal("the resumed upload did not commit")
	}
	waitNoReservation(t, in)
}

// TestTusZeroByteFile: an empty file is a file, whether created empty or sent in a
// creation with an empty body.
func TestTusZeroByteFile(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	tus := prof.tus()
	for _, header := range []map[string]string{
		{},
		{"Content-Type": "application/offset+octet-stream"},
	} {
		header["Upload-Length"] = "0"
		header["Upload-Metadata"] = metadata("filename", "vide.txt", "conflict", "rename")
		r := tus.do(http.MethodPost, "/api/v1/uploads", nil, header)
		wantStatus(t, r, http.StatusCreated, "create an empty file")
		id := r.Header.Get("Cartable-Item-Id")
		if id == "" || r.Header.Get("Upload-Offset") != "0" {
			t.Fatalf("empty upload: item %q, offset %q", id, r.Header.Get("Upload-Offset"))
		}
		if it := prof.get(itemPath(id)).item(t); it.Size != 0 {
			t.Errorf("empty file has size %d", it.Size)
		}
		if c := prof.get(itemPath(id, "/content")); c.StatusCode != http.StatusOK || len(c.body) != 0 {
			t.Errorf("empty file content: %d, %d bytes", c.StatusCode, len(c.body))
		}
		head := tus.do(http.MethodHead, strings.TrimPrefix(r.Header.Get("Location"), in.url), nil, nil)
		if head.StatusCode != http.StatusOK || head.Header.Get("Upload-Offset") != "0" || head.Header.Get("Upload-Length") != "0" {
			t.Errorf("HEAD of the empty upload: %d offset %q length %q", head.StatusCode, head.Header.Get("Upload-Offset"), head.Header.Get("Upload-Length"))
		}
	}
}

// TestTusProtocolErrors: what the tus 1.0 protocol says of malformed or
// out-of-turn requests, each answered as a problem with a stable code.
func TestTusProtocolErrors(t *testing.T) {
	in := start(t)
	tus := in.as("prof.martin").tus()
	path, _ := tus.create(100, metadata("filename", "protocole.bin"))
	wantStatus(t, tus.patch(path, 0, make([]byte, 40)), http.StatusNoContent, "first PATCH")
	for _, tc := range []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		code               string
		wantHeader         string
	}{
		{"HEAD without Tus-Resumable", http.MethodHead, path, map[string]string{"Tus-Resumable": ""}, "", 412, "", "Tus-Version"},
		{"PATCH without Tus-Resumable", http.MethodPatch, path, map[string]string{"Tus-Resumable": "", "Upload-Offset": "40", "Content-Type": "application/offset+octet-stream"}, "x", 412, "unsupported_version", "Tus-Version"},
		{"DELETE without Tus-Resumable", http.MethodDelete, path, map[string]string{"Tus-Resumable": ""}, "", 412, "unsupported_version", "Tus-Version"},
		{"PATCH of the wrong type", http.MethodPatch, path, map[string]string{"Upload-Offset": "40", "Content-Type": "text/plain"}, "x", 415, "unsupported_media_type", ""},
		{"PATCH at the wrong offset", http.MethodPatch, path, map[string]string{"Upload-Offset": "10", "Content-Type": "application/offset+octet-stream"}, "x", 409, "conflict", "Upload-Offset"},
		{"PATCH past the length", http.MethodPatch, path, map[string]string{"Upload-Offset": "40", "Content-Type": "application/offset+octet-stream"}, strings.Repeat("x", 61), 413, "too_large", ""},
		{"PATCH without an offset", http.MethodPatch, path, map[string]string{"Content-Type": "application/offset+octet-stream"}, "x", 400, "invalid_request", ""},
		{"creation with a body of the wrong type", http.MethodPost, "/api/v1/uploads", map[string]string{"Upload-Length": "1", "Content-Type": "text/plain"}, "x", 415, "unsupported_media_type", ""},
		{"creation without a length", http.MethodPost, "/api/v1/uploads", nil, "", 400, "invalid_request", ""},
		{"creation too large", http.MethodPost, "/api/v1/uploads", map[string]string{"Upload-Length": "99999999999999"}, "", 413, "too_large", ""},
	} {
		r := tus.do(tc.method, tc.path, strings.NewReader(tc.body), tc.header)
		if tc.method == http.MethodHead {
			wantStatus(t, r, tc.status, tc.name)
		} else {
			wantProblem(t, r, tc.status, tc.code, tc.name)
		}
		if tc.wantHeader != "" && r.Header.Get(tc.wantHeader) == "" {
			t.Errorf("%s: no %s header", tc.name, tc.wantHeader)
		}
		if tc.wantHeader == "Upload-Offset" && r.Header.Get("Upload-Offset") != "40" {
			t.Errorf("%s: Upload-Offset %q, want 40", tc.name, r.Header.Get("Upload-Offset"))
		}
	}
	if off := tus.offset(path); off != 40 {
		t.Errorf("offset %d after refused requests, want 40", off)
	}
}

// unfinishedUploads lists the keys with an unfinished multipart upload in the bucket.
func unfinishedUploads(t *testing.T, store *storage.Store) []string {
	t.Helper()
	var keys []string
	for up, err := range store.ListUnfinished(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, up.Key)
	}
	return keys
}

// TestTruncatedMultipartIsNoFile: a multipart body that ends before its closing
// boundary (a cut connection whose length was declared short, a hostile client) is
// refused, and leaves no file, blob or reservation; a complete one is a file.
func TestTruncatedMultipartIsNoFile(t *testing.T) {
	in := start(t)
	pupil := in.as("eleve.6a.05")
	home := pupil.home()
	whole := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"devoir.txt\"\r\n\r\nmon devoir complet\r\n--b--\r\n"
	ct := map[string]string{"Content-Type": "multipart/form-data; boundary=b"}
	// Cut in the closing boundary, before it, and in the file's bytes ("--b--" without
	// its CRLF is whole: the CRLF belongs to the epilogue).
	for _, cut := range []int{len(whole) - 4, len(whole) - 9, strings.Index(whole, "complet")} {
		r := pupil.do(http.MethodPost, itemPath(home, "/children"), strings.NewReader(whole[:cut]), ct)
		wantProblem(t, r, http.StatusBadRequest, "invalid_request", fmt.Sprintf("body cut at %d of %d bytes", cut, len(whole)))
	}
	waitNoReservation(t, in)
	if n := in.count(t, `SELECT count(*) FROM items WHERE kind = 'file'`) + in.count(t, `SELECT count(*) FROM blobs`); n != 0 {
		t.Errorf("%d files or blobs left by truncated bodies", n)
	}
	r := pupil.do(http.MethodPost, itemPath(home, "/children"), strings.NewReader(whole), ct)
	wantStatus(t, r, http.StatusCreated, "the whole body")
	if got := pupil.get(itemPath(r.item(t).ID, "/content")); string(got.body) != "mon devoir complet" {
		t.Errorf("stored %q", got.body)
	}
}
