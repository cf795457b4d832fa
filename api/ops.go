package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/directory"
)

// healthz says the process is alive; it checks nothing else.
func (s *Server) healthz(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether this node can serve: PostgreSQL and object storage answer. It
// also says which file types get previews here, and why the others do not.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		// The reason names the dependency, never the error's text (hosts, users,
		// buckets): the probe may be reachable from outside.
		reason := "a dependency does not answer"
		if down, ok := errors.AsType[*DependencyDown](err); ok {
			reason = down.Dependency + " does not answer"
		}
		c.Response().Header().Set("Retry-After", strconv.Itoa(unavailableRetryAfter))
		c.Response().Header().Set("Cache-Control", "no-store")
		return writeJSON(c, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
	}
	out := map[string]any{"status": "ready"}
	if s.IdentityCheck != nil {
		out["identity_provider"] = "ok"
		if err := s.IdentityCheck(ctx); err != nil {
			s.log.Warn("the identity provider does not answer; tokens are checked with the keys already fetched", "err", err)
			out["identity_provider"] = "unreachable"
		}
	}
	if s.Renderer != nil {
		out["previews"] = s.Renderer.Capabilities()
	}
	out["antivirus"] = s.antivirusReport(ctx)
	return writeJSON(c, http.StatusOK, out)
}

// AntivirusStatus is what /readyz says of the antivirus: whether clamd answers
// (Version failing means it does not), and the setting that applies meanwhile.
type AntivirusStatus struct {
	Version   func(ctx context.Context) (string, error)
	OnFailure string // closed or open
}

// antivirusReport is the antivirus' part of /readyz: off, or whether clamd answers
// and what new files do while it does not.
func (s *Server) antivirusReport(ctx context.Context) map[string]string {
	av := s.Antivirus
	if av == nil {
		return map[string]string{"status": "off"}
	}
	out := map[string]string{"status": "ok", "on_failure": av.OnFailure}
	// clamd's version is not told: the probe may be reachable from outside, and the
	// age of the signatures is none of an outsider's business.
	if _, err := av.Version(ctx); err != nil {
		s.log.Warn("clamd does not answer: new files wait for their scan, or are served unscanned, as CARTABLE_ANTIVIRUS_FAILURE says", "err", err)
		out["status"] = "unreachable"
		return out
	}
	return out
}

// DependencyDown is a readiness check's failure: the dependency that does not
// answer ("database", "object storage"), and why, for the log.
type DependencyDown struct {
	Dependency string
	Err        error
}

func (e *DependencyDown) Error() string { return e.Dependency + ": " + e.Err.Error() }

func (e *DependencyDown) Unwrap() error { return e.Err }

// devTokenTTL is how long a dev token lives: a working day.
const devTokenTTL = 12 * time.Hour

// devToken mints a token for a seeded user (dev mode only).
func (s *Server) devToken(c echo.Context) error {
	userID := c.QueryParam("user")
	if userID == "" {
		return cartable.Errorf(cartable.EInvalid, "give ?user=ID, e.g. ?user=prof.martin").With("field", "user")
	}
	scopes := []string{}
	if userID == devServiceUser {
		scopes = append(scopes, "cartable:admin")
	} else if _, err := directory.LoadCaller(c.Request().Context(), s.DB, userID); err != nil {
		return err
	}
	token, err := s.DevIssuer.Mint(userID, scopes, devTokenTTL)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"token": token, "expires_in": int(devTokenTTL.Seconds())})
}

// devUsers lists the seeded users a dev token can be minted for (dev mode only):
// the web app's sign-in page offers them.
func (s *Server) devUsers(c echo.Context) error {
	users, err := directory.ListUsers(c.Request().Context(), s.DB, devUsersShown)
	if err != nil {
		return err
	}
	type user struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
		Profile     string `json:"profile"`
	}
	out := make([]user, 0, len(users))
	for _, u := range users {
		out = append(out, user{ID: u.ID, DisplayName: u.DisplayName, Profile: string(u.Profile)})
	}
	return writeJSON(c, http.StatusOK, map[string]any{"users": out})
}

// devUsersShown bounds the dev sign-in list: the demo collège has about a hundred.
const devUsersShown = 500

// devServiceUser is the subject of the dev provisioning token (scope cartable:admin).
const devServiceUser = "service.provisioning"

func (s *Server) devDiscovery(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.DevIssuer.DiscoveryDocument())
}

func (s *Server) devJWKS(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.DevIssuer.JWKS())
}

// metricsScraper lets only the monitoring read /metrics (which names every
// establishment and route): a scraper with CARTABLE_METRICS_TOKEN as its Bearer
// token, or, without a token configured, one on this machine. Anyone else is told
// there is nothing here.
func (s *Server) metricsScraper(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.MetricsToken != "" {
			got := strings.TrimPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.MetricsToken)) == 1 {
				return next(c)
			}
		} else if ip := net.ParseIP(c.RealIP()); ip != nil && ip.IsLoopback() {
			return next(c)
		}
		return cartable.Errorf(cartable.ENotFound, "no such route")
	}
}
