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
// as a plain download, without an Authorization header. A view link's visitor
// asks at /api/v1/links/{token}/zips, for items of the link.
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
	if l := link(c); l.ID != uuid.Nil {
		holder = presign.Holder{LinkID: l.ID} // a view link's visitor: the URL ends with the link
	}
	// The selection lives as long as its URL.
	id, err := s.Workspace.SelectForZip(c.Request().Context(), who, body.ItemIDs, s.Signer.Expiry())
	if err != nil {
		return err
	}
	url, expires := s.signedZipURL(holder, "zips", id, zipRendition)
	return writeJSON(c, http.StatusCreated, map[string]any{"id": id, "download_url": url, "expires_at": expires})
}

// signedZipURL signs the URL of a recorded zip (a selection, a collect) for its
// holder: /api/v1/signed/{route}/{id}, with its expiry as RFC 3339.
func (s *Server) signedZipURL(holder presign.Holder, route string, id uuid.UUID, rendition string) (url, expires string) {
	sig, at := s.Signer.Sign(holder, presign.Target{ItemID: id, Rendition: rendition})
	return fmt.Sprintf("%s/api/v1/signed/%s/%s?sig=%s", strings.TrimSuffix(s.PublicURL, "/"), route, id, sig), at.UTC().Format(time.RFC3339)
}

// signedZip is the recorded zip a signed route names, by its rendition: a token
// made for a selection does not open a collect of the same id, nor the reverse.
func signedZip(rendition string) func(echo.Context) (presign.Target, bool) {
	return func(c echo.Context) (presign.Target, bool) {
		id, err := uuid.Parse(c.Param("id"))
		return presign.Target{ItemID: id, Rendition: rendition}, err == nil
	}
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
	s.streamZip(c, z.Name, z.Entries, "selection", id)
	return nil
}

// streamZip sends a zip's entries as one attachment named name. Bytes flow by
// then: an error can only cut the zip short, and is logged.
func (s *Server) streamZip(c echo.Context, name string, entries []bundle.Entry, what string, id uuid.UUID) {
	h := c.Response().Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", contentDisposition("attachment", name))
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	if err := bundle.Write(c.Request().Context(), c.Response(), entries); err != nil {
		s.log.Warn("zip cut short", what, id, "err", err, "request_id", h.Get(echo.HeaderXRequestID))
	}
}
