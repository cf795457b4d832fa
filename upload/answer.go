package upload

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"cartable"
)

// answer is the response writer of one tus request. It passes tusd's answers through
// but holds back its errors, which tusd writes as plain text (with a backend's
// message: S3's endpoint, bucket and keys), and answers them as problem+json with a
// stable code instead: from the cause a hook or the store noted for the request (a
// domain error, or S3 unreachable: 503), else from tusd's own error code.
type answer struct {
	http.ResponseWriter
	req     *http.Request
	problem Problem
	// cause is the first error a hook or the store met in this request.
	cause error
	// failed is the status of a tusd error held back, 0 when none is.
	failed int
	body   bytes.Buffer
	wrote  bool
	// created is set while a creation takes its first bytes: the 204 of the
	// bytes taken is then the creation's 201.
	created bool
	// guard keeps the connection's deadlines to the reading of the body.
	guard connGuard
}

type answerKey struct{}

func newAnswer(w http.ResponseWriter, r *http.Request, problem Problem) (*answer, *http.Request) {
	a := &answer{ResponseWriter: w, problem: problem}
	a.req = r.WithContext(context.WithValue(r.Context(), answerKey{}, a))
	a.watchBody(a.req)
	return a, a.req
}

// note records err as the cause of the request's failure, if it is the first.
func note(ctx context.Context, err error) {
	if a, ok := ctx.Value(answerKey{}).(*answer); ok && a.cause == nil && err != nil {
		a.cause = canceledBecause(ctx, err)
	}
}

// canceledBecause turns an error that only says ctx was canceled into tusd's reason
// for canceling it (another request took the upload over, the node stops): that is
// the request's answer, not an internal error.
func canceledBecause(ctx context.Context, err error) error {
	var why tusd.Error
	if errors.Is(err, context.Canceled) && errors.As(context.Cause(ctx), &why) {
		return protocolError(why.HTTPResponse.StatusCode, why.ErrorCode, why.Message)
	}
	return err
}

// refuse answers err as a problem, unless the store noted the cause already.
func (a *answer) refuse(err error) { note(a.req.Context(), err) }

// fail notes err for the request and returns the error tusd is given in its place
// (its answer is held back and replaced by the problem of err).
func fail(ctx context.Context, err error) error {
	note(ctx, err)
	return tusd.NewError("ERR_CARTABLE", "see cause", http.StatusInternalServerError)
}

func (a *answer) WriteHeader(status int) {
	if a.wrote || a.failed != 0 {
		return
	}
	if status >= 400 && strings.HasPrefix(a.Header().Get("Content-Type"), "text/plain") {
		a.failed = status
		return
	}
	a.wrote = true
	switch {
	case a.created && status == http.StatusNoContent:
		status = http.StatusCreated
	case a.req.Method == http.MethodOptions && status == http.StatusOK:
		// tusd answers 200 for old Opera's sake; the protocol (and every browser
		// since) says 204.
		status = http.StatusNoContent
	}
	if a.Header().Get("Tus-Extension") != "" { // tusd's, in an OPTIONS answer
		a.Header().Set("Tus-Extension", advertised)
		a.Header().Set("Tus-Checksum-Algorithm", checksumAlgorithms)
	}
	a.beginAnswer()
	a.ResponseWriter.WriteHeader(status)
}

func (a *answer) Write(b []byte) (int, error) {
	if !a.wrote && a.failed == 0 {
		a.WriteHeader(http.StatusOK)
	}
	if a.failed != 0 {
		if a.body.Len() < 1024 {
			a.body.Write(b)
		}
		return len(b), nil
	}
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (deadlines excepted:
// see connGuard).
func (a *answer) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// err is the error of the request, once it has failed: what was noted, or the domain
// error of tusd's answer.
func (a *answer) err() error {
	if a.cause != nil {
		return a.cause
	}
	code, message, _ := strings.Cut(strings.TrimSpace(a.body.String()), ": ")
	return protocolError(a.failed, code, message)
}

// finish answers the held-back error, if any, as a problem. The request is over.
func (a *answer) finish() {
	defer a.endAnswer()
	a.beginAnswer() // before the problem's header, or net/http's implicit one
	if a.failed == 0 && a.cause != nil && !a.wrote {
		a.failed = http.StatusInternalServerError
	}
	if a.failed == 0 {
		return
	}
	h := a.Header()
	h.Del("Content-Type")
	h.Del("Content-Length")
	err := a.err()
	if cartable.IsCode(err, cartable.EUnsupportedVersion) {
		h.Set("Tus-Version", "1.0.0")
	}
	a.problem(a.ResponseWriter, a.req, err)
}

// protocolError is the domain error of one of tusd's own errors (a malformed or
// out-of-turn request); its messages are protocol texts, safe to show.
func protocolError(status int, code, message string) error {
	switch {
	case code == "ERR_LOCK_TIMEOUT" || code == "ERR_UPLOAD_LOCKED" || code == "ERR_SERVER_SHUTDOWN":
		// Another request holds the upload, or the node stops: try again shortly.
		return cartable.Errorf(cartable.EUnavailable, "%s", message)
	case code == "ERR_READ_TIMEOUT" || code == "ERR_CONNECTION_RESET":
		// A network that stalled or dropped: tus clients resume on a 5xx, not a 4xx.
		return cartable.Errorf(cartable.EUnavailable, "the request body stopped coming: resume from the upload's offset")
	case code == "ERR_UPLOAD_INTERRUPTED":
		// A newer request for the same upload (the client resuming) took it over.
		return cartable.Errorf(cartable.EConflict, "%s: ask the upload's offset with HEAD, and resume from there", message)
	case code == "ERR_UNEXPECTED_EOF":
		return cartable.Errorf(cartable.EInvalid, "the request body was cut: %s", message)
	}
	switch status {
	case http.StatusNotFound:
		return cartable.Errorf(cartable.ENotFound, "no such upload")
	case http.StatusConflict:
		return cartable.Errorf(cartable.EConflict, "%s: ask the upload's offset with HEAD, and resume from there", message)
	case http.StatusPreconditionFailed:
		return cartable.Errorf(cartable.EUnsupportedVersion, "%s", message)
	case http.StatusRequestEntityTooLarge:
		return cartable.Errorf(cartable.ETooLarge, "%s", message)
	case http.StatusForbidden:
		return cartable.Errorf(cartable.EForbidden, "%s", message)
	case http.StatusUnsupportedMediaType:
		return cartable.Errorf(cartable.EUnsupportedMediaType, "%s", message)
	}
	if status < 500 {
		return cartable.Errorf(cartable.EInvalid, "%s", message)
	}
	return cartable.Errorf(cartable.EInternal, "")
}

// advertised is the Tus-Extension header Cartable answers in place of tusd's: it
// creates uploads itself (with deferred lengths and concatenation, quota kept exact),
// verifies checksums, and adds expiration (Upload-Expires, and the sweeper that
// removes expired uploads).
var advertised = strings.Join([]string{"creation", "creation-with-upload", "creation-defer-length", "termination",
	"concatenation", "checksum", "checksum-trailer", "expiration"}, ",")
