package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/sharing"
	"cartable/workspace"
)

// permissionJSON is a grant on the wire.
type permissionJSON struct {
	ID        string      `json:"id"`
	Grantee   granteeJSON `json:"grantee"`
	Role      string      `json:"role"`
	GrantedBy string      `json:"granted_by"`
	CreatedAt time.Time   `json:"created_at"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
	Label     string      `json:"label,omitempty"`
	// InheritedFrom is the ancestor a grant is given on, in an item's list: it
	// applies here, and is changed or removed there.
	InheritedFrom *inheritedJSON `json:"inherited_from,omitempty"`
}

type inheritedJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type granteeJSON struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Profile string `json:"profile,omitempty"`
}

func toPermissionJSON(g sharing.Grant) permissionJSON {
	return permissionJSON{ID: g.ID.String(), Grantee: granteeJSON{Kind: g.GranteeKind, ID: g.GranteeID, Profile: string(g.Profile)},
		Role: g.Role.String(), GrantedBy: g.GrantedBy, CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt}
}

func (s *Server) listPermissions(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := s.Workspace.Permissions(c.Request().Context(), caller(c), id, req)
	if err != nil {
		return err
	}
	lang := language(c.Request())
	return writeList(c, page, func(g sharing.Grant) permissionJSON {
		p := toPermissionJSON(g)
		p.Label = g.Label().In(lang)
		if g.ItemID != id {
			p.InheritedFrom = &inheritedJSON{ID: g.ItemID.String(), Name: g.ItemName}
		}
		return p
	})
}

// share gives a grant: {"grantee": {"kind", "id", "profile"}, "role", "expires_at"}.
func (s *Server) share(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		Grantee   granteeJSON `json:"grantee"`
		Role      string      `json:"role"`
		ExpiresAt *time.Time  `json:"expires_at"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	role, ok := sharing.ParseRole(body.Role)
	if !ok {
		return cartable.Errorf(cartable.EInvalid, "role must be viewer, contributor or manager").With("field", "role")
	}
	g, err := s.Workspace.Share(c.Request().Context(), caller(c), id, sharing.Grant{
		GranteeKind: body.Grantee.Kind, GranteeID: body.Grantee.ID, Profile: cartable.Profile(body.Grantee.Profile),
		Role: role, ExpiresAt: body.ExpiresAt,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toPermissionJSON(g))
}

// updatePermission changes {"role"} and/or {"expires_at"} (null removes the expiry).
func (s *Server) updatePermission(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	grantID, err := idParam(c, "permission")
	if err != nil {
		return err
	}
	var body map[string]any
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	ch, err := permissionChange(body)
	if err != nil {
		return err
	}
	g, err := s.Workspace.UpdatePermission(c.Request().Context(), caller(c), id, grantID, ch)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toPermissionJSON(g))
}

// permissionChange reads a PATCH body, where a null expires_at means "no expiry".
func permissionChange(body map[string]any) (workspace.PermissionChange, error) {
	var ch workspace.PermissionChange
	for key, v := range body {
		switch key {
		case "role":
			r, _ := v.(string)
			role, ok := sharing.ParseRole(r)
			if !ok {
				return ch, cartable.Errorf(cartable.EInvalid, "role must be viewer, contributor or manager").With("field", "role")
			}
			ch.Role = role
		case "expires_at":
			if v == nil {
				ch.ClearExpiry = true
				continue
			}
			str, _ := v.(string)
			t, err := time.Parse(time.RFC3339, str)
			if err != nil {
				return ch, cartable.Errorf(cartable.EInvalid, "expires_at must be an RFC 3339 date or null").With("field", "expires_at")
			}
			ch.ExpiresAt = &t
		default:
			return ch, cartable.Errorf(cartable.EInvalid, "unknown field %q (role, expires_at)", key).With("field", key)
		}
	}
	return ch, nil
}

func (s *Server) unshare(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	grantID, err := idParam(c, "permission")
	if err != nil {
		return err
	}
	if err := s.Workspace.Unshare(c.Request().Context(), caller(c), id, grantID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// sharedJSON is an item shared with the caller on the wire.
type sharedJSON struct {
	itemJSON
	SharedBy     string    `json:"shared_by"`
	SharedByName string    `json:"shared_by_name,omitempty"`
	SharedAt     time.Time `json:"shared_at"`
}

// sharedWithMe lists the top-most items shared with the caller.
func (s *Server) sharedWithMe(c echo.Context) error {
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := s.Workspace.SharedWithMe(c.Request().Context(), caller(c), c.QueryParam("sort"), req)
	if err != nil {
		return err
	}
	base := apiBase(c)
	return writeList(c, page, func(it workspace.SharedItem) sharedJSON {
		return sharedJSON{itemJSON: toItemJSON(it.Item, base), SharedBy: it.SharedBy, SharedByName: it.SharedByName, SharedAt: it.SharedAt}
	})
}

// sharedEntryJSON is an item of a space's "shared by me" view, with its grants.
type sharedEntryJSON struct {
	Item        itemJSON         `json:"item"`
	Permissions []permissionJSON `json:"permissions"`
}

// sharedFromSpace is a space's "shared by me" view: its shared items and their grants.
func (s *Server) sharedFromSpace(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := s.Workspace.SharedFromSpace(c.Request().Context(), caller(c), id, req)
	if err != nil {
		return err
	}
	base := apiBase(c)
	return writeList(c, page, func(sh workspace.SharedItemGrants) sharedEntryJSON {
		e := sharedEntryJSON{Item: toItemJSON(sh.Item, base), Permissions: make([]permissionJSON, 0, len(sh.Grants))}
		for _, g := range sh.Grants {
			e.Permissions = append(e.Permissions, toPermissionJSON(g))
		}
		return e
	})
}

// candidateJSON is a grantee the lookup offers: its grantee goes as is into a grant.
type candidateJSON struct {
	Grantee granteeJSON `json:"grantee"`
	Label   string      `json:"label"`
	Detail  string      `json:"detail"`
}

// findGrantees offers whom the caller may share with whose names start with q's
// words: GET /api/v1/directory/search?q=&limit=&cursor= (20 by default). Labels
// follow Accept-Language.
func (s *Server) findGrantees(c echo.Context) error {
	req := cartable.PageRequest{Cursor: c.QueryParam("cursor")}
	if raw := c.QueryParam("limit"); raw != "" {
		limit, err := cartable.ParseLimit(raw)
		if err != nil {
			return err
		}
		req.Limit = limit
	}
	page, err := sharing.FindGrantees(c.Request().Context(), s.DB, caller(c), c.QueryParam("q"), req)
	if err != nil {
		return err
	}
	lang := language(c.Request())
	return writeList(c, page, func(f sharing.Candidate) candidateJSON {
		return candidateJSON{Grantee: granteeJSON{Kind: f.Kind, ID: f.ID, Profile: string(f.Profile)},
			Label: f.Label.In(lang), Detail: f.Detail.In(lang)}
	})
}
