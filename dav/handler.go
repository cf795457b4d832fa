package dav

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"cartable"
	"cartable/lock"
	"cartable/quota"
	"cartable/workspace"
)

// Methods are the HTTP methods the WebDAV server answers.
var Methods = []string{"OPTIONS", "GET", "HEAD", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "POST"}

// allow is the Allow header: what a resource may be asked (POST is not served).
const allow = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK"

// Handler serves WebDAV under Prefix.
type Handler struct {
	Workspace *workspace.Service
	// Prefix is where the tree is mounted, without its trailing slash ("/dav").
	Prefix string
	// Authenticate tells who sends the request: Basic with an app password, or a
	// Bearer token. An error is a 401 asking for Basic credentials.
	Authenticate func(r *http.Request) (*cartable.Caller, error)
	// Unavailable tells an outage of PostgreSQL or the object store (503, retry
	// later) from a failure (500); nil: every unknown error is a failure.
	Unavailable func(error) bool
	Log         *slog.Logger
}

// request is one WebDAV request being served.
type request struct {
	*Handler
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	caller *cartable.Caller
	// tree resolves paths for this caller (spaces and shares read once).
	tree *tree
	// quotas are the caller's spaces' usage, read once when a PROPFIND asks.
	quotas map[uuid.UUID]quota.SpaceUsage
}

// ServeHTTP answers one WebDAV request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("DAV", "1, 2")
	w.Header().Set("MS-Author-Via", "DAV")
	if r.Method == http.MethodOptions {
		// Windows and Office probe OPTIONS before they authenticate.
		w.Header().Set("Allow", allow)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	c, err := h.Authenticate(r)
	if err != nil {
		h.unauthorized(w, r, err)
		return
	}
	req := &request{Handler: h, w: w, r: r, ctx: r.Context(), caller: c}
	req.tree = newTree(h.Workspace, c, r.Context())
	if err := req.serve(); err != nil {
		req.fail(err)
	}
}

func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	if !cartable.IsCode(err, cartable.EUnauthorized) {
		// The directory did not answer: not the client's fault, and not a 401 that
		// would make it ask its user for the password again.
		// Too many failed passwords from this address: wait, do not ask again.
		status := h.statusOf(err)
		switch status {
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "60")
		case http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", "5")
		default:
			status = http.StatusInternalServerError
			h.Log.ErrorContext(r.Context(), "dav authentication", "err", err)
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="Cartable", charset="UTF-8"`)
	http.Error(w, "Identifiez-vous avec un mot de passe d'application. / Sign in with an app password.", http.StatusUnauthorized)
}

func (req *request) serve() error {
	switch req.r.Method {
	case http.MethodGet, http.MethodHead:
		return req.get()
	case http.MethodPut:
		return req.put()
	case http.MethodDelete:
		return req.delete()
	case "PROPFIND":
		return req.propfind()
	case "PROPPATCH":
		return req.proppatch()
	case "MKCOL":
		return req.mkcol()
	case "COPY", "MOVE":
		return req.copyMove(req.r.Method == "MOVE")
	case "LOCK":
		return req.lock()
	case "UNLOCK":
		return req.unlock()
	}
	req.w.Header().Set("Allow", allow)
	return statusError(http.StatusMethodNotAllowed, "method %s is not served here", req.r.Method)
}

// davError is a refusal with its WebDAV status, and an optional precondition
// element of RFC 4918's error body (e.g. "propfind-finite-depth").
type davError struct {
	status  int
	detail  string
	element string
}

func (e *davError) Error() string { return e.detail }

func statusError(status int, format string, args ...any) *davError {
	return &davError{status: status, detail: fmt.Sprintf(format, args...)}
}

// codeRateLimited is the code the API gives a client that failed too often
// (api/links.go): app passwords are rate limited the same way.
const codeRateLimited cartable.Code = "rate_limited"

// statusOf is the status of an error: a domain error's (statusOf), or 503 for an
// outage of PostgreSQL or the object store, which the client may retry.
func (h *Handler) statusOf(err error) int {
	status := statusOf(err)
	if status == http.StatusInternalServerError && h.Unavailable != nil && h.Unavailable(err) {
		return http.StatusServiceUnavailable
	}
	return status
}

// statusOf maps the workspace's domain errors to WebDAV statuses. A full quota is
// 507 Insufficient Storage (RFC 4918 11.5), which DAV clients show as "disk full".
func statusOf(err error) int {
	var de *davError
	if errors.As(err, &de) {
		return de.status
	}
	switch cartable.ErrorCode(err) {
	case cartable.ENotFound:
		return http.StatusNotFound
	case cartable.EForbidden, cartable.ENotAuthor, cartable.EReadOnlyFolder, cartable.ESpaceArchived, cartable.EPrivateBoundary,
		cartable.EInvalidMove, cartable.EPinnedByHandIn, cartable.EAssignmentClosed, cartable.EInfected:
		return http.StatusForbidden
	case cartable.EScanPending:
		// A file the antivirus checks: DAV clients retry a 503 after its Retry-After.
		return http.StatusServiceUnavailable
	case cartable.ELocked:
		return http.StatusLocked
	case cartable.EPreconditionFailed:
		return http.StatusPreconditionFailed
	case cartable.ENameConflict, cartable.EConflict:
		return http.StatusConflict
	case cartable.EInvalid, cartable.EInvalidName:
		return http.StatusBadRequest
	case cartable.EQuotaExceeded:
		return http.StatusInsufficientStorage
	case cartable.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case cartable.EUnauthorized:
		return http.StatusUnauthorized
	case cartable.EUnavailable:
		return http.StatusServiceUnavailable
	case codeRateLimited:
		return http.StatusTooManyRequests
	case cartable.ERangeNotSatisfiable:
		return http.StatusRequestedRangeNotSatisfiable
	}
	return http.StatusInternalServerError
}

// fail answers an error: its status, and a short text a person may read (a DAV
// client shows none, but a browser or curl does). Internal errors are logged and
// told as such.
func (req *request) fail(err error) {
	status := req.statusOf(err)
	if status == http.StatusServiceUnavailable {
		req.w.Header().Set("Retry-After", "5")
	}
	h := req.w.Header()
	for _, k := range []string{"ETag", "Last-Modified", "Content-Length", "Lock-Token", "Location"} {
		h.Del(k)
	}
	if status == http.StatusUnauthorized {
		req.unauthorized(req.w, req.r, err)
		return
	}
	var de *davError
	if errors.As(err, &de) && de.element != "" {
		h.Set("Content-Type", `application/xml; charset="utf-8"`)
		req.w.WriteHeader(status)
		fmt.Fprintf(req.w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<D:error xmlns:D="DAV:"><D:%s/></D:error>`, de.element)
		return
	}
	text := err.Error()
	switch {
	case cartable.IsCode(err, cartable.EScanPending):
		text = "L'antivirus vérifie ce fichier ; réessayez dans quelques secondes.\nThe antivirus is checking this file; try again in a few seconds."
	case status == http.StatusServiceUnavailable:
		req.Log.WarnContext(req.ctx, "dav request: a dependency is unavailable", "err", err, "method", req.r.Method, "path", req.r.URL.Path)
		text = "Le service est momentanément indisponible ; réessayez dans un instant.\nThe service is temporarily unavailable; try again in a moment."
	case status >= 500 && status != http.StatusInsufficientStorage:
		req.Log.ErrorContext(req.ctx, "dav request failed", "err", err, "method", req.r.Method, "path", req.r.URL.Path)
		text = "Internal error"
	}
	var ce *cartable.Error
	if errors.As(err, &ce) && ce.MessageFR != "" {
		text = ce.MessageFR + "\n" + ce.MessageEN
	}
	var le *lock.ConflictError
	if errors.As(err, &le) && le.Locked() && le.Current.Protocol == lock.DAV {
		// RFC 4918 lets the client learn which lock is in the way.
		h.Set("Content-Type", `application/xml; charset="utf-8"`)
		req.w.WriteHeader(status)
		fmt.Fprintf(req.w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<D:error xmlns:D="DAV:"><D:lock-token-submitted><D:href>%s</D:href></D:lock-token-submitted></D:error>`,
			escape(req.r.URL.EscapedPath()))
		return
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	req.w.WriteHeader(status)
	if req.r.Method != http.MethodHead {
		fmt.Fprintln(req.w, strings.TrimSpace(text))
	}
}
