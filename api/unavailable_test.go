package api

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"

	"cartable"
	"cartable/storage"
)

// safeToRetry is what pgconn returns when nothing reached the server (a connection
// found closed, a failed write).
type safeToRetry struct{}

func (safeToRetry) Error() string     { return "conn closed" }
func (safeToRetry) SafeToRetry() bool { return true }

// timeoutError is a net.Error that timed out.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// awsAPIError looks like the AWS SDK's errors (tusd's S3 store): an error code and
// the answer's HTTP status, read through methods.
type awsAPIError struct {
	code   string
	status int
}

func (e awsAPIError) Error() string       { return "api error " + e.code }
func (e awsAPIError) ErrorCode() string   { return e.code }
func (e awsAPIError) HTTPStatusCode() int { return e.status }

// closedPort is a local TCP address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUnavailable(t *testing.T) {
	addr := closedPort(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Real errors from the libraries, against a port nothing listens on.
	_, connectErr := pgconn.Connect(ctx, "postgres://cartable@"+addr+"/cartable?sslmode=disable&connect_timeout=10")
	if _, ok := errors.AsType[*pgconn.ConnectError](connectErr); !ok {
		t.Fatalf("pgconn.Connect to a closed port: %v, want a ConnectError", connectErr)
	}
	pool, err := pgxpool.New(ctx, "postgres://cartable@"+addr+"/cartable?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	_, acquireErr := pool.Acquire(ctx)
	pool.Close()
	_, closedPoolErr := pool.Acquire(ctx)
	_, httpErr := (&http.Client{}).Get("http://" + addr + "/bucket/key")
	_, dialErr := net.Dial("tcp", addr)
	cancelled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	_, cancelledErr := (&net.Dialer{}).DialContext(cancelled, "tcp", addr)

	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a bug", errors.New("pq: connection refused to 10.0.0.1"), false},
		{"an object the database names, not found by the store", fmt.Errorf("open content of 0190: %w", fmt.Errorf("blobs/aa/key: %w", storage.ErrNotFound)), true},
		{"a domain error", cartable.Errorf(cartable.ENotFound, "x"), false},

		{"client cancelled", context.Canceled, false},
		{"client cancelled under a url.Error", &url.Error{Op: "Get", URL: "http://s3/b/k", Err: context.Canceled}, false},
		{"client cancelled a dial", cancelledErr, false},
		{"server-side timeout", fmt.Errorf("query: %w", context.DeadlineExceeded), true},

		{"dial refused (real)", dialErr, true},
		{"dial refused", fmt.Errorf("x: %w", refused), true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), true},
		{"host unreachable", syscall.EHOSTUNREACH, true},
		{"DNS", &net.DNSError{Err: "no such host", Name: "minio.internal", IsNotFound: true}, true},
		{"net timeout", fmt.Errorf("read: %w", timeoutError{}), true},
		{"dropped connection", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), true},
		{"connection closed by the peer", fmt.Errorf("receive: %w", io.EOF), true},

		{"HTTP request refused (real)", httpErr, true},
		{"minio's dropped connection", &url.Error{Op: "Get", URL: "http://s3/b/k", Err: errors.New("Connection closed by foreign host http://s3/b/k. Retry again.")}, true},
		{"URL that does not parse", &url.Error{Op: "parse", URL: "::", Err: errors.New("missing protocol scheme")}, false},
		{"certificate refused", &url.Error{Op: "Get", URL: "https://s3/b/k", Err: x509.UnknownAuthorityError{}}, false},

		{"pgconn.ConnectError (real)", connectErr, true},
		{"pgxpool acquire (real)", acquireErr, true},
		{"pgxpool closed (real)", closedPoolErr, true},
		{"pgconn safe to retry", fmt.Errorf("load caller: %w", safeToRetry{}), true},
		{"SQLSTATE 08006", fmt.Errorf("q: %w", &pgconn.PgError{Code: "08006"}), true},
		{"SQLSTATE 08001", &pgconn.PgError{Code: "08001"}, true},
		{"SQLSTATE 57P01 admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"SQLSTATE 57P02 crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"SQLSTATE 57P03 cannot connect now", &pgconn.PgError{Code: "57P03"}, true},
		{"SQLSTATE 53300 too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"SQLSTATE 57014 statement cancelled", &pgconn.PgError{Code: "57014"}, false},
		{"SQLSTATE 23505 unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"SQLSTATE 40001 serialization", &pgconn.PgError{Code: "40001"}, false},
		{"SQLSTATE 28P01 wrong password, over a connection", errors.Join(refused, &pgconn.PgError{Code: "28P01"}), false},

		{"S3 503", fmt.Errorf("put blobs/x: %w", minio.ErrorResponse{StatusCode: 503, Code: "ServiceUnavailable"}), true},
		{"S3 SlowDown", minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}, true},
		{"MinIO drives full", fmt.Errorf("store blob: %w", minio.ErrorResponse{StatusCode: 507, Code: "XMinioStorageFull"}), true},
		{"MinIO starting", minio.ErrorResponse{StatusCode: 503, Code: "XMinioServerNotInitialized"}, true},
		{"S3 gateway 502", minio.ErrorResponse{StatusCode: 502}, true},
		{"S3 SlowDown, pointer", &minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}, true},
		{"S3 no such key", minio.ErrorResponse{StatusCode: 404, Code: "NoSuchKey"}, false},
		{"S3 access denied", minio.ErrorResponse{StatusCode: 403, Code: "AccessDenied"}, false},
		{"S3 internal error", minio.ErrorResponse{StatusCode: 500, Code: "InternalError"}, false},
		{"AWS SDK SlowDown", fmt.Errorf("operation error S3: UploadPart: %w", awsAPIError{"SlowDown", 503}), true},
		{"AWS SDK 503", awsAPIError{"", 503}, true},
		{"AWS SDK no such upload", awsAPIError{"NoSuchUpload", 404}, false},
	}
	for _, tt := range tests {
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestUnavailableProblem: an outage is a 503 unavailable with Retry-After, showing
// nothing of the error's text, and none of the headers of the file the handler
// meant to send; a domain error keeps its own code.
func TestUnavailableProblem(t *testing.T) {
	outage := fmt.Errorf("open content of 0190: %w", &url.Error{Op: "Get", URL: "http://10.1.2.3:9000/secret-bucket/blobs/aa/key",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}})
	for lang, title := range map[string]string{
		"fr": "Le service est momentanément indisponible ; réessayez dans un instant.",
		"en": "The service is temporarily unavailable; try again in a moment.",
	} {
		p := problemFor(outage, lang)
		if p.Status != http.StatusServiceUnavailable || p.Code != cartable.EUnavailable || p.Title != title || p.Detail != "" {
			t.Errorf("problemFor(outage, %s) = %+v", lang, p)
		}
		if p.Fields["retry_after"] != unavailableRetryAfter {
			t.Errorf("problemFor(outage) fields = %v, want retry_after", p.Fields)
		}
	}
	if p := problemFor(fmt.Errorf("x: %w", cartable.Errorf(cartable.EConflict, "busy")), "fr"); p.Code != cartable.EConflict {
		t.Errorf("a domain error became %s", p.Code)
	}
	if p := problemFor(cartable.Errorf(cartable.EUnavailable, "the directory does not answer"), "fr"); p.Fields["retry_after"] != unavailableRetryAfter {
		t.Errorf("a domain unavailable error has no retry_after: %+v", p)
	}

	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Length", "123456")
	rec.Header().Set("Content-Disposition", `attachment; filename="cours.pdf"`)
	rec.Header().Set("ETag", `"v1"`)
	rec.Header().Set("Last-Modified", "Mon, 01 Jun 2026 08:00:00 GMT")
	rec.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	req := httptest.NewRequest(http.MethodGet, "/api/v1/items/x/content", nil)
	writeProblem(slog.New(slog.DiscardHandler), rec, req, outage)
	res := rec.Result()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" ||
		res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("answer %d with %v", res.StatusCode, res.Header)
	}
	for _, h := range []string{"Content-Length", "Content-Disposition", "ETag", "Last-Modified"} {
		if v := res.Header.Get(h); v != "" {
			t.Errorf("the problem carries the file's %s: %q", h, v)
		}
	}
	body := rec.Body.String()
	for _, secret := range []string{"10.1.2.3", "9000", "secret-bucket", "blobs/", "refused", "dial"} {
		if strings.Contains(body, secret) {
			t.Errorf("the problem shows %q: %s", secret, body)
		}
	}
}
