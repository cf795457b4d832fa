package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/wopi"
)

// officeJSON is what a portal needs to open a file in the office editor: a form
// POST of access_token and access_token_ttl to action_url, into an iframe.
type officeJSON struct {
	ItemID         string    `json:"item_id"`
	ActionURL      string    `json:"action_url"`
	AccessToken    string    `json:"access_token"`
	AccessTokenTTL int64     `json:"access_token_ttl"`
	Mode           wopi.Mode `json:"mode"`
	Action         string    `json:"action"`
	App            string    `json:"app"`
	Item           itemJSON  `json:"item"`
}

func toOfficeJSON(c echo.Context, e wopi.Editor) officeJSON {
	return officeJSON{ItemID: e.ItemID.String(), ActionURL: e.ActionURL, AccessToken: e.AccessToken,
		AccessTokenTTL: e.TTL, Mode: e.Mode, Action: e.Action, App: e.App, Item: toItemJSON(e.Item, apiBase(c))}
}

// officeOff is the answer of the office routes when no office server is configured.
func officeOff() error {
	e := cartable.Errorf(cartable.ENotFound, "office editing is not configured on this service (CARTABLE_WOPI_DISCOVERY_URL)").With("feature", "office")
	e.MessageFR = "L'édition en ligne n'est pas activée sur ce service."
	e.MessageEN = "Online editing is not enabled on this service."
	return e
}

// openInOffice answers how the caller opens a file in the office editor.
func (s *Server) openInOffice(c echo.Context) error {
	if s.WOPI == nil {
		return officeOff()
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := s.WOPI.Open(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toOfficeJSON(c, e))
}

// newOfficeDocument creates a blank office document in a folder and answers how to
// open it.
func (s *Server) newOfficeDocument(c echo.Context) error {
	if s.WOPI == nil {
		return officeOff()
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, err := s.WOPI.NewDocument(c.Request().Context(), caller(c), id, req.Name, req.Type)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/items/"+e.ItemID.String())
	return writeJSON(c, http.StatusCreated, toOfficeJSON(c, e))
}
