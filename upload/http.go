package upload

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	tusd "github.com/tus/tusd/v2/pkg/handler"

	"cartable"
)

// ServeHTTP serves the tus endpoint. The caller has been authenticated by the API
// (cartable.CallerFrom). tusd's middleware answers OPTIONS and CORS and checks the
// protocol version; Cartable creates uploads itself, decides who may touch which
// upload, and hands tusd the requests that need its S3 store.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, r := newAnswer(w, r, s.problem)
	defer a.finish()
	s.protocol.ServeHTTP(a, r)
}

// route dispatches a request that passed tusd's middleware.
func (s *Service) route(w http.ResponseWriter, r *http.Request) {
	a := w.(*answer)
	urlID := strings.Trim(strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(BasePath, "/")), "/")
	switch {
	case r.Method == http.MethodHead && r.Header.Get("Tus-Resumable") != "1.0.0":
		// tusd lets HEAD through without the header; the protocol does not.
		a.refuse(cartable.Errorf(cartable.EUnsupportedVersion, "missing, invalid or unsupported Tus-Resumable header"))
	case urlID == "" && r.Method == http.MethodPost:
		s.create(a, r)
	case urlID == "" || strings.Contains(urlID, "/"):
		a.refuse(cartable.Errorf(cartable.EInvalid, "%s is not a method of %s", r.Method, r.URL.Path))
	default:
		s.serveUpload(a, r, urlID)
	}
}

// uploadURL is the absolute URL of an upload, as tusd builds it (forwarded headers
// respected).
func uploadURL(r *http.Request, id uuid.UUID) string {
	proto, host := "http", r.Host
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		proto = "https"
	}
	if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
		host = fh
	}
	return proto + "://" + host + BasePath + id.String()
}

// serveUpload serves HEAD, PATCH and DELETE on one upload, for its uploader only:
// anyone else is told it does not exist.
func (s *Service) serveUpload(a *answer, r *http.Request, urlID string) {
	id, ok := objectID(urlID)
	var rec record
	var err error = cartable.Errorf(cartable.ENotFound, "no upload %q", urlID)
	if ok {
		rec, err = load(r.Context(), s.db, id, false)
	}
	if err == nil && (rec.OwnerID != callerID(r) || !rec.committed() && rec.ExpiresAt.Before(time.Now())) {
		err = cartable.Errorf(cartable.ENotFound, "no upload %q", urlID)
	}
	if err != nil {
		a.refuse(err)
		return
	}
	if rec.TusID == "" && strings.Contains(urlID, "+") {
		rec.TusID = urlID // begun before multipart uploads were created lazily
	}
	a.Header().Set("Upload-Expires", rec.ExpiresAt.UTC().Format(http.TimeFormat))
	switch r.Method {
	case http.MethodHead:
		s.head(a, r, rec)
	case http.MethodPatch:
		s.patch(a, r, rec)
	case http.MethodDelete:
		s.terminate(a, r, rec)
	default:
		a.refuse(cartable.Errorf(cartable.EInvalid, "%s is not a method of an upload", r.Method))
	}
}

// head tells how much of an upload has arrived. "Finished" means "committed": an
// upload whose bytes are all in S3 but whose commit failed is committed first.
func (s *Service) head(a *answer, r *http.Request, rec record) {
	if rec.inS3() && !rec.committed() {
		if !s.commitIfComplete(a, r, &rec) {
			s.tus.HeadFile(a, tusRequest(r, rec, 0))
			partsUnseen(a)
			return
		}
		if a.cause != nil {
			return
		}
	}
	h := a.Header()
	h.Set("Cache-Control", "no-store")
	if rec.LengthDeferred {
		h.Set("Upload-Defer-Length", "1")
	} else {
		h.Set("Upload-Length", strconv.FormatInt(rec.Size, 10))
	}
	if rec.Metadata != "" {
		h.Set("Upload-Metadata", rec.Metadata)
	}
	if rec.Concat != "" {
		h.Set("Upload-Concat", rec.Concat)
	}
	offset := int64(0)
	if rec.committed() {
		offset = rec.Size
		setCommitted(h, rec)
	}
	h.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	a.WriteHeader(http.StatusOK)
}

// partsUnseen turns tusd's "not found" for an upload whose row says its parts are
// in S3 into "unavailable": the store did not find what it holds. A MinIO node
// back from a restart, before it sees its peers, answered so for an upload
// another node had just created (make chaos). A tus client gives up on a 404 and
// starts the upload again; on a 503 it waits and resumes. Parts truly gone (an
// aborted multipart upload whose row lives on) cost the client its retries
// before it gives up: rare, and bounded.
func partsUnseen(a *answer) {
	if a.failed == http.StatusNotFound && a.cause == nil {
		a.cause = cartable.Errorf(cartable.EUnavailable, "the storage does not find the upload's parts at the moment: resume in a moment")
	}
}

// patch takes bytes of an upload at the offset the client says.
func (s *Service) patch(a *answer, r *http.Request, rec record) {
	if r.Header.Get("Content-Type") != offsetContentType {
		a.refuse(cartable.Errorf(cartable.EUnsupportedMediaType, "the body of a PATCH must be %s", offsetContentType))
		return
	}
	offset, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || offset < 0 {
		a.refuse(cartable.Errorf(cartable.EInvalid, "missing or invalid Upload-Offset header"))
		return
	}
	if rec.final() {
		a.refuse(cartable.Errorf(cartable.EForbidden, "a final upload takes no bytes: its partial uploads hold them"))
		return
	}
	s.receive(a, r, rec, offset)
}

// receive takes the request's body at offset. An upload with no byte in S3 yet that
// comes whole in this request, and fits in one part, is stored with one PutObject
// and committed; otherwise its S3 multipart upload is created, and tusd takes the
// bytes (committing the upload, through its finish hook, when they are all there).
func (s *Service) receive(a *answer, r *http.Request, rec record, offset int64) {
	ctx := r.Context()
	if !rec.LengthDeferred && offset+r.ContentLength > rec.Size {
		a.refuse(cartable.Errorf(cartable.ETooLarge, "the body goes past the upload's length, %d bytes", rec.Size))
		return
	}
	if err := s.reserveDeferred(ctx, &rec, r, offset); err != nil {
		a.refuse(err)
		return
	}
	release, ok := s.verifyChecksum(a, r, rec, offset)
	if !ok {
		return
	}
	defer release()
	if !rec.inS3() && !rec.committed() {
		var err error
		if rec, err = s.receiveFirstLocked(a, r, rec, offset); err != nil || a.wrote {
			if err != nil {
				a.refuse(err)
			}
			return
		}
	}
	switch {
	case rec.committed():
		s.answerCommitted(a, rec, offset)
	// Only a PATCH at the upload's end can find all its bytes there already (a
	// retried final PATCH): any other spares S3 the look.
	case offset == rec.Size && !rec.LengthDeferred && s.commitIfComplete(a, r, &rec):
	default:
		s.tus.PatchFile(a, tusRequest(r, rec, offset))
		partsUnseen(a)
		if a.failed == http.StatusConflict {
			s.tellOffset(ctx, a, rec)
		}
	}
}

// receiveFirstLocked runs receiveFirst under the upload's lock (the one tusd's
// locker gives, keyed by the object id). A request for the same upload elsewhere
// asks it to let go: then it stops, as tusd's PATCHes do.
func (s *Service) receiveFirstLocked(a *answer, r *http.Request, rec record, offset int64) (record, error) {
	work, stop := context.WithCancelCause(r.Context())
	defer stop(nil)
	lock, err := s.locker.NewLock(rec.ObjectID.String())
	if err != nil {
		return rec, err
	}
	waiting, cancel := context.WithTimeout(work, lockTimeout)
	defer cancel()
	if err := lock.Lock(waiting, func() { stop(tusd.ErrUploadInterrupted) }); err != nil {
		return rec, cartable.Errorf(cartable.EUnavailable, "another request is sending this upload")
	}
	defer func() { _ = lock.Unlock() }()
	rec, err = s.receiveFirst(a, r.WithContext(work), rec, offset)
	return rec, canceledBecause(work, err)
}

// lockTimeout is how long a request waits for an upload another request holds, as
// tusd's own default.
const lockTimeout = 20 * time.Second

// receiveFirst takes the first bytes of an upload with none in S3, under the
// upload's lock: the whole of a small file with one PutObject (answered here), or
// else it creates the S3 multipart upload and leaves the bytes to tusd.
func (s *Service) receiveFirst(a *answer, r *http.Request, rec record, offset int64) (record, error) {
	ctx := r.Context()
	rec, err := load(ctx, s.db, rec.ObjectID, false) // another request may have been first
	if err != nil || rec.inS3() || rec.committed() {
		return rec, err
	}
	if offset != 0 {
		a.Header().Set("Upload-Offset", "0")
		return rec, cartable.Errorf(cartable.EConflict, "the upload's offset is 0, not %d: resume from there", offset)
	}
	if !rec.LengthDeferred && r.ContentLength == rec.Size && rec.Size <= s.cfg.PartSize {
		body := keptAlive{r: io.LimitReader(r.Body, rec.Size), progress: deadlines(a, s.cfg.NetworkTimeout)}
		if err := s.storeWhole(ctx, cartable.CallerFrom(ctx), &rec, body); err != nil {
			return rec, err
		}
		s.answerCommitted(a, rec, offset)
		return rec, nil
	}
	return rec, s.createInS3(ctx, &rec)
}

// createInS3 creates the upload's S3 multipart upload through tusd's store, with
// the length the upload's row knows (or deferred), and records its tus id.
func (s *Service) createInS3(ctx context.Context, rec *record) error {
	info := tusInfo(*rec)
	info.SizeIsDeferred = rec.LengthDeferred
	if info.SizeIsDeferred {
		info.Size = 0
	}
	up, err := s.store.NewUpload(ctx, info)
	if err != nil {
		return err
	}
	if info, err = up.GetInfo(ctx); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `UPDATE uploads SET tus_id = $2 WHERE object_id = $1`, rec.ObjectID, info.ID); err != nil {
		return err
	}
	rec.TusID = info.ID
	return nil
}

// answerCommitted answers a PATCH (or a creation) on an upload that is a file now.
func (s *Service) answerCommitted(a *answer, rec record, offset int64) {
	h := a.Header()
	h.Set("Upload-Offset", strconv.FormatInt(rec.Size, 10))
	if offset != rec.Size && offset != 0 {
		a.refuse(cartable.Errorf(cartable.EConflict, "the upload is complete: its offset is %d", rec.Size))
		return
	}
	setCommitted(h, rec)
	a.WriteHeader(http.StatusNoContent)
}

// commitIfComplete commits an upload whose bytes have all arrived in S3 but whose
// commit did not happen (it failed, or the node died in between), so that a HEAD or
// a retried final PATCH never reports a finished upload that is not a file (tusd
// would answer it without running its finish hook again: tusd #1299). It reports
// whether it committed (or failed to: then a.cause says why).
func (s *Service) commitIfComplete(a *answer, r *http.Request, rec *record) bool {
	upload, err := s.store.GetUpload(r.Context(), rec.TusID)
	if err != nil {
		return false // tusd will answer (not found, or a store error)
	}
	info, err := upload.GetInfo(r.Context())
	if err != nil || info.SizeIsDeferred || info.Offset < info.Size {
		return false
	}
	if err := s.completeInS3(r.Context(), upload, *rec); err != nil {
		a.refuse(err)
		return true
	}
	committed, err := s.commit(r.Context(), cartable.CallerFrom(r.Context()), rec.ObjectID)
	if err != nil {
		a.refuse(err)
		return true
	}
	*rec = committed
	if r.Method == http.MethodPatch || a.created {
		offset, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
		s.answerCommitted(a, committed, offset)
	}
	return true
}

// completeInS3 makes sure that an upload whose parts are all in S3 is one object:
// S3 may have failed to put the parts together (CompleteMultipartUpload) after
// tusd received the last byte, as MinIO's nodes just back from a restart did
// (make chaos); the upload then has every byte and no object, and its commit
// could never read it. tusd is asked to finish it again.
func (s *Service) completeInS3(ctx context.Context, up tusd.Upload, rec record) error {
	if ok, err := s.blobs.Exists(ctx, rec.Pending.Key); err != nil || ok {
		return err
	}
	err := up.FinishUpload(ctx)
	if err == nil {
		return nil
	}
	if ok, existsErr := s.blobs.Exists(ctx, rec.Pending.Key); existsErr == nil && ok {
		return nil // another request finished it meanwhile
	}
	s.log.Warn("an upload with all its parts in S3 could not be finished", "upload", rec.ObjectID, "err", err)
	return cartable.Errorf(cartable.EUnavailable, "the storage could not put upload %s together: try again in a moment", rec.ObjectID)
}

// tellOffset adds the upload's offset to a 409, so the client resumes from there.
func (s *Service) tellOffset(ctx context.Context, a *answer, rec record) {
	upload, err := s.store.GetUpload(context.WithoutCancel(ctx), rec.TusID)
	if err != nil {
		return
	}
	if info, err := upload.GetInfo(ctx); err == nil {
		a.Header().Set("Upload-Offset", strconv.FormatInt(info.Offset, 10))
	}
}

// terminate forgets an upload (DELETE). An unfinished one gives its quota back and
// loses its parts; a finished one only its upload resource: the file it became stays.
func (s *Service) terminate(a *answer, r *http.Request, rec record) {
	if rec.inS3() && !rec.committed() {
		s.tus.DelFile(a, tusRequest(r, rec, 0))
		return
	}
	if err := s.remove(context.WithoutCancel(r.Context()), rec.ObjectID); err != nil {
		a.refuse(err)
		return
	}
	a.WriteHeader(http.StatusNoContent)
}

// tusRequest is the request as tusd routes it: at the path of tusd's id of the
// upload, as a PATCH at offset when it creates the upload with its first bytes.
func tusRequest(r *http.Request, rec record, offset int64) *http.Request {
	r2 := *r
	u := *r.URL
	u.Path, u.RawPath = rec.TusID, "" // tusd reads the whole path as the id
	r2.URL = &u
	r2.Header = r.Header.Clone()
	// Cartable has declared a deferred length to tusd's store itself (reserveDeferred).
	r2.Header.Del("Upload-Length")
	if r.Method == http.MethodPost {
		r2.Method = http.MethodPatch
		r2.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	}
	return &r2
}

func setCommitted(h http.Header, rec record) {
	for k, v := range committedHeaders(rec) {
		h.Set(k, v)
	}
}

func callerID(r *http.Request) string {
	if c := cartable.CallerFrom(r.Context()); c != nil {
		return c.UserID
	}
	return ""
}
