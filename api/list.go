package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"cartable"
)

// listJSON is the one shape of every list on the wire: a page of items and, unless
// it is the last page, the cursor of the next one (a feed always has one).
type listJSON[W any] struct {
	Items      []W    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// writeList answers a page of a list, each item put on the wire by toWire.
func writeList[T, W any](c echo.Context, page cartable.Page[T], toWire func(T) W) error {
	out := listJSON[W]{Items: make([]W, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, v := range page.Items {
		out.Items = append(out.Items, toWire(v))
	}
	return writeJSON(c, http.StatusOK, out)
}

// pageRequest reads the page a list request asks for: ?limit= and ?cursor=.
func pageRequest(c echo.Context) (cartable.PageRequest, error) {
	limit, err := cartable.ParseLimit(c.QueryParam("limit"))
	if err != nil {
		return cartable.PageRequest{}, err
	}
	return cartable.PageRequest{Limit: limit, Cursor: c.QueryParam("cursor")}, nil
}
