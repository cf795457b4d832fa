package main

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestTusDeferredLength: an upload created without its length reserves what each
// PATCH brings before reading it (so a pupil cannot send past their free space), then
// exactly the length once declared, and commits like any other.
func TestTusDeferredLength(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.UploadPartBytes = 5 << 20 })
	svc := in.as("service.provisioning")
	pupil := in.as("eleve.5b.07")
	setLimit(t, svc, "users/eleve.5b.07", 19*mib)
	tus := pupil.tus()
	create := func(name string) string {
		r := tus.do(http.MethodPost, "/api/v1/uploads", nil, map[string]string{
			"Upload-Defer-Length": "1", "Upload-Metadata": metadata("filename", name)})
		wantStatus(t, r, http.StatusCreated, "create with a deferred length")
		return strings.TrimPrefix(r.Header.Get("Location"), in.url)
	}
	reserved := func() int64 {
		return in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts WHERE owner_id = 'eleve.5b.07'`)
	}

	// Sent in two PATCHes, the length declared with the last one.
	path := create("différé.bin")
	head := tus.do(http.MethodHead, path, nil, nil)
	if head.Header.Get("Upload-Defer-Length") != "1" || head.Header.Get("Upload-Offset") != "0" {
		t.Fatalf("HEAD of a deferred upload: %v", head.Header)
	}
	data := randomData(t, 7*mib)
	wantStatus(t, tus.patch(path, 0, data[:6*mib]), http.StatusNoContent, "first PATCH")
	if n := reserved(); n != 6*mib {
		t.Errorf("%d bytes reserved after 6 MiB of a deferred upload", n)
	}
	r := tus.do(http.MethodPatch, path, bytes.NewReader(data[6*mib:]), map[string]string{
		"Upload-Offset": strconv.Itoa(6 * mib), "Upload-Length": strconv.Itoa(len(data)), "Content-Type": "application/offset+octet-stream"})
	wantStatus(t, r, http.StatusNoContent, "last PATCH, declaring the length")
	id := r.Header.Get("Cartable-Item-Id")
	if got := pupil.get(itemPath(id, "/content")); !bytes.Equal(got.body, data) {
		t.Fatalf("committed content differs (%d bytes)", len(got.body))
	}
	if n := reserved(); n != 0 {
		t.Errorf("%d bytes reserved after the commit", n)
	}

	// A declaration whose PATCH fails (here at a wrong offset) still binds: resumed
	// without the header, as tus-js-client does once it has sent it, the upload
	// finishes and commits.
	path = create("reprise.bin")
	data = randomData(t, 7*mib)
	wantStatus(t, tus.patch(path, 0, data[:6*mib]), http.StatusNoContent, "first PATCH")
	r = tus.do(http.MethodPatch, path, bytes.NewReader(data[6*mib:]), map[string]string{
		"Upload-Offset": strconv.Itoa(5 * mib), "Upload-Length": strconv.Itoa(len(data)), "Content-Type": "application/offset+octet-stream"})
	wantProblem(t, r, http.StatusConflict, "conflict", "declaring PATCH at a wrong offset")
	r = tus.patch(path, 6*mib, data[6*mib:])
	if r.StatusCode != http.StatusNoContent || r.Header.Get("Cartable-Item-Id") == "" {
		t.Fatalf("resumed without Upload-Length: %d, item %q", r.StatusCode, r.Header.Get("Cartable-Item-Id"))
	}
	if got := pupil.get(itemPath(r.Header.Get("Cartable-Item-Id"), "/content")); !bytes.Equal(got.body, data) {
		t.Fatalf("committed content differs (%d bytes)", len(got.body))
	}

	// Bytes beyond the free space are refused before they are read, whether the
	// length is declared or not; the offset does not move.
	path = create("trop.bin")
	wantProblem(t, tus.patch(path, 0, make([]byte, 6*mib)), http.StatusRequestEntityTooLarge, "quota_exceeded", "PATCH past the free space")
	r = tus.do(http.MethodPatch, path, bytes.NewReader(make([]byte, mib)), map[string]string{
		"Upload-Offset": "0", "Upload-Length": strconv.Itoa(20 * mib), "Content-Type": "application/offset+octet-stream"})
	wantProblem(t, r, http.StatusRequestEntityTooLarge, "quota_exceeded", "declaring a length past the free space")
	if off := tus.offset(path); off != 0 {
		t.Errorf("offset %d after refused PATCHes", off)
	}
	// The whole file in one PATCH that declares its length: one PutObject.
	small := randomData(t, 3000)
	r = tus.do(http.MethodPatch, path, bytes.NewReader(small), map[string]string{
		"Upload-Offset": "0", "Upload-Length": "3000", "Content-Type": "application/offset+octet-stream"})
	wantStatus(t, r, http.StatusNoContent, "whole file declaring its length")
	if r.Header.Get("Cartable-Item-Id") == "" {
		t.Fatal("the upload did not commit")
	}
	wantProblem(t, tus.do(http.MethodPatch, create("x.bin"), bytes.NewReader([]byte("x")), map[string]string{
		"Upload-Offset": "0", "Upload-Length": "abc", "Content-Type": "application/offset+octet-stream"}),
		http.StatusBadRequest, "invalid_request", "malformed Upload-Length")
	checkBooks(t, in, svc)
}

// TestTusConcatenation: parts sent in parallel (tus-js-client's parallelUploads)
// become one file, charged once; the parts' reservations and objects go.
func TestTusConcatenation(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.UploadPartBytes = 5 << 20 })
	svc := in.as("service.provisioning")
	prof := in.as("prof.martin")
	tus := prof.tus()
	folder := prof.mkdir(prof.home(), "Parallèle")
	data := randomData(t, 13*mib)
	cuts := []int{0, 6 * mib, 12 * mib, len(data)} // a large part sent in two PATCHes, a whole one, a small one
	var urls []string
	for i := 0; i+1 < len(cuts); i++ {
		part := data[cuts[i]:cuts[i+1]]
		r := tus.do(http.MethodPost, "/api/v1/uploads", nil, map[string]string{
			"Upload-Concat": "partial", "Upload-Length": strconv.Itoa(len(part))})
		wantStatus(t, r, http.StatusCreated, "create a partial upload")
		path := strings.TrimPrefix(r.Header.Get("Location"), in.url)
		if r := tus.send(path, part, 0, 5*mib); r.StatusCode != http.StatusNoContent || r.Header.Get("Cartable-Item-Id") != "" {
			t.Fatalf("partial upload %d: %d, item %q", i, r.StatusCode, r.Header.Get("Cartable-Item-Id"))
		}
		if h := tus.do(http.MethodHead, path, nil, nil); h.Header.Get("Upload-Concat") != "partial" {
			t.Errorf("HEAD of a partial upload: Upload-Concat %q", h.Header.Get("Upload-Concat"))
		}
		urls = append(urls, r.Header.Get("Location"))
	}
	if n := in.count(t, `SELECT count(*) FROM items WHERE kind = 'file'`); n != 0 {
		t.Fatalf("%d files made of partial uploads", n)
	}
	final := func(urls ...string) response {
		return tus.do(http.MethodPost, "/api/v1/uploads", nil, map[string]string{
			"Upload-Concat": "final;" + strings.Join(urls, " "), "Upload-Metadata": metadata("filename", "assemblé.bin", "parent", folder.ID)})
	}
	wantProblem(t, final(urls[0], urls[0]), http.StatusBadRequest, "invalid_request", "a part named twice")
	other := in.as("prof.bernard").tus()
	wantProblem(t, other.do(http.MethodPost, "/api/v1/uploads", nil, map[string]string{"Upload-Concat": "final;" + urls[0]}),
		http.StatusNotFound, "not_found", "another user's parts")

	r := final(urls...)
	wantStatus(t, r, http.StatusCreated, "final upload")
	id := r.Header.Get("Cartable-Item-Id")
	if got := prof.get(itemPath(id, "/content")); !bytes.Equal(got.body, data) {
		t.Fatalf("concatenated content differs (%d bytes)", len(got.body))
	}
	if h := tus.do(http.MethodHead, strings.TrimPrefix(r.Header.Get("Location"), in.url), nil, nil); !strings.HasPrefix(h.Header.Get("Upload-Concat"), "final;") || h.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Errorf("HEAD of the final upload: %v", h.Header)
	}
	wantProblem(t, tus.patch(strings.TrimPrefix(r.Header.Get("Location"), in.url), 0, []byte("x")), http.StatusForbidden, "forbidden", "PATCH of a final upload")
	if n := in.count(t, `SELECT count(*) FROM uploads WHERE concat = 'partial'`) + in.count(t, `SELECT count(*) FROM quota_reservations`); n != 0 {
		t.Errorf("%d partial uploads or reservations left", n)
	}
	if used := in.count(t, `SELECT used_bytes FROM quota_accounts WHERE owner_id = 'prof.martin'`); used != int64(len(data)) {
		t.Errorf("usage %d, want the file's %d once", used, len(data))
	}
	checkBooks(t, in, svc)
}
