package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
	"github.com/minio/minio-go/v7"

	"cartable/storage"
)

// unavailableRetryAfter is the Retry-After of a 503 unavailable, in seconds: about
// what a restarting PostgreSQL or MinIO, or a failover, takes; short enough that a
// person retrying by hand does not wait for nothing.
const unavailableRetryAfter = 5

// Unavailable reports whether err says that a dependency (PostgreSQL, object
// storage) does not answer for now, rather than that the request or the code is
// wrong: such errors leave as 503 unavailable with Retry-After instead of 500
// internal. It is the one place that tells an outage from a failure.
//
// An outage is a connection that cannot be made or was lost (refused, reset,
// unreachable, DNS, timeouts, a connection closed under a request), a database that
// is shutting down, starting or in recovery (SQLSTATE class 08, 57P01, 57P02,
// 57P03, 53300 too many connections), a pool that cannot hand out a connection,
// and an S3 answer saying it is overloaded or not ready (503, SlowDown,
// ServiceUnavailable, XMinioServerNotInitialized, drives full: 507 XMinioStorageFull,
// and a gateway's 502 or 504), and an object the store does not find although
// the database names it. A
// request its client cancelled is not an outage; neither is a certificate the
// client refuses (a configuration error: retrying does not help).
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	// An object the database names that the store says it does not have: the
	// store answered from part of its drives (MinIO's nodes, restarted together,
	// answered so for some seconds for objects written meanwhile: make chaos), or
	// lost it. Either way the client did nothing wrong and may try again; the log
	// names the key for the operator.
	if errors.Is(err, storage.ErrNotFound) {
		return true
	}
	// The server answered: its answer decides, whatever else the chain holds.
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return postgresUnavailable(pgErr.Code)
	}
	if status, code, ok := s3Answer(err); ok {
		return s3Unavailable(status, code)
	}
	if certificateError(err) {
		return false
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.ETIMEDOUT),
		errors.Is(err, puddle.ErrClosedPool):
		return true
	}
	// pgconn: a connection that could not be made, a timeout, or an error before
	// anything reached the server (a connection found closed, a failed write).
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return true
	}
	if netErr, ok := errors.AsType[net.Error](err); ok && netErr.Timeout() {
		return true
	}
	// An HTTP client's request that got no answer (minio-go replaces the EOF of a
	// dropped connection with text of its own); a URL that does not parse is a bug.
	if urlErr, ok := errors.AsType[*url.Error](err); ok && urlErr.Op != "parse" {
		return true
	}
	return false
}

// postgresUnavailable reports whether a SQLSTATE says the server cannot serve for
// now rather than that the statement is wrong.
func postgresUnavailable(sqlState string) bool {
	switch {
	case len(sqlState) == 5 && sqlState[:2] == "08": // connection exception
		return true
	case sqlState == "57P01", // admin_shutdown
		sqlState == "57P02", // crash_shutdown
		sqlState == "57P03", // cannot_connect_now: starting up, in recovery
		sqlState == "53300": // too_many_connections
		return true
	}
	return false
}

// s3Answer finds an S3 server's error answer in err: minio-go's ErrorResponse, or
// what the AWS SDK (tusd's S3 store) returns, read through its methods.
func s3Answer(err error) (status int, code string, ok bool) {
	if e, ok := errors.AsType[minio.ErrorResponse](err); ok {
		return e.StatusCode, e.Code, true
	}
	if e, ok := errors.AsType[*minio.ErrorResponse](err); ok && e != nil {
		return e.StatusCode, e.Code, true
	}
	if e, ok := errors.AsType[interface {
		error
		ErrorCode() string
	}](err); ok {
		code, ok = e.ErrorCode(), true
	}
	if e, found := errors.AsType[interface {
		error
		HTTPStatusCode() int
	}](err); found {
		status, ok = e.HTTPStatusCode(), true
	}
	return status, code, ok
}

// s3Unavailable reports whether an S3 answer says the store is overloaded, starting
// or unreachable behind a gateway.
func s3Unavailable(status int, code string) bool {
	switch code {
	case "SlowDown", "ServiceUnavailable", "XMinioServerNotInitialized",
		"XMinioStorageFull": // the store's drives are full: nothing can be written until they are not
		return true
	}
	switch status {
	case 502, 503, 504, 507:
		return true
	}
	return false
}

// certificateError reports whether err is a TLS peer the client refuses.
func certificateError(err error) bool {
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return true
	}
	_, ok := errors.AsType[x509.CertificateInvalidError](err)
	return ok
}
