package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/events"
)

// listEvents is the portal's feed of notifications: the events after ?after=<id>,
// oldest first, with the cursor to ask for the next ones.
func (s *Server) listEvents(c echo.Context) error {
	after := int64(0)
	if raw := c.QueryParam("after"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return cartable.Errorf(cartable.EInvalid, "after must be an event id").With("field", "after")
		}
		after = n
	}
	limit, err := limitQuery(c)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 100
	}
	list, err := events.After(c.Request().Context(), s.DB, after, limit)
	if err != nil {
		return err
	}
	next := after
	if len(list) > 0 {
		next = list[len(list)-1].ID
	}
	if list == nil {
		list = []events.Event{}
	}
	return writeJSON(c, http.StatusOK, map[string]any{"events": list, "next_after": next})
}
