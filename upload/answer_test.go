package upload

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"cartable"
)

// TestProtocolError: tusd's own errors become the domain errors the API maps to
// problem+json, by code first, then by status.
func TestProtocolError(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		want   cartable.Code
	}{
		{http.StatusInternalServerError, "ERR_LOCK_TIMEOUT", cartable.EUnavailable},
		{http.StatusLocked, "ERR_UPLOAD_LOCKED", cartable.EUnavailable},
		{http.StatusServiceUnavailable, "ERR_SERVER_SHUTDOWN", cartable.EUnavailable},
		{http.StatusInternalServerError, "ERR_READ_TIMEOUT", cartable.EUnavailable},
		{http.StatusInternalServerError, "ERR_CONNECTION_RESET", cartable.EUnavailable},
		{http.StatusBadRequest, "ERR_UNEXPECTED_EOF", cartable.EInvalid},
		{http.StatusBadRequest, "ERR_UPLOAD_INTERRUPTED", cartable.EConflict},
		{http.StatusNotFound, "ERR_UPLOAD_NOT_FOUND", cartable.ENotFound},
		{http.StatusConflict, "ERR_MISMATCHED_OFFSET", cartable.EConflict},
		{http.StatusPreconditionFailed, "ERR_UNSUPPORTED_VERSION", cartable.EUnsupportedVersion},
		{http.StatusRequestEntityTooLarge, "ERR_UPLOAD_SIZE_EXCEEDED", cartable.ETooLarge},
		{http.StatusForbidden, "ERR_MODIFY_FINAL", cartable.EForbidden},
		{http.StatusUnsupportedMediaType, "", cartable.EUnsupportedMediaType},
		{http.StatusBadRequest, "ERR_INVALID_OFFSET", cartable.EInvalid},
		{http.StatusNotImplemented, "ERR_NOT_IMPLEMENTED", cartable.EInternal},
		{http.StatusInternalServerError, "ERR_INTERNAL_SERVER_ERROR", cartable.EInternal},
	} {
		if got := cartable.ErrorCode(protocolError(tc.status, tc.code, "message")); got != tc.want {
			t.Errorf("%d %s: %s, want %s", tc.status, tc.code, got, tc.want)
		}
	}
}

// TestCanceledByTusd: a hook that fails because tusd canceled the request (another
// request took the upload over) answers tusd's reason, not an internal error.
func TestCanceledByTusd(t *testing.T) {
	a, req := newAnswer(httptest.NewRecorder(), httptest.NewRequest(http.MethodPatch, "/api/v1/uploads/x", nil), nil)
	ctx, cancel := context.WithCancelCause(req.Context())
	cancel(tusd.ErrUploadInterrupted)
	note(ctx, fmt.Errorf("load upload x: %w", context.Canceled))
	if got := cartable.ErrorCode(a.cause); got != cartable.EConflict {
		t.Errorf("the cause of a request tusd interrupted is %s (%v), want conflict", got, a.cause)
	}
}

// TestObjectID: an upload's URL id is our object id, or tusd's "<object id>+<multipart
// id>" of uploads begun before multipart uploads were created lazily.
func TestObjectID(t *testing.T) {
	for _, tc := range []struct {
		urlID string
		ok    bool
	}{
		{"01a2353d-0f0e-7ac5-9232-66274a4aab37", true},
		{"01a2353d-0f0e-7ac5-9232-66274a4aab37+ZjM4NzU2YzAtMTA4", true},
		{"not-a-uuid", false},
		{"", false},
		{"+abc", false},
	} {
		if _, ok := objectID(tc.urlID); ok != tc.ok {
			t.Errorf("objectID(%q) ok = %v, want %v", tc.urlID, ok, tc.ok)
		}
	}
}
