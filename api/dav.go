package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/dav"
	"cartable/directory"
)

// davPrefix is where the WebDAV tree is mounted. Its routes are not in
// openapi.yaml: WebDAV is described by RFC 4918, not by the JSON contract (see
// Routes and the README's WebDAV section).
const davPrefix = "/dav"

// mountDAV serves WebDAV at /dav/ for every method it speaks.
func (s *Server) mountDAV() {
	h := echo.WrapHandler(&dav.Handler{Workspace: s.Workspace, Prefix: davPrefix, Authenticate: s.davCaller, Unavailable: Unavailable, Log: s.log})
	s.echo.Match(dav.Methods, davPrefix, h)
	s.echo.Match(dav.Methods, davPrefix+"/*", h)
}

// davCaller admits a WebDAV client: Basic with an app password (basicCaller), or
// a Bearer token as on the API.
func (s *Server) davCaller(r *http.Request) (*cartable.Caller, error) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		return s.basicCaller(r)
	case strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(raw) != "":
		tok, err := s.Verifier.Verify(r.Context(), strings.TrimSpace(raw))
		if err != nil {
			return nil, cartable.Errorf(cartable.EUnauthorized, "the Bearer token is not valid")
		}
		who, err := directory.LoadCaller(r.Context(), s.DB, tok.Subject)
		if cartable.IsCode(err, cartable.ENotFound) {
			return nil, cartable.Errorf(cartable.EUnauthorized, "the token's user is not provisioned")
		}
		return who, err
	}
	return nil, cartable.Errorf(cartable.EUnauthorized, "credentials are required")
}

// isDAV reports whether a route template is one of the WebDAV mount's.
func isDAV(path string) bool { return path == davPrefix || strings.HasPrefix(path, davPrefix+"/") }
