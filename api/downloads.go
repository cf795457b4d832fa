package api

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Files people upload never run on the web app's origin. The app's origin serves
// every type a browser would run (HTML, SVG, XML) and PDF as attachments under a
// sandboxing CSP: a PDF reader is a program of its own (forms, scripts, links), and
// not every browser's reader honours the sandbox. To let PDFs open in the
// browser's reader all the same, CARTABLE_DOWNLOAD_ORIGIN names a second origin
// (another host name pointing at the same nodes) on which the signed download URLs
// are made: there a PDF is shown inline, and that origin serves nothing but those
// URLs, so a file opened there reaches neither the app nor the API.

// signedContentRoute is the one route the download origin serves.
const signedContentRoute = "/api/v1/signed/items/:id/versions/:version/content"

// pdfPolicy lets the browser's PDF reader show the file (its plugin is an object
// of the document's own origin) and nothing else load: no script, no frame, no
// connection, no form.
const pdfPolicy = "default-src 'none'; object-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

// downloadOriginOnly answers 404 to any request made to the download origin for a
// route other than a signed download (after routing: the route is known).
func (s *Server) downloadOriginOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.onDownloadOrigin(c) && c.Path() != signedContentRoute {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// onDownloadOrigin reports whether the request came to the download origin (by
// its Host, which the reverse proxy passes on).
func (s *Server) onDownloadOrigin(c echo.Context) bool {
	if s.DownloadOrigin == "" {
		return false
	}
	u, err := url.Parse(s.DownloadOrigin)
	return err == nil && sameHost(u, c.Request().Host)
}

// sameHost compares a URL's host with a Host header, a default port spelled out
// or not.
func sameHost(u *url.URL, host string) bool {
	strip := func(h string) string {
		h = strings.ToLower(h)
		if u.Scheme == "https" {
			return strings.TrimSuffix(h, ":443")
		}
		return strings.TrimSuffix(h, ":80")
	}
	return strip(u.Host) == strip(host)
}
