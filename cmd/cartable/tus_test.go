package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tusClient speaks tus 1.0 to one Cartable, as one user.
type tusClient struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

func (u *user) tus() *tusClient {
	return &tusClient{t: u.t, base: u.url, token: u.token, http: u.http}
}

func (c *tusClient) do(method, path string, body io.Reader, header map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return response{Response: &http.Response{StatusCode: 0, Header: http.Header{}}}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil {
		checkContract(c.t, req, res, b)
	}
	return response{Response: res, body: b}
}

func metadata(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// create starts an upload and returns its path.
func (c *tusClient) create(size int, meta string) (string, response) {
	c.t.Helper()
	r := c.do(http.MethodPost, "/api/v1/uploads", nil, map[string]string{"Upload-Length": strconv.Itoa(size), "Upload-Metadata": meta})
	if r.StatusCode != http.StatusCreated {
		return "", r
	}
	loc := r.Header.Get("Location")
	return loc[strings.Index(loc, "/api/v1/uploads/"):], r
}

func (c *tusClient) patch(path string, offset int, chunk []byte) response {
	c.t.Helper()
	return c.do(http.MethodPatch, path, bytes.NewReader(chunk), map[string]string{
		"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream"})
}

func (c *tusClient) offset(path string) int {
	c.t.Helper()
	r := c.do(http.MethodHead, path, nil, nil)
	if r.StatusCode != http.StatusOK {
		c.t.Fatalf("HEAD %s: %d %s", path, r.StatusCode, r.body)
	}
	n, _ := strconv.Atoi(r.Header.Get("Upload-Offset"))
	return n
}

// send uploads data from offset in chunks and returns the last answer.
func (c *tusClient) send(path string, data []byte, from, chunk int) response {
	c.t.Helper()
	var r response
	for off := from; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		r = c.patch(path, off, data[off:end])
		if r.StatusCode != http.StatusNoContent {
			c.t.Fatalf("PATCH at %d: %d %s", off, r.StatusCode, r.body)
		}
	}
	return r
}

func TestTusDiscovery(t *testing.T) {
	in := start(t)
	r := (&tusClient{t: t, base: in.url, http: in.http}).do(http.MethodOptions, "/api/v1/uploads", nil, nil)
	if r.StatusCode != http.StatusNoContent {
		t.Fatalf("OPTIONS: %d %s", r.StatusCode, r.body)
	}
	ext := r.Header.Get("Tus-Extension")
	for _, want := range []string{"creation", "creation-with-upload", "creation-defer-length", "termination", "concatenation", "expiration"} {
		if !strings.Contains(ext, want) {
			t.Errorf("Tus-Extension %q lacks %s", ext, want)
		}
	}
	if r.Header.Get("Tus-Max-Size") != strconv.Itoa(10<<30) || r.Header.Get("Tus-Version") == "" {
		t.Errorf("OPTIONS headers: %v", r.Header)
	}
}

// TestTusUploadResumeAndCommit: a file sent in chunks, interrupted, resumed from the
// offset the server reports, and committed as an item whose bytes match.
func TestTusUploadResumeAndCommit(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Vidéos")
	data := randomData(t, 21<<20+5)
	tus := prof.tus()
	path, r := tus.create(len(data), metadata("filename", "sortie scolaire.mp4", "parent", folder.ID, "filetype", "text/html"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	if r.Header.Get("Upload-Expires") == "" {
		t.Error("no Upload-Expires on creation")
	}
	// Half of it, then the connection "drops": the next client asks where to go on.
	tus.send(path, data[:10<<20], 0, 5<<20)
	off := tus.offset(path)
	if off != 10<<20 {
		t.Fatalf("offset after half = %d", off)
	}
	last := tus.send(path, data, off, 5<<20)
	itemID := last.Header.Get("Cartable-Item-Id")
	if itemID == "" || last.Header.Get("Cartable-Item-Etag") == "" {
		t.Fatalf("the final PATCH does not name the item: %v", last.Header)
	}
	got := prof.get(itemPath(itemID, "/content"))
	if sha256.Sum256(got.body) != sha256.Sum256(data) {
		t.Fatal("the committed file's bytes differ from the upload's")
	}
	item := prof.get(itemPath(itemID)).item(t)
	if item.Name != "sortie scolaire.mp4" || *item.ParentID != folder.ID || item.MimeType == "text/html" {
		t.Errorf("item = %+v", item)
	}
	// Its name promises a video: the commit enqueued its preview (which will fail:
	// the bytes are random).
	var withPreview previewItem
	prof.get(itemPath(itemID)).json(t, &withPreview)
	if withPreview.Preview != "pending" {
		t.Errorf("preview after a tus commit = %q, want pending", withPreview.Preview)
	}
	// A HEAD after the end reports the whole length and the item.
	h := tus.do(http.MethodHead, path, nil, nil)
	if h.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) || h.Header.Get("Cartable-Item-Id") != itemID {
		t.Errorf("HEAD after commit: %v", h.Header)
	}
	// The hash job records the file's SHA-256 afterwards.
	if n, err := in.app.workspace.HashBlobs(t.Context()); err != nil || n != 1 {
		t.Fatalf("hashed %d blobs, %v; want 1", n, err)
	}
	var versions struct {
		Items []struct {
			SHA256 string `json:"sha256"`
		} `json:"items"`
	}
	prof.get(itemPath(itemID, "/versions")).json(t, &versions)
	if sum := sha256.Sum256(data); len(versions.Items) != 1 || versions.Items[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("versions after hashing = %+v", versions)
	}
	// Terminating a finished upload forgets the upload resource, never the file.
	wantStatus(t, tus.do(http.MethodDelete, path, nil, nil), http.StatusNoContent, "terminate a finished upload")
	wantStatus(t, tus.do(http.MethodHead, path, nil, nil), http.StatusNotFound, "HEAD a terminated upload")
	wantStatus(t, prof.get(itemPath(itemID, "/content")), http.StatusOK, "download the file of a terminated upload")
	if n := in.count(t, `SELECT used_bytes FROM quota_accounts WHERE owner_id = 'prof.martin'`); n != int64(len(data)) {
		t.Errorf("usage %d after the upload, want %d", n, len(data))
	}
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes still reserved", n)
	}
}

// TestTusNewVersionAndCreationWithUpload: a new version through "item", the whole
// body in the creation request.
func TestTusNewVersionAndCreationWithUpload(t *testing.T) {
	in := start(t)
	pupil := in.as("eleve.6a.04")
	file := pupil.mustUpload(pupil.home(), "exposé.txt", []byte("brouillon"))
	v2 := []byte("version finale de l'exposé")
	r := pupil.tus().do(http.MethodPost, "/api/v1/uploads", bytes.NewReader(v2), map[string]string{
		"Upload-Length": strconv.Itoa(len(v2)), "Upload-Metadata": metadata("item", file.ID),
		"Content-Type": "application/offset+octet-stream"})
	if r.StatusCode != http.StatusCreated || r.Header.Get("Cartable-Item-Id") != file.ID {
		t.Fatalf("creation with upload: %d %v %s", r.StatusCode, r.Header, r.body)
	}
	if got := pupil.get(itemPath(file.ID, "/content")).body; !bytes.Equal(got, v2) {
		t.Errorf("content after the tus version = %q", got)
	}
}

// TestTusQuotaAndTermination: an upload larger than the free space is refused before
// any byte; a terminated upload gives its reservation back.
func TestTusQuotaAndTermination(t *testing.T) {
	in := start(t)
	svc, pupil := in.as("service.provisioning"), in.as("eleve.5b.09")
	setLimit(t, svc, "users/eleve.5b.09", 10*mib)
	tus := pupil.tus()
	_, r := tus.create(11*mib, metadata("filename", "trop-gros.bin"))
	wantProblem(t, r, http.StatusRequestEntityTooLarge, "quota_exceeded", "upload over the cap")
	if in.count(t, `SELECT count(*) FROM uploads`) != 0 {
		t.Error("a refused upload left a record")
	}
	path, r := tus.create(8*mib, metadata("filename", "ok.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	if n := in.count(t, `SELECT reserved_bytes FROM quota_accounts WHERE owner_id = 'eleve.5b.09'`); n != 8*mib {
		t.Errorf("reserved %d at creation, want %d", n, 8*mib)
	}
	// The reservation counts: a second 8 MiB upload does not fit beside it.
	_, r = tus.create(8*mib, metadata("filename", "deux.bin"))
	wantProblem(t, r, http.StatusRequestEntityTooLarge, "quota_exceeded", "second reservation")
	tus.patch(path, 0, bytes.Repeat([]byte("x"), 5*mib))
	wantStatus(t, tus.do(http.MethodDelete, path, nil, nil), http.StatusNoContent, "terminate")
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes + used_bytes), 0) FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes held after termination", n)
	}
	if n := in.count(t, `SELECT count(*) FROM uploads`) + in.count(t, `SELECT count(*) FROM blobs`); n != 0 {
		t.Errorf("%d records left after termination", n)
	}
}

// TestTusUploadsBelongToTheirUploader: another pupil's HEAD, PATCH and DELETE are 404s.
func TestTusUploadsBelongToTheirUploader(t *testing.T) {
	in := start(t)
	owner, other := in.as("eleve.6a.10"), in.as("eleve.6a.11")
	path, r := owner.tus().create(1000, metadata("filename", "secret.txt"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	for _, method := range []string{http.MethodHead, http.MethodPatch, http.MethodDelete} {
		r := other.tus().do(method, path, strings.NewReader("intrus"), map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s by another pupil: %d, want 404", method, r.StatusCode)
		}
	}
	// Without a token, nothing at all.
	anon := &tusClient{t: t, base: in.url, http: in.http}
	wantStatus(t, anon.do(http.MethodHead, path, nil, nil), http.StatusUnauthorized, "anonymous HEAD")
	if off := owner.tus().offset(path); off != 0 {
		t.Errorf("offset %d after the intrusions, want 0", off)
	}
	// A target the uploader may not write is refused at creation: a 404, as elsewhere.
	prof := in.as("prof.martin")
	_, r = owner.tus().create(10, metadata("filename", "x.txt", "parent", prof.home()))
	wantStatus(t, r, http.StatusNotFound, "upload into a teacher's space")
}

// TestTusExpiry: an unfinished upload past its time is removed, its reservation
// released and its parts aborted.
func TestTusExpiry(t *testing.T) {
	in := start(t)
	pupil := in.as("eleve.5b.12")
	tus := pupil.tus()
	path, _ := tus.create(6*mib, metadata("filename", "oublié.bin"))
	tus.patch(path, 0, bytes.Repeat([]byte("o"), 5*mib))
	if n, err := in.app.uploads.Expire(t.Context(), time.Now().Add(25*time.Hour)); err != nil || n != 1 {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`) + in.count(t, `SELECT count(*) FROM uploads`); n != 0 {
		t.Errorf("an expired upload still holds %d", n)
	}
	wantStatus(t, tus.do(http.MethodHead, path, nil, nil), http.StatusNotFound, "HEAD of an expired upload")
	objects := 0
	for obj, err := range in.app.store.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		objects++
		t.Logf("left: %s", obj.Key)
	}
	if objects != 0 {
		t.Errorf("%d objects left by the expired upload", objects)
	}
}

// TestTusCORS: a browser on the portal's origin may upload; another origin may not.
func TestTusCORS(t *testing.T) {
	in := startWith(t, func(c *Config) { c.CORSOrigins = "https://ent.example.fr" })
	preflight := func(origin string) response {
		return (&tusClient{t: t, base: in.url, http: in.http}).do(http.MethodOptions, "/api/v1/uploads", nil, map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, upload-length, tus-resumable"})
	}
	r := preflight("https://ent.example.fr")
	if r.Header.Get("Access-Control-Allow-Origin") != "https://ent.example.fr" || !strings.Contains(strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("preflight from the portal: %d %v", r.StatusCode, r.Header)
	}
	if r := preflight("https://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin allowed: %v", r.Header)
	}
}
