package api

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/workspace"
)

// maxJSONBody bounds JSON request bodies; file bytes never travel as JSON.
const maxJSONBody = 1 << 20

// idParam reads a path parameter that must be an id. A malformed id is a 404 like
// any id the caller cannot see: it names nothing.
func idParam(c echo.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, cartable.Errorf(cartable.ENotFound, "no item %q", c.Param(name))
	}
	return id, nil
}

// optionalIDParam reads a path parameter that is an id on the routes that have it;
// nil on the others.
func optionalIDParam(c echo.Context, name string) (*uuid.UUID, error) {
	if c.Param(name) == "" {
		return nil, nil
	}
	id, err := idParam(c, name)
	return &id, err
}

// writeOptions reads If-Match and the conflict behaviour (?conflict=rename|fail).
func writeOptions(c echo.Context) (workspace.WriteOptions, error) {
	opts := workspace.WriteOptions{IfMatch: c.Request().Header.Get("If-Match")}
	switch c.QueryParam("conflict") {
	case "", "fail":
	case "rename":
		opts.AutoRename = true
	case "replace":
		return opts, cartable.Errorf(cartable.EInvalid, "conflict=replace is for file uploads only: a folder, a rename, a move or a copy never replaces anything").
			With("field", "conflict")
	default:
		return opts, cartable.Errorf(cartable.EInvalid, "conflict must be rename or fail (or replace, for a file upload)").With("field", "conflict")
	}
	return opts, nil
}

// uploadOptions is writeOptions for a file upload, which also takes
// ?conflict=replace: a file bearing the name gets the upload as its next version.
func uploadOptions(c echo.Context) (workspace.WriteOptions, error) {
	if c.QueryParam("conflict") == "replace" {
		return workspace.WriteOptions{IfMatch: c.Request().Header.Get("If-Match"), Replace: true}, nil
	}
	return writeOptions(c)
}

// decodeJSON reads a JSON body strictly: unknown fields, trailing data, bodies over
// maxJSONBody and text that is not UTF-8 without NUL (see checkJSONText) are refused.
func decodeJSON(c echo.Context, v any) error {
	raw, err := readJSONText(http.MaxBytesReader(c.Response(), c.Request().Body, maxJSONBody))
	if tooBig, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return cartable.Errorf(cartable.ETooLarge, "the JSON body exceeds %d bytes", tooBig.Limit)
	}
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return cartable.Errorf(cartable.EInvalid, "the body is not valid JSON for this request: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return cartable.Errorf(cartable.EInvalid, "the body has data after the JSON document")
	}
	return nil
}

func hexString(b []byte) string { return hex.EncodeToString(b) }

// writeItem answers an item with its ETag header.
func writeItem(c echo.Context, status int, it workspace.Item) error {
	c.Response().Header().Set("ETag", it.ETag())
	return writeJSON(c, status, toItemJSON(it, apiBase(c)))
}
