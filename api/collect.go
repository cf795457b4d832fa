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

// collectRendition names a collect in its signed URL: a token made for a zip
// selection does not open a collect of the same id, nor the reverse.
const collectRendition = "collect"

// collectAssignment decides which hand-ins a teacher downloads as one zip (every
// pupil's, or those of pupil_ids) and answers the signed URL that streams it.
func (s *Server) collectAssignment(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		PupilIDs []string `json:"pupil_ids"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	}
	if s.Signer == nil {
		return cartable.Errorf(cartable.EUnavailable, "collecting needs signed URLs (CARTABLE_SIGNING_SECRET)")
	}
	who := caller(c)
	col, err := s.Assignments.Collect(c.Request().Context(), who, id, body.PupilIDs, s.Signer.Expiry())
	if err != nil {
		return err
	}
	sig, expires := s.Signer.Sign(presign.Holder{UserID: who.UserID}, presign.Target{ItemID: col.ID, Rendition: collectRendition})
	return writeJSON(c, http.StatusCreated, map[string]any{
		"id":           col.ID,
		"pupils":       col.Pupils,
		"download_url": fmt.Sprintf("%s/api/v1/signed/collections/%s?sig=%s", strings.TrimSuffix(s.PublicURL, "/"), col.ID, sig),
		"expires_at":   expires.UTC().Format(time.RFC3339),
	})
}

// collectTarget is the collect a signed route names.
func collectTarget(c echo.Context) (presign.Target, bool) {
	id, err := uuid.Parse(c.Param("id"))
	return presign.Target{ItemID: id, Rendition: collectRendition}, err == nil
}

// downloadCollect streams a collect as a zip, like downloadZip: its entries are
// read before the first byte, then each pinned version is copied from the object
// store as it is sent.
func (s *Server) downloadCollect(c echo.Context) error {
	id, _ := uuid.Parse(c.Param("id"))
	z, err := s.Assignments.CollectZip(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", contentDisposition("attachment", z.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	if err := bundle.Write(c.Request().Context(), c.Response(), z.Entries); err != nil {
		s.log.Warn("collect cut short", "collect", id, "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	return nil
}
