package api

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/auth"
	"cartable/directory"
	"cartable/quota"
)

// usageJSON is an account's usage with its warning level.
type usageJSON struct {
	Used      int64   `json:"used_bytes"`
	Reserved  int64   `json:"reserved_bytes"`
	Limit     *int64  `json:"limit_bytes"`
	Available *int64  `json:"available_bytes"`
	Percent   float64 `json:"percent"`
	// Warning is 80, 90 or 100 once the account crosses that share of its limit.
	Warning int `json:"warning,omitempty"`
}

func toUsageJSON(u quota.Usage) usageJSON {
	out := usageJSON{Used: u.Used, Reserved: u.Reserved, Limit: u.Limit, Percent: u.Percent(), Warning: u.Warning()}
	if a := u.Available(); a >= 0 {
		out.Available = &a
	}
	return out
}

// myQuota lists the caller's writable spaces with their usage and their structure's.
func (s *Server) myQuota(c echo.Context) error {
	quotas, err := s.Workspace.Quotas(c.Request().Context(), caller(c))
	if err != nil {
		return err
	}
	type spaceQuota struct {
		SpaceID   string     `json:"space_id"`
		Name      string     `json:"name"`
		Kind      string     `json:"kind"`
		Usage     usageJSON  `json:"usage"`
		Structure *usageJSON `json:"structure,omitempty"`
	}
	out := struct {
		Spaces []spaceQuota `json:"spaces"`
	}{Spaces: make([]spaceQuota, 0, len(quotas))}
	for _, q := range quotas {
		sq := spaceQuota{SpaceID: q.Space.ID.String(), Name: q.Space.Name, Kind: q.Space.Kind, Usage: toUsageJSON(q.SpaceUsage.Space)}
		if q.SpaceUsage.Structure != nil {
			st := toUsageJSON(*q.SpaceUsage.Structure)
			sq.Structure = &st
		}
		out.Spaces = append(out.Spaces, sq)
	}
	return writeJSON(c, http.StatusOK, out)
}

const structureAdminKey = "cartable.structure_admin"

// authenticateStructureAdmin admits the region (a token with the admin scope) and local
// admins, to the routes that administer a structure (its quotas, its previews);
// which structures a local admin may touch, quota.Admin.Manages decides.
func (s *Server) authenticateStructureAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok, err := s.bearerToken(c)
		if err != nil {
			return err
		}
		c.Set(tokenKey, tok)
		if tok.HasScope(auth.ScopeAdmin) {
			c.Set(structureAdminKey, quota.Admin{Region: true})
			return next(c)
		}
		who, err := directory.LoadCaller(c.Request().Context(), s.DB, tok.Subject)
		if cartable.IsCode(err, cartable.ENotFound) {
			return cartable.Errorf(cartable.EUnauthorized, "the token's user is not provisioned")
		}
		if err != nil {
			return err
		}
		// Someone who administers no structure is refused here, before any handler
		// reads what the path names: they learn nothing of it, not even that it exists.
		admin := quota.Admin{Caller: who}
		if len(admin.Administered()) == 0 {
			return cartable.Errorf(cartable.ENotFound, "no such structure, user or space for this caller")
		}
		c.Set(callerKey, who)
		c.Set(structureAdminKey, admin)
		return next(c)
	}
}

func structureAdmin(c echo.Context) quota.Admin {
	a, _ := c.Get(structureAdminKey).(quota.Admin)
	return a
}

func (s *Server) quotaReport(c echo.Context) error {
	r, err := quota.StructureReport(c.Request().Context(), s.DB, structureAdmin(c), c.Param("id"))
	if err != nil {
		return err
	}
	type spaceLine struct {
		quota.SpaceReport
		Usage usageJSON `json:"usage"`
	}
	top := make([]spaceLine, 0, len(r.Top))
	for _, sp := range r.Top {
		top = append(top, spaceLine{SpaceReport: sp, Usage: toUsageJSON(quota.Usage{Limit: sp.Limit, Used: sp.Used, Reserved: sp.Reserved})})
	}
	return writeJSON(c, http.StatusOK, map[string]any{
		"structure_id": c.Param("id"),
		"pool":         toUsageJSON(r.Structure),
		"defaults":     r.Defaults,
		"by_kind":      r.ByKind,
		"by_profile":   r.ByProfile,
		"top_spaces":   top,
	})
}

func (s *Server) quotaCSV(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", contentDisposition("attachment", "quotas-"+c.Param("id")+".csv"))
	// The report is built before the first byte, so an error is still a problem document.
	var buf bytes.Buffer
	if err := quota.WriteCSV(c.Request().Context(), s.DB, structureAdmin(c), c.Param("id"), &buf); err != nil {
		h.Del("Content-Disposition")
		return err
	}
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// limitBody is the body of every quota setting: a byte count, or null to go back to
// the default.
type limitBody struct {
	Limit *int64 `json:"limit_bytes"`
}

func (s *Server) setPool(c echo.Context) error {
	var b limitBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := quota.SetPool(c.Request().Context(), s.DB, structureAdmin(c), c.Param("id"), b.Limit); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) setDefault(c echo.Context) error {
	var b limitBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := quota.SetDefault(c.Request().Context(), s.DB, structureAdmin(c), c.Param("id"), c.Param("subject"), b.Limit); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) setUserLimit(c echo.Context) error {
	var b limitBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := quota.SetUserLimit(c.Request().Context(), s.DB, structureAdmin(c), c.Param("id"), b.Limit); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) setSpaceLimit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var b limitBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := quota.SetSpaceLimit(c.Request().Context(), s.DB, structureAdmin(c), id, b.Limit); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// recomputeQuota rebuilds a structure's books now and says what had drifted.
func (s *Server) recomputeQuota(c echo.Context) error {
	a := structureAdmin(c)
	if err := a.Manages(c.Param("id")); err != nil {
		return err
	}
	drift, err := quota.Recompute(c.Request().Context(), s.DB, c.Param("id"))
	if err != nil {
		return err
	}
	if drift == nil {
		drift = []quota.Drift{}
	}
	return writeJSON(c, http.StatusOK, map[string]any{"drift": drift})
}
