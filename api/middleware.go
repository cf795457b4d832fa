package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"cartable/audit"
)

func (s *Server) middleware() {
	s.echo.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		// A request id from the portal's proxy is kept, so one id follows the request.
		RequestIDHandler: func(c echo.Context, id string) {
			c.SetRequest(c.Request().WithContext(withRequestID(c.Request().Context(), id)))
		},
	}))
	s.echo.Use(s.recoverPanics)
	s.echo.Use(withClientAddress)
	s.echo.Use(s.logAndMeasure)
	s.echo.Use(s.securityHeaders)
	s.echo.Use(s.downloadOriginOnly)
	// After routing (the path parameters are known), before any authentication or
	// handler reads the request's text.
	s.echo.Use(refuseBadText)
	s.echo.Use(s.cors())
}

// corsHeaders are the request headers the portal's scripts may send: the token,
// JSON bodies, conditional and ranged requests, the language of problems, the link
// password, and the proxy's request id.
var corsHeaders = []string{"Authorization", "Content-Type", "If-Match", "If-None-Match", "If-Range", "Range",
	"Accept-Language", "Cartable-Link-Password", "X-Request-Id"}

// cors answers CORS for the portal's origins (CARTABLE_CORS_ORIGINS). A preflight
// (OPTIONS, which carries no token) is answered here, before any route's
// authentication: 204 with the allow headers for an allowed origin, 204 without them
// (a refusal the browser understands) for any other origin, or for every origin when
// none is configured. tusd answers CORS on the upload endpoint itself.
func (s *Server) cors() echo.MiddlewareFunc {
	cfg := middleware.CORSConfig{
		// tusd answers its own CORS; WebDAV clients are no browsers, and their OPTIONS
		// (which carries no Origin) must reach the WebDAV handler.
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			// Embeds answer every origin themselves (embeds.go).
			return strings.HasPrefix(p, "/api/v1/uploads") || isDAV(p) || strings.HasPrefix(p, EmbedPath)
		},
		AllowOrigins:  s.AllowedOrigins,
		AllowHeaders:  corsHeaders,
		ExposeHeaders: []string{"ETag", "Location", "Content-Disposition", "Content-Range", "Accept-Ranges", "X-Request-Id", "Retry-After"},
		MaxAge:        600,
	}
	if len(s.AllowedOrigins) == 0 {
		// Without origins echo would allow every one ("*"): refuse them all instead.
		cfg.AllowOriginFunc = func(string) (bool, error) { return false, nil }
	}
	return middleware.CORSWithConfig(cfg)
}

// securityHeaders adds what browsers need to treat the API's answers as data: no
// type sniffing on any answer; JSON answers (problems included) never framed; and,
// when the service is reached over HTTPS, HSTS. Files keep their own headers (a
// picture, or a PDF from the download origin, may be shown in the portal's frame;
// HTML and SVG go as sandboxed attachments).
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	https := strings.HasPrefix(s.PublicURL, "https://")
	return func(c echo.Context) error {
		res := c.Response()
		h := res.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		res.Before(func() {
			if ct := h.Get(echo.HeaderContentType); strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "application/problem+json") {
				h.Set("X-Frame-Options", "DENY")
				h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			}
		})
		return next(c)
	}
}

// withClientAddress puts the client's address, as the server computes it (the
// X-Forwarded-For of trusted proxies only), in the request's context, where the use
// cases find it for the audit log.
func withClientAddress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		c.SetRequest(req.WithContext(audit.WithAddress(req.Context(), c.RealIP())))
		return next(c)
	}
}

type requestIDKey struct{}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// recoverPanics turns a handler's panic into a 500 problem and a logged stack.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "err", err, "stack", string(stack), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			return err
		},
	})(next)
}

// logAndMeasure logs each request as one structured line and records its metrics
// under the route's template, so label sets stay bounded.
func (s *Server) logAndMeasure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		defer func() {
			// A response cut short (a download whose store failed mid-way) aborts the
			// connection: it is measured and logged here, then left to net/http.
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					res := c.Response()
					s.metrics.observe(c.Request().Method, c.Path(), res.Status, time.Since(start))
					s.log.ErrorContext(c.Request().Context(), "request aborted",
						"request_id", res.Header().Get(echo.HeaderXRequestID),
						"method", c.Request().Method, "route", c.Path(), "path", c.Request().URL.Path,
						"status", res.Status, "bytes", res.Size, "duration_ms", time.Since(start).Milliseconds(),
						"user", callerID(c))
				}
				panic(r)
			}
		}()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		elapsed := time.Since(start)
		res := c.Response()
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(c.Request().Method, route, res.Status, elapsed)
		level := slog.LevelInfo
		if res.Status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(c.Request().Context(), level, "request",
			"request_id", res.Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "route", route, "path", c.Request().URL.Path,
			"status", res.Status, "bytes", res.Size, "duration_ms", elapsed.Milliseconds(),
			"user", callerID(c))
		return nil
	}
}

// httpMetrics are the Prometheus series of the HTTP server.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartable_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cartable_http_request_duration_seconds", Help: "HTTP request latency by route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

func (m *httpMetrics) observe(method, route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
}

// openAPIPath turns echo's "/items/:id" into OpenAPI's "/items/{id}".
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") {
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
