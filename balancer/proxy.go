// Package balancer is a small round-robin reverse proxy over health-checked
// backends: the load balancer of the local cluster (cmd/cartable-proxy) and of the
// multi-node test harness (CARTABLE_TEST_NODES).
//
// # Implementation
//
// Go's httputil.ReverseProxy streams the bodies; its transport picks the next live
// backend and, when that backend cannot be reached, the one after. A background
// check of each backend's health path puts it in or out of the turn.
//
// # Considerations
//
// A request moves to another backend only when that cannot send anything twice: the
// connection was refused before any byte of the body was read, or the request is an
// idempotent one without a body. A backend that fails in the middle of a request is a
// 502 for that request; a tus client then asks HEAD and resumes.
package balancer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// BackendHeader names, in every answer, the backend that served it (host:port), when
// Options.NameBackend is on: the cluster's smoke test reads it to prove that the
// parts of one upload landed on different nodes. It is no header of Cartable's API.
const BackendHeader = "Cartable-Backend"

// errNoBackend is a request no live backend could take.
var errNoBackend = errors.New("no backend is available")

// retryAfterSeconds is what a client is told to wait when no backend can serve.
const retryAfterSeconds = 2

// Proxy is a round-robin reverse proxy: the request and answer bodies stream through
// (no buffering, each write flushed), the client's address goes in X-Forwarded-For,
// and the Host header is passed on unchanged (the API builds its URLs from it, and
// S3 signatures cover it).
type Proxy struct {
	pool    *pool
	handler http.Handler
}

// Options are a proxy's settings.
type Options struct {
	// HealthPath is the path each backend answers 2xx on while it can serve.
	HealthPath string
	// NameBackend adds BackendHeader to every answer.
	NameBackend bool
	// KeepForwardedFor appends the client's address to the X-Forwarded-For the
	// client sent, as a hop behind another proxy does, instead of replacing it. Only
	// for a proxy whose clients are themselves trusted proxies: the multi-node test
	// harness, whose tests play the part of the ingress.
	KeepForwardedFor bool
}

// New returns the proxy of backends (http://host:port). No backend is in the turn
// before the first Check.
func New(backends []string, opts Options, log *slog.Logger) (*Proxy, error) {
	p, err := newPool(backends, opts.HealthPath, log)
	if err != nil {
		return nil, err
	}
	return &Proxy{pool: p, handler: newHandler(p, opts, log)}, nil
}

// ServeHTTP sends the request to the next live backend.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// Check checks every backend once, now, and returns how many are live.
func (p *Proxy) Check(ctx context.Context) int {
	p.pool.checkAll(ctx)
	live := 0
	for _, b := range p.pool.backends {
		if b.alive.Load() {
			live++
		}
	}
	return live
}

// Watch checks every backend each interval until ctx ends.
func (p *Proxy) Watch(ctx context.Context, interval time.Duration) { p.pool.watch(ctx, interval) }

func newHandler(p *pool, opts Options, log *slog.Logger) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// A client's own X-Forwarded-For is dropped, not extended: the API believes
			// this proxy (CARTABLE_TRUSTED_PROXIES), so what it says must be the truth.
			if opts.KeepForwardedFor {
				pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			}
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
			// Trailers are hop-by-hop to ReverseProxy; pass the client's on (shared,
			// not copied: their values arrive only at the end of the body).
			if len(pr.In.Trailer) > 0 {
				pr.Out.Trailer = pr.In.Trailer
			}
		},
		Transport:     &transport{pool: p, next: newTransport(), nameBackend: opts.NameBackend, log: log},
		FlushInterval: -1,
		BufferPool:    bufferPool{},
		ErrorHandler:  errorHandler(log),
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 0, // a PATCH of a large part is answered only once it is stored
		// A client that says "Expect: 100-continue" sends its body only if the API
		// does not refuse it from its headers (a full quota, a lock): the proxy waits
		// for the backend's decision the same way before it reads the body.
		ExpectContinueTimeout: time.Minute,
		DisableCompression:    true,
	}
}

// transport is the proxy's: it sends each request to the next live backend and, when
// a backend cannot be reached, to the one after.
type transport struct {
	pool        *pool
	next        http.RoundTripper
	nameBackend bool
	log         *slog.Logger
}

// RoundTrip tries the backends in turn. It moves on to another backend only when
// doing so cannot send anything twice: the backend refused the connection before
// any byte of the body was read, or the request is idempotent and has no body.
func (b *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body *watchedBody
	if req.Body != nil && req.Body != http.NoBody {
		body = &watchedBody{r: req.Body}
	}
	tried := map[*backend]bool{}
	lastErr := errNoBackend
	for {
		be := b.pool.pick(tried)
		if be == nil {
			return nil, lastErr
		}
		tried[be] = true
		out := req.Clone(req.Context())
		out.URL.Scheme, out.URL.Host = be.url.Scheme, be.url.Host
		if body != nil {
			out.Body = body
		}
		// The trailers the client announced (tus's Upload-Checksum), in the map the
		// server fills once the body is read: the transport sends them after it.
		out.Trailer = req.Trailer
		res, err := b.next.RoundTrip(out)
		if err == nil {
			if b.nameBackend {
				res.Header.Set(BackendHeader, be.url.Host)
			}
			return res, nil
		}
		if dialFailed(err) {
			b.pool.markDead(be, err)
		}
		if !retryable(req, body, err) {
			return nil, err
		}
		b.log.Warn("retrying on another backend", "backend", be.url.Host, "method", req.Method, "path", req.URL.Path, "err", err)
		lastErr = err
	}
}

// retryable says whether a failed request may go to another backend.
func retryable(req *http.Request, body *watchedBody, err error) bool {
	if req.Context().Err() != nil {
		return false // the client is gone
	}
	if dialFailed(err) && (body == nil || body.read.Load() == 0) {
		return true // nothing reached the backend
	}
	return body == nil && idempotent(req.Method)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, "PROPFIND":
		return true
	}
	return false
}

// dialFailed reports whether err is a connection that could not be opened.
func dialFailed(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// watchedBody is a request body that counts what was read from it and that the
// transport cannot close: after a refused connection, the next backend gets it whole.
// The server closes the real body when the request ends.
type watchedBody struct {
	r    io.Reader
	read atomic.Int64
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.read.Add(int64(n))
	return n, err
}

func (w *watchedBody) Close() error { return nil }

// errorHandler answers, as the API does, with problem+json: 503 with Retry-After
// when no backend is up, 502 when the chosen one failed during the request.
func errorHandler(log *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		status, detail := http.StatusBadGateway, "the server handling the request failed; try again"
		if errors.Is(err, errNoBackend) {
			status, detail = http.StatusServiceUnavailable, "no server is available; try again in a moment"
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		}
		if r.Context().Err() == nil {
			log.Warn("proxy error", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"type": "about:blank", "title": http.StatusText(status), "status": status,
			"code": "unavailable", "detail": detail,
		})
	}
}

// bufferPool lends the 32 KiB buffers the proxy copies bodies through.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
