package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/apppassword"
	"cartable/directory"
)

// App passwords let WebDAV clients in: a user makes one per device or application
// here (with their Bearer token), and the client sends it with Basic auth on /dav/
// only.

type appPasswordJSON struct {
	ID           uuid.UUID  `json:"id"`
	Name         string     `json:"name"`
	Hint         string     `json:"hint"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastUsedFrom string     `json:"last_used_from,omitempty"`
}

func toAppPasswordJSON(p apppassword.AppPassword) appPasswordJSON {
	return appPasswordJSON{ID: p.ID, Name: p.Name, Hint: p.Hint, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt, LastUsedFrom: p.LastUsedFrom}
}

// createdAppPasswordJSON is a new app password with what a client needs to connect:
// the only time its secret is shown.
type createdAppPasswordJSON struct {
	appPasswordJSON
	Password string `json:"password"`
	Username string `json:"username"`
	DAVURL   string `json:"dav_url"`
}

func (s *Server) listAppPasswords(c echo.Context) error {
	list, err := s.appPasswords.List(c.Request().Context(), caller(c))
	if err != nil {
		return err
	}
	out := make([]appPasswordJSON, len(list))
	for i, p := range list {
		out[i] = toAppPasswordJSON(p)
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) createAppPassword(c echo.Context) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	who := caller(c)
	created, err := s.appPasswords.Create(c.Request().Context(), who, in.Name)
	if err != nil {
		return err
	}
	s.log.Info("app password created", "user", who.UserID, "app_password", created.ID)
	return writeJSON(c, http.StatusCreated, createdAppPasswordJSON{
		appPasswordJSON: toAppPasswordJSON(created.AppPassword), Password: created.Secret,
		Username: who.UserID, DAVURL: strings.TrimRight(s.PublicURL, "/") + "/dav/"})
}

func (s *Server) revokeAppPassword(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.appPasswords.Revoke(c.Request().Context(), caller(c), id); err != nil {
		return err
	}
	s.log.Info("app password revoked", "user", caller(c).UserID, "app_password", id)
	return c.NoContent(http.StatusNoContent)
}

// basicCaller admits a request carrying Basic credentials: a user id and one of
// their app passwords, for WebDAV clients, which cannot follow the ENT's SSO. An
// address that failed too often lately is refused before trying, as on links.
func (s *Server) basicCaller(r *http.Request) (*cartable.Caller, error) {
	login, secret, ok := r.BasicAuth()
	if !ok {
		return nil, cartable.Errorf(cartable.EUnauthorized, "Basic credentials are required")
	}
	addr := s.echo.IPExtractor(r)
	if s.guesses.Exhausted(addr) {
		return nil, cartable.Errorf(codeRateLimited, "too many failed sign-ins from this address; wait a little")
	}
	userID, err := s.appPasswords.Check(r.Context(), login, secret, addr)
	if cartable.IsCode(err, cartable.EUnauthorized) {
		s.guesses.Failed(r.Context(), addr)
	}
	if err != nil {
		return nil, err
	}
	who, err := directory.LoadCaller(r.Context(), s.DB, userID)
	if cartable.IsCode(err, cartable.ENotFound) {
		return nil, cartable.Errorf(cartable.EUnauthorized, "the app password's user is not provisioned")
	}
	return who, err
}
