package api

import (
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/workspace"
)

// foundJSON is a search result: the item, with where it lies.
type foundJSON struct {
	itemJSON
	// SpaceName is left out when the caller reaches the item only through a share.
	SpaceName string `json:"space_name,omitempty"`
	// Path names the folders from below the space root down to the parent, as far
	// as the caller may read them; ParentName is its last name.
	Path       []string `json:"path"`
	ParentName string   `json:"parent_name,omitempty"`
}

// search finds items by name across everything the caller may read.
func (s *Server) search(c echo.Context) error {
	opts, err := searchOptions(c)
	if err != nil {
		return err
	}
	page, err := s.Workspace.Search(c.Request().Context(), caller(c), opts)
	if err != nil {
		return err
	}
	base := apiBase(c)
	return writeList(c, page, func(f workspace.Found) foundJSON { return toFoundJSON(f, base) })
}

// toFoundJSON puts a search result on the wire.
func toFoundJSON(f workspace.Found, base urlBase) foundJSON {
	out := foundJSON{itemJSON: toItemJSON(f.Item, base), SpaceName: f.SpaceName, Path: f.Path}
	if len(f.Path) > 0 {
		out.ParentName = f.Path[len(f.Path)-1]
	}
	return out
}

// searchOptions reads ?q=, ?type=, ?space=, ?modified_after=, ?limit= and ?cursor=.
func searchOptions(c echo.Context) (workspace.SearchOptions, error) {
	req, err := pageRequest(c)
	if err != nil {
		return workspace.SearchOptions{}, err
	}
	opts := workspace.SearchOptions{Query: c.QueryParam("q"), Type: c.QueryParam("type"), PageRequest: req}
	if raw := c.QueryParam("space"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return workspace.SearchOptions{}, cartable.Errorf(cartable.EInvalid, "space must be a space id").With("field", "space")
		}
		opts.SpaceID = &id
	}
	if raw := c.QueryParam("modified_after"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return workspace.SearchOptions{}, cartable.Errorf(cartable.EInvalid, "modified_after must be an RFC 3339 date and time, like 2026-09-01T00:00:00Z").With("field", "modified_after")
		}
		opts.ModifiedAfter = &t
	}
	return opts, nil
}
