package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/workspace"
)

// recentJSON is a file of the caller's recent list, or an item of their
// favourites, on the wire: the item, when and why it came, and the space it is in.
type recentJSON struct {
	itemJSON
	SpaceName string `json:"space_name"`
	// Action is opened or changed (recent files only).
	Action string `json:"action,omitempty"`
	// At is when it was last opened or changed (recent), or starred (favourites).
	At time.Time `json:"at"`
}

// listRecent answers a page of the files the caller opened or changed lately.
func (s *Server) listRecent(c echo.Context) error {
	return s.personalList(c, s.Workspace.Recent)
}

// listFavorites answers a page of the items the caller starred.
func (s *Server) listFavorites(c echo.Context) error {
	return s.personalList(c, s.Workspace.Favorites)
}

func (s *Server) personalList(c echo.Context, list func(ctx context.Context, who *cartable.Caller, req cartable.PageRequest) (cartable.Page[workspace.RecentItem], error)) error {
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := list(c.Request().Context(), caller(c), req)
	if err != nil {
		return err
	}
	base := apiBase(c)
	return writeList(c, page, func(r workspace.RecentItem) recentJSON {
		return recentJSON{itemJSON: toItemJSON(r.Item, base), SpaceName: r.SpaceName, Action: r.Action, At: r.At}
	})
}

// star adds an item to the caller's favourites; unstar takes it out. Both are
// idempotent, and an item the caller may not read is not found.
func (s *Server) star(c echo.Context) error { return s.setFavorite(c, true) }

func (s *Server) unstar(c echo.Context) error { return s.setFavorite(c, false) }

func (s *Server) setFavorite(c echo.Context, on bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Workspace.SetFavorite(c.Request().Context(), caller(c), id, on); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
