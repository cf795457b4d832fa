package api

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/sharing"
	"cartable/workspace"
)

func (s *Server) getItem(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	it, err := s.Workspace.Item(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	if match := c.Request().Header.Get("If-None-Match"); match != "" && etagMatches(match, it.ETag()) {
		c.Response().Header().Set("ETag", it.ETag())
		return c.NoContent(http.StatusNotModified)
	}
	return writeItem(c, http.StatusOK, it)
}

func (s *Server) listChildren(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	order := c.QueryParam("order")
	if order != "" && order != "asc" && order != "desc" {
		return cartable.Errorf(cartable.EInvalid, "order must be asc or desc").With("field", "order")
	}
	page, err := s.Workspace.Children(c.Request().Context(), caller(c), id, workspace.ListOptions{
		Sort: c.QueryParam("sort"), Descending: order == "desc", PageRequest: req,
	})
	if err != nil {
		return err
	}
	return writeList(c, page, itemsJSON(c))
}

// createChild creates a folder (JSON {"name": "...", "folder": {}}) or uploads a file
// (multipart/form-data with a "file" part) in the folder.
func (s *Server) createChild(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		opts, err := uploadOptions(c)
		if err != nil {
			return err
		}
		return s.uploadFile(c, id, opts)
	}
	opts, err := writeOptions(c)
	if err != nil {
		return err
	}
	var body struct {
		Name   string    `json:"name"`
		Folder *struct{} `json:"folder"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Folder == nil {
		return cartable.Errorf(cartable.EInvalid, `to create a folder send {"name": "...", "folder": {}}; to upload a file send multipart/form-data`).With("field", "folder")
	}
	it, err := s.Workspace.CreateFolder(c.Request().Context(), caller(c), id, body.Name, opts)
	if err != nil {
		return err
	}
	return s.created(c, it)
}

func (s *Server) created(c echo.Context, it workspace.Item) error {
	c.Response().Header().Set("Location", "/api/v1/items/"+it.ID.String())
	return writeItem(c, http.StatusCreated, it)
}

// updateItem renames ({"name"}), moves ({"parent_id"}) and sets a folder's mode
// ({"mode"}), in any combination.
func (s *Server) updateItem(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	opts, err := writeOptions(c)
	if err != nil {
		return err
	}
	var body struct {
		Name     *string    `json:"name"`
		ParentID *uuid.UUID `json:"parent_id"`
		Mode     *string    `json:"mode"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Name == nil && body.ParentID == nil && body.Mode == nil {
		return cartable.Errorf(cartable.EInvalid, "give a name, a parent_id, a mode, or several")
	}
	patch := workspace.Patch{Name: body.Name, ParentID: body.ParentID}
	if body.Mode != nil {
		mode, ok := sharing.ParseMode(*body.Mode)
		if !ok {
			return cartable.Errorf(cartable.EInvalid, "mode must be standard, collaborative, read_only or inherit").With("field", "mode")
		}
		patch.Mode = &mode
	}
	it, err := s.Workspace.Update(c.Request().Context(), caller(c), id, patch, opts)
	if err != nil {
		return err
	}
	return writeItem(c, http.StatusOK, it)
}

func (s *Server) trashItem(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	opts, err := writeOptions(c)
	if err != nil {
		return err
	}
	if err := s.Workspace.Trash(c.Request().Context(), caller(c), id, opts); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// copyItem copies an item into {"parent_id"}, optionally under a new {"name"}.
func (s *Server) copyItem(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	opts, err := writeOptions(c)
	if err != nil {
		return err
	}
	var body struct {
		ParentID *uuid.UUID `json:"parent_id"`
		Name     *string    `json:"name"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.ParentID == nil {
		return cartable.Errorf(cartable.EInvalid, "parent_id is required: the folder to copy into").With("field", "parent_id")
	}
	it, err := s.Workspace.Copy(c.Request().Context(), caller(c), id, *body.ParentID, body.Name, opts)
	if err != nil {
		return err
	}
	return s.created(c, it)
}

func (s *Server) restoreItem(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	opts, err := writeOptions(c)
	if err != nil {
		return err
	}
	it, err := s.Workspace.Restore(c.Request().Context(), caller(c), id, opts)
	if err != nil {
		return err
	}
	return writeItem(c, http.StatusOK, it)
}

func (s *Server) listTrash(c echo.Context) error {
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	opts := workspace.TrashedOptions{PageRequest: req}
	if raw := c.QueryParam("space_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return cartable.Errorf(cartable.EInvalid, "space_id is not an id").With("field", "space_id")
		}
		opts.SpaceID = &id
	}
	page, err := s.Workspace.Trashed(c.Request().Context(), caller(c), opts)
	if err != nil {
		return err
	}
	return writeList(c, page, itemsJSON(c))
}

func (s *Server) purgeItem(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Workspace.Purge(c.Request().Context(), caller(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listVersions(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := s.Workspace.Versions(c.Request().Context(), caller(c), id, req)
	if err != nil {
		return err
	}
	return writeList(c, page, versionsJSON(c))
}

func (s *Server) restoreVersion(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	versionID, err := idParam(c, "version")
	if err != nil {
		return err
	}
	opts, err := writeOptions(c)
	if err != nil {
		return err
	}
	it, err := s.Workspace.RestoreVersion(c.Request().Context(), caller(c), id, versionID, opts)
	if err != nil {
		return err
	}
	return writeItem(c, http.StatusOK, it)
}

func (s *Server) listSpaces(c echo.Context) error {
	spaces, err := s.Workspace.Spaces(c.Request().Context(), caller(c))
	if err != nil {
		return err
	}
	out := struct {
		Spaces []spaceJSON `json:"spaces"`
	}{Spaces: make([]spaceJSON, 0, len(spaces))}
	for _, sp := range spaces {
		out.Spaces = append(out.Spaces, toSpaceJSON(sp))
	}
	return writeJSON(c, http.StatusOK, out)
}

// me tells the caller who the service thinks they are.
func (s *Server) me(c echo.Context) error {
	who := caller(c)
	type group struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Kind    string `json:"kind"`
		Profile string `json:"profile"`
	}
	type child struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
	}
	out := struct {
		ID          string   `json:"id"`
		DisplayName string   `json:"display_name"`
		Profile     string   `json:"profile"`
		Structures  []string `json:"structures"`
		Administers []string `json:"administers"`
		Groups      []group  `json:"groups"`
		// Children are a parent's children, whose assignments they may follow.
		Children []child `json:"children"`
		// CanCreateLinks lets clients offer links only to whom may make them.
		CanCreateLinks bool `json:"can_create_links"`
	}{ID: who.UserID, DisplayName: who.DisplayName, Profile: string(who.Profile), Structures: []string{}, Administers: []string{}, Groups: []group{},
		Children: []child{}, CanCreateLinks: s.LinkPolicy.Allows(who)}
	for _, st := range who.Structures {
		out.Structures = append(out.Structures, st.StructureID)
		if st.LocalAdmin {
			out.Administers = append(out.Administers, st.StructureID)
		}
	}
	for _, g := range who.Groups {
		out.Groups = append(out.Groups, group{ID: g.GroupID, Name: g.Name, Kind: g.Kind, Profile: string(g.Profile)})
	}
	for _, ch := range who.Children {
		out.Children = append(out.Children, child{ID: ch.UserID, DisplayName: ch.DisplayName})
	}
	return writeJSON(c, http.StatusOK, out)
}
