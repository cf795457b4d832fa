package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/presign"
)

// collectRendition names a collect in its signed URL (see signedZip).
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
	url, expires := s.signedZipURL(presign.Holder{UserID: who.UserID}, "collections", col.ID, collectRendition)
	return writeJSON(c, http.StatusCreated, map[string]any{"id": col.ID, "pupils": col.Pupils, "download_url": url, "expires_at": expires})
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
	s.streamZip(c, z.Name, z.Entries, "collect", id)
	return nil
}
