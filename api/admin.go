package api

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/directory"
)

// Provisioning: the ENT's directory pushes structures, users and groups here with a
// service token. Every write is an idempotent upsert or delete keyed by the path id.

func (s *Server) getStructure(c echo.Context) error {
	st, err := directory.GetStructure(c.Request().Context(), s.DB, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, st)
}

func (s *Server) putStructure(c echo.Context) error {
	var st directory.Structure
	if err := decodeAdminBody(c, &st, &st.ID); err != nil {
		return err
	}
	if err := directory.UpsertStructure(c.Request().Context(), s.DB, st); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, st)
}

func (s *Server) deleteStructure(c echo.Context) error {
	if err := directory.DeleteStructure(c.Request().Context(), s.DB, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getUser(c echo.Context) error {
	u, err := directory.GetUser(c.Request().Context(), s.DB, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, u)
}

func (s *Server) putUser(c echo.Context) error {
	var u directory.User
	if err := decodeAdminBody(c, &u, &u.ID); err != nil {
		return err
	}
	if err := directory.UpsertUser(c.Request().Context(), s.DB, u); err != nil {
		return err
	}
	if u.Structures == nil {
		u.Structures = []directory.UserStructure{} // the answer says "none", not null
	}
	return writeJSON(c, http.StatusOK, u)
}

func (s *Server) getGroup(c echo.Context) error {
	g, err := directory.GetGroup(c.Request().Context(), s.DB, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, g)
}

func (s *Server) putGroup(c echo.Context) error {
	var g directory.Group
	if err := decodeAdminBody(c, &g, &g.ID); err != nil {
		return err
	}
	if err := directory.UpsertGroup(c.Request().Context(), s.DB, g); err != nil {
		return err
	}
	if g.Members == nil {
		g.Members = []directory.Member{} // the answer says "none", not null
	}
	return writeJSON(c, http.StatusOK, g)
}

func (s *Server) deleteGroup(c echo.Context) error {
	if err := directory.DeleteGroup(c.Request().Context(), s.DB, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// maxImportBody bounds a directory file: a region's largest establishment fits.
const maxImportBody = 64 << 20

// importBundle applies a whole directory file in one transaction.
func (s *Server) importBundle(c echo.Context) error {
	raw, err := readJSONText(http.MaxBytesReader(c.Response(), c.Request().Body, maxImportBody))
	if tooBig, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return cartable.Errorf(cartable.ETooLarge, "the import file exceeds %d bytes", tooBig.Limit)
	}
	if err != nil {
		return err
	}
	bundle, err := directory.LoadBundle(bytes.NewReader(raw))
	if err != nil {
		return cartable.Errorf(cartable.EInvalid, "the import file is not valid: %v", err)
	}
	report, err := directory.Import(c.Request().Context(), s.DB, bundle)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, report)
}

// decodeAdminBody decodes an upsert body whose id comes from the path: a body id, if
// any, must agree with it.
func decodeAdminBody(c echo.Context, v any, id *string) error {
	if err := decodeJSON(c, v); err != nil {
		return err
	}
	if *id != "" && *id != c.Param("id") {
		return cartable.Errorf(cartable.EInvalid, "the body's id %q differs from the path's %q", *id, c.Param("id")).With("field", "id")
	}
	*id = c.Param("id")
	return nil
}
