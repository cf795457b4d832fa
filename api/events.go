package api

import (
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/events"
)

// listEvents is the portal's feed of notifications, oldest first: the events after
// ?cursor= (from the first without one), with the cursor to poll with next, also
// when nothing new came. The events are those the webhook receives.
func (s *Server) listEvents(c echo.Context) error {
	if c.QueryParams().Has("after") {
		// The feed once took an event id; a reader still sending one would read
		// everything again from the start if it were ignored.
		return cartable.Errorf(cartable.EInvalid, "after is no longer read: poll with the next_cursor of the previous page").With("field", "after")
	}
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := events.Feed(c.Request().Context(), s.DB, req)
	if err != nil {
		return err
	}
	return writeList(c, page, func(e events.Event) events.Event { return e })
}
