package upload

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"cartable"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestParseChecksum(t *testing.T) {
	hello := []byte("hello world")
	sha1Sum, md5Sum, sha256Sum := sha1.Sum(hello), md5.Sum(hello), sha256.Sum256(hello)
	crc := crc32.ChecksumIEEE(hello)
	crcSum := []byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)}
	tests := []struct {
		name, value string
		algorithm   string
		digest      []byte
		// wrong is the start of the error's detail when the value is refused.
		wrong string
	}{
		{name: "spec example", value: "sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=", algorithm: "sha1", digest: sha1Sum[:]},
		{name: "md5", value: "md5 " + b64(md5Sum[:]), algorithm: "md5", digest: md5Sum[:]},
		{name: "sha256", value: "sha256 " + b64(sha256Sum[:]), algorithm: "sha256", digest: sha256Sum[:]},
		{name: "crc32 big-endian", value: "crc32 " + b64(crcSum), algorithm: "crc32", digest: crcSum},
		{name: "unpadded base64", value: "sha256 " + strings.TrimRight(b64(sha256Sum[:]), "="), algorithm: "sha256", digest: sha256Sum[:]},
		{name: "surrounding spaces", value: "  sha1 " + b64(sha1Sum[:]) + " ", algorithm: "sha1", digest: sha1Sum[:]},
		{name: "unsupported algorithm", value: "sha512 " + b64(make([]byte, 64)), wrong: "unsupported checksum algorithm"},
		{name: "names are lowercase", value: "SHA1 " + b64(sha1Sum[:]), wrong: "unsupported checksum algorithm"},
		{name: "empty", value: "", wrong: "malformed"},
		{name: "algorithm alone", value: "sha1", wrong: "malformed"},
		{name: "digest alone", value: b64(sha1Sum[:]), wrong: "malformed"},
		{name: "two spaces", value: "sha1  " + b64(sha1Sum[:]), wrong: "malformed"},
		{name: "three fields", value: "sha1 " + b64(sha1Sum[:]) + " x", wrong: "malformed"},
		{name: "not base64", value: "sha1 !!!!", wrong: "malformed"},
		{name: "hex, not base64", value: "md5 5eb63bbbe01eeed093cb22bb8f5acdc3", wrong: "malformed"},
		{name: "digest of another length", value: "sha256 " + b64(sha1Sum[:]), wrong: "malformed"},
		{name: "url-safe base64", value: "sha256 " + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff, 0xfe}, 11)[:32]), wrong: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseChecksum(tt.value)
			if tt.wrong != "" {
				var de *cartable.Error
				if !errors.As(err, &de) || de.Code != cartable.EInvalid || !strings.HasPrefix(de.Detail, tt.wrong) {
					t.Fatalf("parseChecksum(%q) = %v, %v; want invalid_request %q…", tt.value, c, err, tt.wrong)
				}
				return
			}
			if err != nil || c.algorithm != tt.algorithm || !bytes.Equal(c.digest, tt.digest) {
				t.Fatalf("parseChecksum(%q) = %v, %v; want %s %x", tt.value, c, err, tt.algorithm, tt.digest)
			}
		})
	}
}

func TestRequestChecksum(t *testing.T) {
	sum := sha1.Sum([]byte("x"))
	good := "sha1 " + b64(sum[:])
	tests := []struct {
		name    string
		header  http.Header
		trailer http.Header // the keys Go's server makes of an announced trailer
		want    bool        // a checksum in the header
		inTrail bool        // a checksum in the trailer
		wrong   string
	}{
		{name: "none", header: http.Header{}},
		{name: "header", header: http.Header{"Upload-Checksum": {good}}, want: true},
		{name: "trailer of a chunked body", header: http.Header{}, trailer: http.Header{"Upload-Checksum": nil}, inTrail: true},
		{name: "another trailer", header: http.Header{}, trailer: http.Header{"X-Other": nil}},
		{name: "trailer announced on a body that cannot carry it", header: http.Header{"Trailer": {"X-Other, upload-checksum"}}, wrong: "the Upload-Checksum trailer needs a chunked body"},
		{name: "header and trailer", header: http.Header{"Upload-Checksum": {good}}, trailer: http.Header{"Upload-Checksum": nil}, wrong: "Upload-Checksum is both"},
		{name: "two headers", header: http.Header{"Upload-Checksum": {good, good}}, wrong: "one Upload-Checksum header"},
		{name: "empty header", header: http.Header{"Upload-Checksum": {""}}, wrong: "malformed"},
		{name: "unsupported", header: http.Header{"Upload-Checksum": {"blake3 " + b64(sum[:])}}, wrong: "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, inTrail, err := requestChecksum(&http.Request{Header: tt.header, Trailer: tt.trailer})
			if tt.wrong != "" {
				var de *cartable.Error
				if !errors.As(err, &de) || de.Code != cartable.EInvalid || !strings.HasPrefix(de.Detail, tt.wrong) {
					t.Fatalf("err = %v, want invalid_request %q…", err, tt.wrong)
				}
				return
			}
			if err != nil || (want != nil) != tt.want || inTrail != tt.inTrail {
				t.Fatalf("requestChecksum = %v, %v, %v; want header %v, trailer %v", want, inTrail, err, tt.want, tt.inTrail)
			}
		})
	}
}

func TestSpool(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB, several reads
	spoolInto := func(body io.Reader, limit int64) (int64, []byte, []byte, error) {
		f, err := os.CreateTemp(t.TempDir(), "spool")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		h := sha256.New()
		n, err := spool(f, body, limit, h, func() {})
		got, _ := os.ReadFile(f.Name())
		return n, got, h.Sum(nil), err
	}
	want := sha256.Sum256(data)
	for _, limit := range []int64{int64(len(data)), int64(len(data)) + 1, 1 << 30} {
		n, got, sum, err := spoolInto(bytes.NewReader(data), limit)
		if err != nil || n != int64(len(data)) || !bytes.Equal(got, data) || !bytes.Equal(sum, want[:]) {
			t.Fatalf("limit %d: spooled %d bytes, %v; equal %v, digest %v", limit, n, err, bytes.Equal(got, data), bytes.Equal(sum, want[:]))
		}
	}
	// One byte too many is refused, having read no more than that byte.
	r := bytes.NewReader(data)
	if _, _, _, err := spoolInto(r, int64(len(data))-1); !cartable.IsCode(err, cartable.ETooLarge) {
		t.Fatalf("body one byte too long: %v, want too_large", err)
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left unread, want 0 (limit+1 read)", r.Len())
	}
	big := bytes.NewReader(make([]byte, 10<<20))
	if _, _, _, err := spoolInto(big, 1000); !cartable.IsCode(err, cartable.ETooLarge) || big.Len() != 10<<20-1001 {
		t.Fatalf("body far too long: %v, %d left unread", err, big.Len())
	}
	// A body cut short (Content-Length not reached) is refused.
	cut := io.MultiReader(bytes.NewReader(data[:1000]), iotestErr{io.ErrUnexpectedEOF})
	if _, _, _, err := spoolInto(cut, int64(len(data))); !errors.Is(err, errBodyCut) {
		t.Fatalf("cut body: %v", err)
	}
	if n, got, _, err := spoolInto(http.NoBody, 10); n != 0 || len(got) != 0 || err != nil {
		t.Fatalf("no body: %d, %v", n, err)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// trailerBody is a chunked body as Go's server gives it: its trailer is filled in
// when it is read to its end.
type trailerBody struct {
	r       io.Reader
	req     *http.Request
	trailer string
}

func (b *trailerBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.trailer != "" {
		b.req.Trailer.Set("Upload-Checksum", b.trailer)
	}
	return n, err
}

func (b *trailerBody) Close() error { return nil }

// TestVerifyChecksum runs verifyChecksum on requests as the routing gives them.
func TestVerifyChecksum(t *testing.T) {
	s := &Service{cfg: Config{TempDir: t.TempDir()}, log: slog.New(slog.DiscardHandler)}
	data := []byte("Die Würde des Menschen ist unantastbar.")
	sum := sha1.Sum(data)
	good, bad := "sha1 "+b64(sum[:]), "sha1 "+b64(make([]byte, 20))
	inS3 := record{Size: 100, TusID: "x"}
	type call struct {
		a    *answer
		r    *http.Request
		body io.ReadCloser // the body as it came
		ok   bool
	}
	run := func(rec record, offset int64, body []byte, header, trailer string, chunked bool) call {
		t.Helper()
		req := httptest.NewRequest(http.MethodPatch, BasePath+"id", bytes.NewReader(body))
		if header != "" {
			req.Header.Set("Upload-Checksum", header)
		}
		if chunked {
			req.ContentLength, req.TransferEncoding = -1, []string{"chunked"}
			req.Trailer = http.Header{"Upload-Checksum": nil}
			req.Body = &trailerBody{r: bytes.NewReader(body), req: req, trailer: trailer}
		}
		a, ar := newAnswer(httptest.NewRecorder(), req, nil)
		routed := ar.WithContext(ar.Context()) // tusd's middleware routes a copy
		orig := routed.Body
		release, ok := s.verifyChecksum(a, routed, rec, offset)
		t.Cleanup(release)
		return call{a, routed, orig, ok}
	}
	wantRefused := func(c call, code cartable.Code) {
		t.Helper()
		if c.ok || !cartable.IsCode(c.a.cause, code) {
			t.Fatalf("ok %v, cause %v; want %s", c.ok, c.a.cause, code)
		}
	}
	wantBody := func(c call) {
		t.Helper()
		if !c.ok || c.a.cause != nil {
			t.Fatalf("ok %v, cause %v", c.ok, c.a.cause)
		}
		for _, r := range []*http.Request{c.r, c.a.req} {
			if r.ContentLength != int64(len(data)) || r.Trailer != nil || len(r.TransferEncoding) != 0 {
				t.Fatalf("request after spooling: length %d, trailer %v, %v", r.ContentLength, r.Trailer, r.TransferEncoding)
			}
		}
		if c.r.Body != c.a.req.Body {
			t.Fatal("tusd's request and the routed one read different bodies")
		}
		got, err := io.ReadAll(c.a.req.Body)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("body after spooling: %q, %v", got, err)
		}
	}

	// Without a checksum nothing happens: the body is the connection's.
	plain := run(inS3, 0, data, "", "", false)
	if !plain.ok || plain.a.cause != nil || plain.r.Body != plain.body || plain.a.req.Body != plain.body ||
		plain.r.ContentLength != int64(len(data)) {
		t.Fatalf("a request without a checksum was touched")
	}
	wantBody(run(inS3, 10, data, good, "", false))
	wantBody(run(record{Size: int64(len(data))}, 0, data, good, "", false))
	wantBody(run(inS3, 0, data, "", good, true))
	wantRefused(run(inS3, 0, data, bad, "", false), cartable.EChecksumMismatch)
	wantRefused(run(inS3, 0, data, "", bad, true), cartable.EChecksumMismatch)
	wantRefused(run(inS3, 0, data, "", "", true), cartable.EInvalid)                  // trailer announced, not sent
	wantRefused(run(inS3, 0, data, "", "sha3 AAAA", true), cartable.EInvalid)         // unsupported, in the trailer
	wantRefused(run(inS3, 0, data, "md5 "+b64(sum[:]), "", false), cartable.EInvalid) // a SHA-1 digest for md5
	// Longer than what the upload lacks: refused before reading (Content-Length),
	// or once one byte too many came (chunked).
	wantRefused(run(inS3, 100-int64(len(data))+1, data, good, "", false), cartable.ETooLarge)
	wantRefused(run(inS3, 100-int64(len(data))+1, data, "", good, true), cartable.ETooLarge)
	// An upload with no byte yet is at offset 0.
	conflict := run(record{Size: 100}, 5, data, good, "", false)
	wantRefused(conflict, cartable.EConflict)
	if conflict.a.Header().Get("Upload-Offset") != "0" {
		t.Errorf("a 409 without the offset: %v", conflict.a.Header())
	}
	// Nothing is left in the temporary directory.
	if entries, _ := os.ReadDir(s.cfg.TempDir); len(entries) != 0 {
		t.Errorf("%d files left in the temporary directory", len(entries))
	}
}
