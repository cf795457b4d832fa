package upload

import (
	"net/http"
	"testing"

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
