package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/workspace"
)

// multipartOverhead is how far a multipart request may exceed the file it carries
// (boundaries, part headers, a name field).
const multipartOverhead = 64 << 10

// uploadFile streams the "file" part of a multipart request into a new file (201),
// or, with conflict=replace, into a new version of the file bearing its name (200).
// An optional "name" field sent before it overrides the part's filename. The body is
// never held in memory or on disk: it goes straight to object storage.
func (s *Server) uploadFile(c echo.Context, parentID uuid.UUID, opts workspace.WriteOptions) error {
	return s.uploadFileInto(c, parentID, opts, func(it workspace.Item, _ string) error {
		if it.Replaced() {
			return writeItem(c, http.StatusOK, it)
		}
		return s.created(c, it)
	})
}

// uploadFileInto streams the "file" part into a new file and hands done the item and
// the name the client sent.
// The upload is admitted, and its quota reserved, before the body is read: a refusal
// reaches a client that waits for "100 Continue" before it sends a byte.
func (s *Server) uploadFileInto(c echo.Context, parentID uuid.UUID, opts workspace.WriteOptions, done func(it workspace.Item, sent string) error) error {
	req := c.Request()
	if req.ContentLength > s.Workspace.MaxUploadBytes()+multipartOverhead {
		return tooLargeUpload(s.Workspace.MaxUploadBytes())
	}
	var sent string
	reader, err := req.MultipartReader() // reads no byte of the body
	if err != nil {
		return cartable.Errorf(cartable.EInvalid, "the multipart body is malformed: %v", err)
	}
	up := workspace.Upload{Size: -1, SizeAtMost: req.ContentLength,
		Open: func() (string, io.Reader, error) {
			name, body, err := filePart(reader)
			sent = name
			return name, body, err
		},
		Complete: func() error { return multipartEnd(reader) }}
	it, err := s.Workspace.UploadFile(req.Context(), caller(c), parentID, up, opts)
	if err != nil {
		return err
	}
	return done(it, sent)
}

// filePart reads a multipart body up to its "file" part, and returns the file's name
// (an optional "name" field sent before the part overrides the part's filename) and
// the part, to be streamed.
func filePart(reader *multipart.Reader) (string, io.Reader, error) {
	name := ""
	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, cartable.Errorf(cartable.EInvalid, `the multipart body has no "file" part`)
		}
		if err != nil {
			return "", nil, cartable.Errorf(cartable.EInvalid, "the multipart body is malformed: %v", err)
		}
		switch part.FormName() {
		case "name":
			b, err := io.ReadAll(io.LimitReader(part, 4096))
			if err != nil {
				return "", nil, cartable.Errorf(cartable.EInvalid, "could not read the name field: %v", err)
			}
			if name = string(b); !validText(name) {
				return "", nil, badText("name")
			}
		case "file":
			if name == "" {
				name = part.FileName()
			}
			if err := checkText("file", name); err != nil {
				return "", nil, err
			}
			return name, part, nil
		}
	}
}

// multipartEnd reads a multipart body past its file part to its closing boundary:
// a body that ends before it was cut (or lies), and its file is not whole.
func multipartEnd(reader *multipart.Reader) error {
	incomplete := cartable.Errorf(cartable.EInvalid, "the multipart body ends before its closing boundary: the file did not arrive whole")
	for {
		part, err := reader.NextPart()
		if err == io.EOF { // exactly: the closing boundary (a cut body wraps io.EOF)
			return nil
		}
		if err != nil {
			return incomplete
		}
		// A field after the file: read past it, within the overhead a form may have.
		if n, err := io.CopyN(io.Discard, part, multipartOverhead); err == nil || n == multipartOverhead {
			return cartable.Errorf(cartable.EInvalid, "the multipart body goes on after its file part")
		} else if !errors.Is(err, io.EOF) {
			return incomplete
		}
	}
}

func tooLargeUpload(limit int64) error {
	return cartable.Errorf(cartable.ETooLarge, "the file is larger than %d bytes; use a resumable upload", limit).With("max_bytes", limit)
}

// uploadVersion replaces a file's content with the request body.
func (s *Server) uploadVersion(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	opts, err := writeOptions(c)
	if err != nil {
		return err
	}
	req := c.Request()
	if req.ContentLength > s.Workspace.MaxUploadBytes() {
		return tooLargeUpload(s.Workspace.MaxUploadBytes())
	}
	it, err := s.Workspace.NewVersion(req.Context(), caller(c), id, workspace.Upload{Body: req.Body, Size: req.ContentLength}, opts)
	if err != nil {
		return err
	}
	return writeItem(c, http.StatusOK, it)
}

func (s *Server) download(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	content, err := s.contentFor(c, id, nil)
	if err != nil {
		return err
	}
	return s.serveContent(c, content, content.Item.ETag())
}

// contentFor reads the content a GET serves, which records the open in the
// caller's recent files; a HEAD only looks.
func (s *Server) contentFor(c echo.Context, id uuid.UUID, versionID *uuid.UUID) (workspace.Content, error) {
	ctx, who := c.Request().Context(), caller(c)
	if c.Request().Method == http.MethodHead {
		return s.Workspace.Peek(ctx, who, id, versionID)
	}
	return s.Workspace.Content(ctx, who, id, versionID)
}

func (s *Server) downloadVersion(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	versionID, err := idParam(c, "version")
	if err != nil {
		return err
	}
	content, err := s.contentFor(c, id, &versionID)
	if err != nil {
		return err
	}
	return s.serveContent(c, content, content.Version.ETag())
}

// serveContent answers a file's bytes with conditional and range requests. Only a
// single range is served; a multi-range request gets the whole file, as RFC 9110
// allows. The object is opened before any header of the file is set, so that a
// store that does not answer leaves a clean problem (503 unavailable) and not a
// file's headers over an error body.
func (s *Server) serveContent(c echo.Context, content workspace.Content, etag string) error {
	return s.serveBytes(c, content, etag, func(h http.Header) {
		h.Set("Cache-Control", "private, no-cache")
		setDisposition(h, content.Item.Name, content.Version.MimeType, c.QueryParam("download") != "", s.onDownloadOrigin(c))
	})
}

// serveBytes is serveContent with the headers a route adds of its own: type,
// disposition, caching (they are set on a 304 too).
func (s *Server) serveBytes(c echo.Context, content workspace.Content, etag string, own func(h http.Header)) error {
	req, res := c.Request(), c.Response()
	size := content.Version.Size
	headers := func() {
		h := res.Header()
		h.Set("ETag", etag)
		h.Set("Accept-Ranges", "bytes")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Last-Modified", content.Version.CreatedAt.UTC().Format(http.TimeFormat))
		own(h)
	}
	if match := req.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		headers()
		return c.NoContent(http.StatusNotModified)
	}
	start, length, partial, err := parseRange(req.Header.Get("Range"), req.Header.Get("If-Range"), etag, size)
	if err != nil {
		res.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		return cartable.Errorf(cartable.ERangeNotSatisfiable, "the requested range is not satisfiable").With("size", size)
	}
	status := http.StatusOK
	var body io.ReadCloser
	if req.Method != http.MethodHead && length > 0 {
		if body, err = content.Open(req.Context(), start, length); err != nil {
			return fmt.Errorf("open content of %s: %w", content.Item.ID, err)
		}
		defer body.Close()
	}
	headers()
	if partial {
		status = http.StatusPartialContent
		res.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, size))
	}
	res.Header().Set(echo.HeaderContentLength, strconv.FormatInt(length, 10))
	res.WriteHeader(status)
	if body == nil {
		return nil
	}
	s.stream(c, body, length, "content of "+content.Item.ID.String())
	return nil
}

// stream sends length bytes of body after the status. A failure now (the store
// lost, the client gone) can only cut the body short: the connection is aborted
// rather than ended as if the answer were complete, so no client, cache or proxy
// takes a truncated file for the whole one.
func (s *Server) stream(c echo.Context, body io.Reader, length int64, what string) {
	if _, err := io.CopyN(c.Response(), body, length); err != nil {
		req := c.Request()
		s.log.WarnContext(req.Context(), "download cut short", "err", err, "what", what,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "method", req.Method, "path", req.URL.Path)
		panic(http.ErrAbortHandler)
	}
}

// parseRange reads a single "bytes=" range against size. It returns the whole file
// when there is no range, several ranges, or an If-Range that no longer matches.
func parseRange(header, ifRange, etag string, size int64) (start, length int64, partial bool, err error) {
	if header == "" || (ifRange != "" && ifRange != etag) {
		return 0, size, false, nil
	}
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, size, false, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, 0, false, errors.New("bad range")
	}
	if first == "" { // suffix: the last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false, errors.New("bad suffix range")
		}
		n = min(n, size)
		return size - n, n, true, nil
	}
	start, err = strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size {
		return 0, 0, false, errors.New("range start out of bounds")
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return 0, 0, false, errors.New("bad range end")
		}
		end = min(end, size-1)
	}
	return start, end - start + 1, true, nil
}

// inlineTypes are shown in the browser; everything else downloads. PDF is shown on
// the download origin only (see downloads.go).
var inlineTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/heic",
	"text/plain", "audio/", "video/"}

// sandboxPolicy is the CSP of every file but a PDF on the download origin: nothing
// runs, and the document has an origin of its own.
const sandboxPolicy = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox"

// setDisposition sets the type and disposition of a download. Types a browser would
// run (HTML, SVG, XML, scripts) are always attachments, under a sandboxing CSP, and
// the type served is the one sniffed from the bytes, never one a client claimed. A
// PDF is inline only on the download origin, under pdfPolicy.
func setDisposition(h http.Header, name, mimeType string, forceDownload, downloadOrigin bool) {
	base, _, _ := mime.ParseMediaType(mimeType)
	pdf := base == "application/pdf" && downloadOrigin
	inline := !forceDownload && (pdf || shownInline(base))
	h.Set(echo.HeaderContentType, mimeType)
	if inline && pdf {
		h.Set("Content-Security-Policy", pdfPolicy)
	} else {
		h.Set("Content-Security-Policy", sandboxPolicy)
	}
	disposition := "attachment"
	if inline {
		disposition = "inline"
	}
	h.Set("Content-Disposition", contentDisposition(disposition, name))
}

// shownInline reports whether a type is one of inlineTypes.
func shownInline(base string) bool {
	for _, t := range inlineTypes {
		if base == t || (strings.HasSuffix(t, "/") && strings.HasPrefix(base, t)) {
			return true
		}
	}
	return false
}

// contentDisposition builds an RFC 6266 header: an ASCII fallback filename and the
// exact UTF-8 name in filename*.
func contentDisposition(disposition, name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, disposition, fallback, encodeExtValue(name))
}

// encodeExtValue percent-encodes every byte that is not an RFC 5987 attr-char.
func encodeExtValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (('a' <= ch && ch <= 'z') || ('A' <= ch && ch <= 'Z') || ('0' <= ch && ch <= '9') || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// etagMatches reads an If-None-Match list.
func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}
