// Package api is Cartable's HTTP face: the echo server, its routes, the middleware
// (request ids, logs, metrics, authentication), the wire types, and the one mapping
// from domain errors to problem+json. Handlers are thin: decode, call one use case
// of a capability package, encode. api/openapi.yaml is the contract; a test keeps the
// served routes and the spec in step.
package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"cartable/apppassword"
	"cartable/assignment"
	"cartable/auth"
	"cartable/embed"
	"cartable/export"
	"cartable/guesses"
	"cartable/leaver"
	"cartable/live"
	"cartable/presign"
	"cartable/preview"
	"cartable/sharing"
	"cartable/wopi"
	"cartable/workspace"
)

// Deps are what the server serves.
type Deps struct {
	DB        *pgxpool.Pool
	Workspace *workspace.Service
	// Assignments hands out work to classes and collects it.
	Assignments *assignment.Service
	// Leavers keeps deprovisioned users for their grace period, then purges them.
	Leavers *leaver.Service
	// Embeds publishes file versions in blogs and wikis.
	Embeds   *embed.Service
	Verifier *auth.Verifier
	// DevIssuer mints tokens for seeded users; nil unless dev mode is on, and then
	// /dev/token answers 404.
	DevIssuer *auth.DevIssuer
	// Ready reports whether the dependencies (database, object store) answer.
	Ready func(ctx context.Context) error
	// IdentityCheck, when set, reports whether the OIDC issuer answers. Its outage
	// does not make the node unready (the keys already fetched still verify tokens);
	// /readyz reports it.
	IdentityCheck func(ctx context.Context) error
	// Antivirus, when set, tells how the antivirus fares: /readyz reports it, and
	// its outage does not make the node unready (new files wait, or are served
	// unscanned, as its OnFailure says).
	Antivirus *AntivirusStatus
	Registry  *prometheus.Registry
	Log       *slog.Logger
	// AllowedOrigins are the browser origins (the portal) allowed to call the API.
	AllowedOrigins []string
	// MetricsToken, when set, is the Bearer token /metrics asks of its scraper;
	// without it only this machine may read /metrics.
	MetricsToken string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client;
	// from anyone else the header is ignored (it would buy a fresh rate-limit budget).
	TrustedProxies []*net.IPNet
	// Uploads serves the tus endpoint; nil leaves it out.
	Uploads http.Handler
	// PublicURL is where clients reach the service (link URLs start with it).
	PublicURL string
	// DownloadOrigin, when set, is a second origin (scheme://host[:port]) the signed
	// download URLs are made on and that serves nothing else: files open there, in
	// the browser's own viewers, never on the web app's origin (see downloads.go).
	DownloadOrigin string
	// LinkPolicy says who may create links.
	LinkPolicy sharing.LinkPolicy
	// Previews re-enqueues previews; Renderer says which types have them here.
	Previews *preview.Jobs
	Renderer *preview.Renderer
	// Signer signs the download and thumbnail URLs that need no Authorization
	// header; nil gives none.
	Signer *presign.Signer
	// WOPI is the office editor's host (see package wopi); nil when no office server
	// is configured: the office routes then answer not_found.
	WOPI *wopi.Host
	// Live streams the changes of items' previews and scans to the clients that
	// wait for them; nil: clients keep polling.
	Live *live.Service
	// App is the web app, served for every GET the API does not route (its shell
	// for any app path); nil leaves it out.
	App http.Handler
}

// Server is the HTTP server of Cartable.
type Server struct {
	Deps
	echo    *echo.Echo
	log     *slog.Logger
	metrics *httpMetrics
	guesses *guesses.Limiter
	// appPasswords admit WebDAV clients (apppasswords.go).
	appPasswords *apppassword.Store
	// exports are the GDPR exports (export.go).
	exports *export.Service
}

// New builds the server and its routes.
func New(d Deps) *Server {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{Deps: d, echo: e, log: d.Log, guesses: guesses.New(d.DB, d.Log), appPasswords: apppassword.New(d.DB),
		exports: export.New(d.DB, d.Workspace, d.Assignments)}
	s.metrics = newHTTPMetrics(d.Registry)
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = clientIP(d.TrustedProxies)
	s.middleware()
	s.routes()
	return s
}

// clientIP tells the client's address: the connection's, or, behind one of the
// trusted proxies, what they say in X-Forwarded-For. Nothing else is believed, not
// even loopback or private addresses: a pupil's header must not choose which
// address the link rate limit charges.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes lists the served routes as "METHOD /path/{param}", for the contract test.
// The WebDAV mount is left out: RFC 4918 is its contract (dav/, and cmd/cartable's
// litmus test), not openapi.yaml.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		// The WOPI routes are the office server's protocol, not the API: they answer
		// WOPI's statuses and headers, and are documented in the README instead.
		if r.Method == echo.RouteNotFound || strings.HasPrefix(r.Path, "/wopi/") {
			continue
		}
		if isDAV(r.Path) {
			continue
		}
		out = append(out, r.Method+" "+openAPIPath(r.Path))
	}
	return out
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSON answers a JSON document. It is never stored: items carry signed URLs
// that expire, which a browser revalidating a stored answer (a 304) would hand back.
func writeJSON(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().WriteHeader(status)
	return jsonEncode(c.Response(), v)
}
