package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"cartable/directory"
	"cartable/leaver"
)

// Leavers (package leaver): a deprovisioned user is kept for a grace period, then
// purged. The region (admin scope) everywhere, local admins in their structures
// (authenticateStructureAdmin) list them, purge them early and hand a teacher's
// materials to a colleague.

// deleteUser is the provisioning's DELETE: the user leaves the ENT now and is purged
// once the grace period ends (CARTABLE_LEAVER_RETENTION).
func (s *Server) deleteUser(c echo.Context) error {
	depart := s.Leavers.Depart
	if s.Leavers == nil { // a server built without the lifecycle (package tests): at once
		depart = func(ctx context.Context, id string) error { return directory.DeleteUser(ctx, s.DB, id) }
	}
	if err := depart(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listLeavers(c echo.Context) error {
	leavers, err := s.Leavers.List(c.Request().Context(), structureAdmin(c), c.Param("id"))
	if err != nil {
		return err
	}
	if leavers == nil {
		leavers = []leaver.Leaver{}
	}
	return writeJSON(c, http.StatusOK, map[string]any{
		"structure_id":   c.Param("id"),
		"retention_days": int(s.Leavers.Retention().Hours() / 24),
		"leavers":        leavers,
	})
}

func (s *Server) purgeLeaver(c echo.Context) error {
	if err := s.Leavers.Purge(c.Request().Context(), structureAdmin(c), c.Param("id"), adminID(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) transferLeaver(c echo.Context) error {
	var b struct {
		To    string `json:"to"`
		Scope string `json:"scope"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	t, err := s.Leavers.Transfer(c.Request().Context(), structureAdmin(c), c.Param("id"), b.To, b.Scope, adminID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, t)
}
