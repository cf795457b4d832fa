package main

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// uploadChecksum is the Upload-Checksum of b with the tus algorithm named.
func uploadChecksum(t *testing.T, algorithm string, b []byte) string {
	t.Helper()
	var h hash.Hash
	switch algorithm {
	case "sha1":
		h = sha1.New()
	case "md5":
		h = md5.New()
	case "sha256":
		h = sha256.New()
	case "crc32":
		h = crc32.NewIEEE()
	default:
		t.Fatalf("no algorithm %s", algorithm)
	}
	h.Write(b)
	return algorithm + " " + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// patchSum is a PATCH whose body's checksum is in its Upload-Checksum header.
func (c *tusClient) patchSum(path string, offset int, chunk []byte, sum string) response {
	c.t.Helper()
	return c.do(http.MethodPatch, path, bytes.NewReader(chunk), map[string]string{
		"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream", "Upload-Checksum": sum})
}

// trailing is a request body that fills the request's Upload-Checksum trailer when
// it reaches its end, as a client that hashes while it sends.
type trailing struct {
	r   io.Reader
	req *http.Request
	sum string
}

func (b *trailing) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.sum != "" {
		b.req.Trailer.Set("Upload-Checksum", b.sum)
	}
	return n, err
}

func (b *trailing) Close() error { return nil }

// patchTrailer is a PATCH whose chunked body is followed by an Upload-Checksum
// trailer (announced, and not sent when sum is "").
func (c *tusClient) patchTrailer(path string, offset int, chunk []byte, sum string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPatch, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Body = &trailing{r: bytes.NewReader(chunk), req: req, sum: sum}
	req.ContentLength, req.TransferEncoding = -1, []string{"chunked"}
	req.Trailer = http.Header{"Upload-Checksum": nil}
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Upload-Offset", strconv.Itoa(offset))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("PATCH with a trailer: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Response: res, body: b}
}

// wantCommitted checks that r finished the upload as an item whose bytes are data.
func wantCommitted(t *testing.T, u *user, r response, status int, data []byte, what string) {
	t.Helper()
	wantStatus(t, r, status, what)
	id := r.Header.Get("Cartable-Item-Id")
	if id == "" || r.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Fatalf("%s: the answer does not name the item: %v", what, r.Header)
	}
	if got := u.get(itemPath(id, "/content")).body; !bytes.Equal(got, data) {
		t.Fatalf("%s: the file's %d bytes differ from the %d sent", what, len(got), len(data))
	}
}

func TestTusChecksumDiscovery(t *testing.T) {
	in := start(t)
	r := (&tusClient{t: t, base: in.url, http: in.http}).do(http.MethodOptions, "/api/v1/uploads", nil, nil)
	ext := "," + strings.ReplaceAll(r.Header.Get("Tus-Extension"), " ", "") + ","
	for _, want := range []string{"checksum", "checksum-trailer"} {
		if !strings.Contains(ext, ","+want+",") {
			t.Errorf("Tus-Extension %q lacks %s", ext, want)
		}
	}
	algorithms := "," + r.Header.Get("Tus-Checksum-Algorithm") + ","
	for _, want := range []string{"sha1", "md5", "sha256", "crc32"} {
		if !strings.Contains(algorithms, ","+want+",") {
			t.Errorf("Tus-Checksum-Algorithm %q lacks %s", algorithms, want)
		}
	}
}

// TestTusChecksumGood: bytes whose checksum matches are taken, whatever the path
// they take: chunks through tusd, a whole small file in one PutObject, a creation
// with its body. No spooled body is left behind.
func TestTusChecksumGood(t *testing.T) {
	temp := t.TempDir()
	in := startWith(t, func(c *Config) { c.UploadTempDir = temp })
	prof := in.as("prof.martin")
	tus := prof.tus()

	// sha1, in two chunks through tusd's S3 store (5 MiB is S3's smallest part).
	data := randomData(t, 6<<20+3)
	path, r := tus.create(len(data), metadata("filename", "sha1.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	r = tus.patchSum(path, 0, data[:5<<20], uploadChecksum(t, "sha1", data[:5<<20]))
	wantStatus(t, r, http.StatusNoContent, "first sha1 chunk")
	if r.Header.Get("Upload-Offset") != strconv.Itoa(5<<20) {
		t.Fatalf("offset after the first chunk: %v", r.Header)
	}
	wantCommitted(t, prof, tus.patchSum(path, 5<<20, data[5<<20:], uploadChecksum(t, "sha1", data[5<<20:])),
		http.StatusNoContent, data, "last sha1 chunk")

	// md5, a small file whole in one PATCH (one PutObject).
	small := randomData(t, 100_000)
	path, _ = tus.create(len(small), metadata("filename", "md5.bin"))
	wantCommitted(t, prof, tus.patchSum(path, 0, small, uploadChecksum(t, "md5", small)), http.StatusNoContent, small, "md5 whole file")

	// sha256, in the creation itself.
	r = tus.do(http.MethodPost, "/api/v1/uploads", bytes.NewReader(small), map[string]string{
		"Upload-Length": strconv.Itoa(len(small)), "Upload-Metadata": metadata("filename", "sha256.bin"),
		"Content-Type": "application/offset+octet-stream", "Upload-Checksum": uploadChecksum(t, "sha256", small)})
	wantCommitted(t, prof, r, http.StatusCreated, small, "sha256 creation with upload")

	// crc32, small chunks through tusd (the first one is not the whole file).
	path, _ = tus.create(len(small), metadata("filename", "crc32.bin"))
	r = tus.patchSum(path, 0, small[:30_000], uploadChecksum(t, "crc32", small[:30_000]))
	wantStatus(t, r, http.StatusNoContent, "first crc32 chunk")
	wantCommitted(t, prof, tus.patchSum(path, 30_000, small[30_000:], uploadChecksum(t, "crc32", small[30_000:])),
		http.StatusNoContent, small, "last crc32 chunk")

	if entries, _ := os.ReadDir(temp); len(entries) != 0 {
		t.Errorf("%d files left in the upload temporary folder", len(entries))
	}
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes still reserved", n)
	}
}

// TestTusChecksumMismatch: bytes damaged in transit are refused with 460, none of
// them counts, and the upload resumes from where it was with the right bytes.
func TestTusChecksumMismatch(t *testing.T) {
	in := start(t)
	pupil := in.as("eleve.6a.04")
	tus := pupil.tus()
	data := randomData(t, 6<<20+3)
	damaged := func(b []byte) []byte {
		d := bytes.Clone(b)
		d[len(d)/2] ^= 0x20
		return d
	}
	path, r := tus.create(len(data), metadata("filename", "exposé.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	first, rest := data[:5<<20], data[5<<20:]

	// The first bytes of an upload that has none yet.
	r = tus.patchSum(path, 0, damaged(first), uploadChecksum(t, "sha256", first))
	wantProblem(t, r, 460, "checksum_mismatch", "damaged first chunk")
	if off := tus.offset(path); off != 0 {
		t.Fatalf("offset %d after a damaged first chunk, want 0", off)
	}
	wantStatus(t, tus.patchSum(path, 0, first, uploadChecksum(t, "sha256", first)), http.StatusNoContent, "first chunk again")

	// Bytes of an upload that tusd holds.
	r = tus.patchSum(path, 5<<20, damaged(rest), uploadChecksum(t, "md5", rest))
	wantProblem(t, r, 460, "checksum_mismatch", "damaged last chunk")
	if off := tus.offset(path); off != 5<<20 {
		t.Fatalf("offset %d after a damaged chunk, want %d", off, 5<<20)
	}
	wantCommitted(t, pupil, tus.patchSum(path, 5<<20, rest, uploadChecksum(t, "md5", rest)),
		http.StatusNoContent, data, "last chunk again")

	// A whole small file that would have been stored at once.
	small := randomData(t, 4000)
	path, _ = tus.create(len(small), metadata("filename", "petit.bin"))
	wantProblem(t, tus.patchSum(path, 0, damaged(small), uploadChecksum(t, "sha1", small)), 460, "checksum_mismatch", "damaged small file")
	if off := tus.offset(path); off != 0 {
		t.Fatalf("offset %d after a damaged small file, want 0", off)
	}
	wantCommitted(t, pupil, tus.patchSum(path, 0, small, uploadChecksum(t, "sha1", small)), http.StatusNoContent, small, "small file again")

	// A creation whose body is damaged creates nothing.
	uploads := in.count(t, `SELECT count(*) FROM uploads`)
	r = tus.do(http.MethodPost, "/api/v1/uploads", bytes.NewReader(damaged(small)), map[string]string{
		"Upload-Length": strconv.Itoa(len(small)), "Upload-Metadata": metadata("filename", "abîmé.bin"),
		"Content-Type": "application/offset+octet-stream", "Upload-Checksum": uploadChecksum(t, "sha1", small)})
	wantProblem(t, r, 460, "checksum_mismatch", "damaged creation with upload")
	if r.Header.Get("Location") != "" {
		t.Errorf("a failed creation gave its URL: %v", r.Header)
	}
	if n := in.count(t, `SELECT count(*) FROM uploads`); n != uploads {
		t.Errorf("%d uploads after a damaged creation, want %d", n, uploads)
	}
	if n := in.count(t, `SELECT coalesce(sum(reserved_bytes), 0) FROM quota_accounts`); n != 0 {
		t.Errorf("%d bytes still reserved", n)
	}
}

// TestTusChecksumRefused: an unsupported algorithm or a malformed header is a 400,
// before any byte is taken; the rules of PATCH still hold with a checksum.
func TestTusChecksumRefused(t *testing.T) {
	in := start(t)
	tus := in.as("eleve.5b.09").tus()
	data := randomData(t, 1000)
	path, r := tus.create(len(data), metadata("filename", "devoir.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	sum := sha256.Sum256(data)
	for _, header := range []string{
		"sha512 " + base64.StdEncoding.EncodeToString(make([]byte, 64)), // unsupported
		"SHA256 " + base64.StdEncoding.EncodeToString(sum[:]),           // names are lowercase
		"sha256",                            // no digest
		"sha256 " + strings.Repeat("!", 44), // not base64
		"sha1 " + base64.StdEncoding.EncodeToString(sum[:]), // a digest of another length
	} {
		wantProblem(t, tus.patchSum(path, 0, data, header), http.StatusBadRequest, "invalid_request", "Upload-Checksum: "+header)
	}
	// The offset an upload with no byte has is 0.
	r = tus.patchSum(path, 10, data[10:], uploadChecksum(t, "sha256", data[10:]))
	wantProblem(t, r, http.StatusConflict, "conflict", "wrong offset")
	if r.Header.Get("Upload-Offset") != "0" {
		t.Errorf("409 without the offset: %v", r.Header)
	}
	// More than the upload lacks.
	big := randomData(t, 1001)
	wantProblem(t, tus.patchSum(path, 0, big, uploadChecksum(t, "sha256", big)), http.StatusRequestEntityTooLarge, "too_large", "too long a body")
	if off := tus.offset(path); off != 0 {
		t.Fatalf("offset %d after refusals, want 0", off)
	}
	wantCommitted(t, in.as("eleve.5b.09"), tus.patchSum(path, 0, data, uploadChecksum(t, "sha256", data)), http.StatusNoContent, data, "right checksum")
}

// TestTusChecksumTrailer: a checksum sent as a trailer after a chunked body.
func TestTusChecksumTrailer(t *testing.T) {
	in := start(t)
	prof := in.as("prof.bernard")
	tus := prof.tus()
	data := randomData(t, 6<<20+3)
	path, r := tus.create(len(data), metadata("filename", "trailer.bin"))
	if path == "" {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	first, rest := data[:5<<20], data[5<<20:]
	r = tus.patchTrailer(path, 0, first, uploadChecksum(t, "sha1", first))
	wantStatus(t, r, http.StatusNoContent, "first chunk, good trailer")
	if r.Header.Get("Upload-Offset") != strconv.Itoa(5<<20) {
		t.Fatalf("offset after the first chunk: %v", r.Header)
	}
	wantProblem(t, tus.patchTrailer(path, 5<<20, rest, uploadChecksum(t, "sha1", first)), 460, "checksum_mismatch", "bad trailer")
	wantProblem(t, tus.patchTrailer(path, 5<<20, rest, ""), http.StatusBadRequest, "invalid_request", "trailer announced, not sent")
	wantProblem(t, tus.patchTrailer(path, 5<<20, rest, "sha512 AAAA"), http.StatusBadRequest, "invalid_request", "unsupported algorithm in the trailer")
	if off := tus.offset(path); off != 5<<20 {
		t.Fatalf("offset %d after refused trailers, want %d", off, 5<<20)
	}
	wantCommitted(t, prof, tus.patchTrailer(path, 5<<20, rest, uploadChecksum(t, "sha256", rest)), http.StatusNoContent, data, "last chunk, good trailer")

	// A whole small file of unknown length: once spooled, its length is known and
	// it is stored at once.
	small := randomData(t, 5000)
	path, _ = tus.create(len(small), metadata("filename", "petit.bin"))
	wantProblem(t, tus.patchTrailer(path, 0, append(bytes.Clone(small), 'x'), uploadChecksum(t, "md5", small)),
		http.StatusRequestEntityTooLarge, "too_large", "chunked body longer than the upload")
	wantCommitted(t, prof, tus.patchTrailer(path, 0, small, uploadChecksum(t, "md5", small)), http.StatusNoContent, small, "small file, good trailer")
}
