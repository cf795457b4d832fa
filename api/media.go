package api

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/workspace"
)

// mediumJSON is an image or a video of the media picker: a search result (the item
// with its thumbnails, download URL and where it lies), with the size of the image
// when the preview worker recorded it.
type mediumJSON struct {
	foundJSON
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
}

// listMedia lists the images and videos the caller may read across their spaces
// and shares, newest first: what the portal's media picker shows.
func (s *Server) listMedia(c echo.Context) error {
	opts, err := mediaOptions(c)
	if err != nil {
		return err
	}
	page, err := s.Workspace.Media(c.Request().Context(), caller(c), opts)
	if err != nil {
		return err
	}
	base := apiBase(c)
	return writeList(c, page, func(f workspace.Found) mediumJSON {
		out := mediumJSON{foundJSON: toFoundJSON(f, base)}
		if f.Preview != nil {
			out.Width, out.Height, _ = f.Preview.SourceSize()
		}
		return out
	})
}

// mediaOptions reads ?type=, ?space=, ?limit= and ?cursor=.
func mediaOptions(c echo.Context) (workspace.MediaOptions, error) {
	req, err := pageRequest(c)
	if err != nil {
		return workspace.MediaOptions{}, err
	}
	opts := workspace.MediaOptions{Type: c.QueryParam("type"), PageRequest: req}
	if raw := c.QueryParam("space"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return workspace.MediaOptions{}, cartable.Errorf(cartable.EInvalid, "space must be a space id").With("field", "space")
		}
		opts.SpaceID = &id
	}
	return opts, nil
}
