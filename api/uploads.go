package api

import (
	"github.com/labstack/echo/v4"

	"cartable"
)

// tus hands a request of the resumable upload endpoint to the upload capability,
// with the authenticated caller in its context.
func (s *Server) tus(c echo.Context) error {
	r := c.Request()
	if err := checkUploadMetadata(r.Header.Get("Upload-Metadata")); err != nil {
		return err
	}
	if who := caller(c); who != nil {
		r = r.WithContext(cartable.WithCaller(r.Context(), who))
	}
	s.Uploads.ServeHTTP(c.Response(), r)
	return nil
}
