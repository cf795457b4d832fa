package upload

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"

	"cartable"
)

// The tus checksum extension, and checksum-trailer: a PATCH, or a creation with its
// first bytes, may carry Upload-Checksum, "<algorithm> <base64 digest>" of its body,
// as a header or as a trailer after a chunked body (announced by "Trailer:
// Upload-Checksum"). Such a body is spooled to a temporary file, hashed as it
// arrives, and its bytes are taken only if the digest matches: otherwise the answer
// is 460 checksum_mismatch and none of them counts, the upload's offset is
// unchanged. A request without a checksum is not spooled: tusd, or the one
// PutObject of a small whole file, reads it straight from the connection.

// checksumHashes are the algorithms of Upload-Checksum, by their tus names. crc32
// is IEEE's, its digest the 4 bytes of the sum, big-endian (as S3's CRC32).
var checksumHashes = map[string]func() hash.Hash{
	"sha1":   sha1.New,
	"sha256": sha256.New,
	"md5":    md5.New,
	"crc32":  func() hash.Hash { return crc32.NewIEEE() },
}

// checksumAlgorithms is the Tus-Checksum-Algorithm header of an OPTIONS answer.
const checksumAlgorithms = "sha1,sha256,md5,crc32"

// checksum is the digest a client gave for a request's body.
type checksum struct {
	algorithm string
	digest    []byte
}

func (c checksum) String() string {
	return c.algorithm + " " + base64.StdEncoding.EncodeToString(c.digest)
}

// parseChecksum reads an Upload-Checksum value: an algorithm of checksumHashes, one
// space, and the digest in base64 (padded or not) of that algorithm's length.
func parseChecksum(v string) (checksum, error) {
	algorithm, encoded, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || algorithm == "" || encoded == "" || strings.ContainsAny(encoded, " \t") {
		return checksum{}, cartable.Errorf(cartable.EInvalid,
			`malformed Upload-Checksum %q: it is "<algorithm> <base64 digest>"`, v)
	}
	newHash, ok := checksumHashes[algorithm]
	if !ok {
		return checksum{}, cartable.Errorf(cartable.EInvalid,
			"unsupported checksum algorithm %q: use one of %s", algorithm, checksumAlgorithms).
			With("algorithms", strings.Split(checksumAlgorithms, ","))
	}
	digest, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		digest, err = base64.RawStdEncoding.DecodeString(encoded)
	}
	if size := newHash().Size(); err != nil || len(digest) != size {
		return checksum{}, cartable.Errorf(cartable.EInvalid,
			"malformed Upload-Checksum %q: a %s digest is %d bytes in base64", v, algorithm, size)
	}
	return checksum{algorithm: algorithm, digest: digest}, nil
}

// requestChecksum tells how a request gives its body's checksum: in its header
// (want), or in a trailer it announced (trailer); neither when it has none.
func requestChecksum(r *http.Request) (want *checksum, trailer bool, err error) {
	values, inHeader := r.Header["Upload-Checksum"]
	// Go moves the announced trailers of a chunked body from the Trailer header to
	// r.Trailer's keys; it leaves the header of a body that cannot carry trailers.
	_, trailer = r.Trailer["Upload-Checksum"]
	unsendable := false
	for _, v := range r.Header.Values("Trailer") {
		for _, name := range strings.Split(v, ",") {
			unsendable = unsendable || textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name)) == "Upload-Checksum"
		}
	}
	switch {
	case inHeader && (trailer || unsendable):
		return nil, false, cartable.Errorf(cartable.EInvalid, "Upload-Checksum is both a header and an announced trailer: send one")
	case unsendable:
		return nil, false, cartable.Errorf(cartable.EInvalid,
			"the Upload-Checksum trailer needs a chunked body (Transfer-Encoding: chunked)")
	case trailer:
		return nil, true, nil
	case !inHeader:
		return nil, false, nil
	case len(values) != 1:
		return nil, false, cartable.Errorf(cartable.EInvalid, "one Upload-Checksum header, not %d", len(values))
	}
	c, err := parseChecksum(values[0])
	if err != nil {
		return nil, false, err
	}
	return &c, false, nil
}

// verifyChecksum is the first step of receive. When the request gives its body's
// checksum, it spools the body to a temporary file (never more than the bytes the
// upload still lacks after offset), hashing it, and compares: on a mismatch it
// answers 460 and reports false, and nothing of the body is taken; on a match the
// request's body becomes the file, of known length, and receive goes on as with
// any other body. release removes the file: receive defers it. It also reports
// false when it answered another refusal (a malformed or unsupported checksum: 400).
//
// The body is replaced in r and in a.req: tusd reads the body and length of the
// request its middleware saw (a.req), Cartable those of the routed one (r).
func (s *Service) verifyChecksum(a *answer, r *http.Request, rec record, offset int64) (release func(), ok bool) {
	release = func() {}
	want, trailer, err := requestChecksum(r)
	if err != nil {
		a.refuse(err)
		return release, false
	}
	if want == nil && !trailer {
		return release, true
	}
	remaining := rec.Size - offset
	switch {
	case rec.committed():
		return release, true // nothing is taken: receive answers the upload's offset
	case !rec.inS3() && offset != 0:
		// Refused here rather than by receive, lest another request make offset
		// right meanwhile and the body be taken unchecked.
		a.Header().Set("Upload-Offset", "0")
		a.refuse(cartable.Errorf(cartable.EConflict, "the upload's offset is 0, not %d: resume from there", offset))
		return release, false
	case remaining < 0:
		a.refuse(cartable.Errorf(cartable.EConflict, "offset %d is past the end of the upload (%d bytes)", offset, rec.Size))
		return release, false
	case r.ContentLength > remaining:
		a.refuse(tooLargeBody(remaining))
		return release, false
	}

	f, err := os.CreateTemp(s.cfg.TempDir, "cartable-checksum-*")
	if err != nil {
		a.refuse(fmt.Errorf("spool a checksummed body: %w", err))
		return release, false
	}
	// Unlinked at once where the system allows it: nothing is left behind even by a
	// node that dies; the space is freed when the file is closed.
	unlinked := os.Remove(f.Name()) == nil
	release = func() {
		_ = f.Close()
		if !unlinked {
			_ = os.Remove(f.Name())
		}
	}
	var h hash.Hash
	if want != nil {
		h = checksumHashes[want.algorithm]()
	}
	n, err := spool(f, r.Body, remaining, h, deadlines(a, s.cfg.NetworkTimeout))
	if err == nil && trailer {
		// The trailer is there now that the body has been read to its end.
		var c checksum
		if c, err = parseTrailer(r.Trailer.Values("Upload-Checksum")); err == nil {
			want, h = &c, checksumHashes[c.algorithm]()
			_, err = io.Copy(h, io.NewSectionReader(f, 0, n))
		}
	}
	if err == nil {
		if got := (checksum{want.algorithm, h.Sum(nil)}); !bytes.Equal(got.digest, want.digest) {
			s.log.WarnContext(r.Context(), "an upload's chunk does not have its checksum", "upload", rec.ObjectID,
				"offset", offset, "bytes", n, "algorithm", want.algorithm)
			err = cartable.Errorf(cartable.EChecksumMismatch,
				"the %d bytes received have the checksum %s, not %s: none of them was taken, send them again", n, got, want)
		}
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		release()
		a.refuse(err)
		return func() {}, false
	}
	for _, req := range []*http.Request{r, a.req} {
		if req == nil {
			continue
		}
		req.Body = io.NopCloser(f)
		req.ContentLength = n
		req.TransferEncoding = nil
		req.Trailer = nil
	}
	r.Header.Del("Trailer")
	return release, true
}

// parseTrailer reads the Upload-Checksum trailer, once the body is read.
func parseTrailer(values []string) (checksum, error) {
	switch len(values) {
	case 0:
		return checksum{}, cartable.Errorf(cartable.EInvalid,
			"the Upload-Checksum trailer was announced but not sent: none of the body was taken")
	case 1:
		return parseChecksum(values[0])
	}
	return checksum{}, cartable.Errorf(cartable.EInvalid, "one Upload-Checksum trailer, not %d", len(values))
}

func tooLargeBody(remaining int64) error {
	return cartable.Errorf(cartable.ETooLarge, "the body is longer than the %d bytes the upload still lacks", remaining).
		With("max_bytes", remaining)
}

// errBodyCut is a body that ended before its length, or whose connection failed.
var errBodyCut = cartable.Errorf(cartable.EInvalid, "the request body was cut: none of it was taken")

// spool copies body to f, hashing it into h (when not nil), and returns its length:
// at most limit bytes, a longer body is refused (too_large). progress is called
// after every read (deadlines are pushed back while bytes come).
func spool(f *os.File, body io.Reader, limit int64, h hash.Hash, progress func()) (int64, error) {
	if body == nil || body == http.NoBody {
		return 0, nil
	}
	w := io.Writer(f)
	if h != nil {
		w = io.MultiWriter(f, h)
	}
	buf := make([]byte, 256<<10)
	var n int64
	for {
		// One byte more than limit tells a body that is too long.
		m, err := body.Read(buf[:min(int64(len(buf)), limit+1-n)])
		progress()
		if m > 0 {
			if n += int64(m); n > limit {
				return n, tooLargeBody(limit)
			}
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, fmt.Errorf("spool a checksummed body: %w", werr)
			}
		}
		switch {
		case errors.Is(err, io.EOF):
			return n, nil
		case err != nil:
			return n, errBodyCut
		}
	}
}

// deadlines returns what pushes back the connection's deadlines while a body is
// read (spooled, or stored whole), as tusd does while it reads one: timeout
// after each read for the next one, twice that for the answer.
func deadlines(a *answer, timeout time.Duration) func() {
	rc := http.NewResponseController(a)
	var last time.Time
	return func() {
		if now := time.Now(); now.Sub(last) >= time.Second {
			last = now
			_ = rc.SetReadDeadline(now.Add(timeout))
			_ = rc.SetWriteDeadline(now.Add(2 * timeout))
		}
	}
}

// keptAlive reads a body, pushing the connection's deadlines back as it goes
// (progress is deadlines'), as tusd does for the bodies it reads itself: a file
// sent whole over a slow link takes as long as it takes, and fails only when its
// bytes stop coming for the network timeout.
type keptAlive struct {
	r        io.Reader
	progress func()
}

func (k keptAlive) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	k.progress()
	return n, err
}
