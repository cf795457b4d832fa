package upload

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"cartable"
)

const offsetContentType = "application/offset+octet-stream"

// creation is what a POST asks for.
type creation struct {
	size     int64
	deferred bool   // Upload-Defer-Length: the length comes later
	concat   string // "", "partial" or the Upload-Concat header of a final upload
	// partials are the finished partial uploads a final upload concatenates.
	partials []record
	hasBody  bool
}

// create admits a new upload (POST): it checks the request, reserves the declared
// length and records the upload; no byte goes to S3 yet. With a body
// (creation-with-upload) the bytes are taken at once, as by a PATCH at offset 0; an
// empty file is committed at once, and a final upload concatenated and committed.
// If anything fails the upload is abandoned: the client never learnt its URL.
func (s *Service) create(a *answer, r *http.Request) {
	ctx := r.Context()
	req, err := s.readCreation(ctx, r)
	if err != nil {
		a.refuse(err)
		return
	}
	rec, err := s.open(ctx, cartable.CallerFrom(ctx), r.Header.Get("Upload-Metadata"), req)
	if err != nil {
		a.refuse(err)
		return
	}
	h := a.Header()
	h.Set("Location", uploadURL(r, rec.ObjectID))
	h.Set("Upload-Expires", rec.ExpiresAt.UTC().Format(http.TimeFormat))
	a.created = true
	switch {
	case rec.final():
		s.concatenate(a, r, rec, req.partials)
	case req.hasBody || req.size == 0 && !req.deferred:
		s.receive(a, r, rec, 0)
	default:
		a.WriteHeader(http.StatusCreated)
	}
	// A cause noted on the way (a store error some retry got past) does not undo a
	// creation that answered its success.
	if a.failed != 0 || a.cause != nil && !a.wrote {
		h.Del("Location")
		h.Del("Upload-Expires")
		s.abandon(rec)
	}
}

// readCreation checks a creation's headers: its length (declared, deferred, or the
// sum of a final upload's partial uploads), its concatenation, and its body's type.
func (s *Service) readCreation(ctx context.Context, r *http.Request) (creation, error) {
	req := creation{hasBody: r.ContentLength > 0 || r.ContentLength < 0 && len(r.TransferEncoding) > 0}
	if req.hasBody && r.Header.Get("Content-Type") != offsetContentType {
		return req, cartable.Errorf(cartable.EUnsupportedMediaType, "the body of a creation must be %s", offsetContentType)
	}
	concat := r.Header.Get("Upload-Concat")
	switch {
	case concat == "partial":
		req.concat = concat
	case strings.HasPrefix(concat, "final;"):
		if req.hasBody {
			return req, cartable.Errorf(cartable.EForbidden, "a final upload takes no bytes: its partial uploads hold them")
		}
		var err error
		if req.partials, req.size, err = s.partials(ctx, callerID(r), concat); err != nil {
			return req, err
		}
		req.concat = concat
		return req, s.checkSize(req.size)
	case concat != "":
		return req, cartable.Errorf(cartable.EInvalid, "invalid Upload-Concat header: partial, or final;<upload URLs>")
	}
	length, deferLength := r.Header.Get("Upload-Length"), r.Header.Get("Upload-Defer-Length")
	switch {
	case length != "" && deferLength != "":
		return req, cartable.Errorf(cartable.EInvalid, "give Upload-Length or Upload-Defer-Length, not both")
	case deferLength == "1":
		req.deferred = true
		return req, nil
	case deferLength != "":
		return req, cartable.Errorf(cartable.EInvalid, "invalid Upload-Defer-Length header: it can only be 1")
	}
	size, err := strconv.ParseInt(length, 10, 64)
	if err != nil || size < 0 {
		return req, cartable.Errorf(cartable.EInvalid, "missing or invalid Upload-Length header")
	}
	req.size = size
	return req, s.checkSize(size)
}

func (s *Service) checkSize(size int64) error {
	if size > s.cfg.MaxSize {
		return cartable.Errorf(cartable.ETooLarge, "the file is larger than %d bytes, the largest upload", s.cfg.MaxSize).
			With("max_bytes", s.cfg.MaxSize)
	}
	return nil
}
