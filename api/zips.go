package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/bundle"
	"cartable/presign"
)

// zipRendition names a selection's zip in its signed URL (a selection has no version).
const zipRendition = "zip"

// createZip records a selection of items (folders download with everything they
// hold) and answers the signed URL that streams it as one zip: a browser follows it
// as a plain download, without an Authorization header.
func (s *Server) createZip(c echo.Context) error {
	var body struct {
		ItemIDs []uuid.UUID `json:"item_ids"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if s.Signer == nil {
		return cartable.Errorf(cartable.EUnavailable, "zip downloads need signed URLs (CARTABLE_SIGNING_SECRET)")
	}
	who := caller(c)
	holder := presign.Holder{UserID: who.UserID}
	// The selection lives as long as its URL.
	id, err := s.Workspace.SelectForZip(c.Request().Context(), who, body.ItemIDs, s.Signer.Expiry())
	if err != nil {
		return err
	}
	sig, expires := s.Signer.Sign(holder, presign.Target{ItemID: id, Rendition: zipRendition})
	return writeJSON(c, http.StatusCreated, map[string]any{
		"id":           id,
		"download_url": fmt.Sprintf("%s/api/v1/signed/zips/%s?sig=%s", strings.TrimSuffix(s.PublicURL, "/"), id, sig),
		"expires_at":   expires.UTC().Format(time.RFC3339),
	})
}

// zipTarget is the selection a signed zip route names.
func zipTarget(c echo.Context) (presign.Target, bool) {
	id, err := uuid.Parse(c.Param("id"))
	return presign.Target{ItemID: id, Rendition: zipRendition}, err == nil
}

// downloadZip streams a selection as a zip while it reads the files from the
// object store: nothing is buffered beyond one copy buffer, and a dropped
// connection stops the reads. The list of entries is read (and access decided)
// before the first byte, so a problem still gets a proper answer; an error once
// bytes flow can only cut the zip short, which every unzip tool reports.
func (s *Server) downloadZip(c echo.Context) error {
	id, _ := uuid.Parse(c.Param("id"))
	z, err := s.Workspace.ZipOf(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", contentDisposition("attachment", z.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	if err := bundle.Write(c.Request().Context(), c.Response(), z.Entries); err != nil {
		s.log.Warn("zip cut short", "selection", id, "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	return nil
}
