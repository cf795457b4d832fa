package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/export"
	"cartable/presign"
)

// The GDPR export (package export): a person's data and files as one zip, for
// themselves or for an admin of their structure.

// exportRendition names an export in its signed URL (see signedZip).
const exportRendition = "export"

// myExport streams the caller's own export.
func (s *Server) myExport(c echo.Context) error {
	z, err := s.exports.Own(c.Request().Context(), caller(c))
	if err != nil {
		return err
	}
	s.sendExport(c, z)
	return nil
}

// signMyExport answers a signed URL of the caller's own export, for a browser,
// which follows a link as a plain download without an Authorization header. The
// URL names no data: the export is read when it is followed.
func (s *Server) signMyExport(c echo.Context) error {
	if s.Signer == nil {
		return cartable.Errorf(cartable.EUnavailable, "export downloads need signed URLs (CARTABLE_SIGNING_SECRET)")
	}
	url, expires := s.signedZipURL(presign.Holder{UserID: caller(c).UserID}, "exports", uuid.Must(uuid.NewV7()), exportRendition)
	return writeJSON(c, http.StatusCreated, map[string]any{"download_url": url, "expires_at": expires})
}

// userExport streams a user's export for the region or a local admin of one of
// the user's structures; to any other admin the user is not found.
func (s *Server) userExport(c echo.Context) error {
	z, err := s.exports.ForAdmin(c.Request().Context(), structureAdmin(c), adminID(c), c.Param("id"))
	if err != nil {
		return err
	}
	s.sendExport(c, z)
	return nil
}

// sendExport streams an export: nothing of it may be cached on the way.
func (s *Server) sendExport(c echo.Context, z export.Zip) {
	c.Response().Header().Set("Cache-Control", "private, no-store")
	s.streamZip(c, z.Name, z.Entries, "export", z.ID)
}
