package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"cartable/preview"
	"cartable/workspace"
)

// thumbnail serves a file's thumbnail in a size (of its current version, or of the
// version in the route): WebP to clients that accept it, JPEG to the others. While
// the thumbnail is being made the answer is 404 preview_pending with Retry-After; a
// file that cannot have one is 404 preview_failed. A URL carrying the current ?v=
// token is cacheable for good; without it the client revalidates with the ETag (a
// signed URL's answer lives no longer than the URL: see openSigned).
func (s *Server) thumbnail(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	version, err := optionalIDParam(c, "version")
	if err != nil {
		return err
	}
	req, h := c.Request(), c.Response().Header()
	format := preferredFormat(req.Header.Get("Accept"))
	h.Set("Vary", "Accept")
	// A pending or failed answer must not be cached: the thumbnail is on its way.
	h.Set("Cache-Control", "no-store")
	t, err := s.Workspace.Thumbnail(req.Context(), caller(c), id, version, c.Param("size"), format)
	if err != nil {
		return err
	}
	cache := "private, no-cache"
	if v := c.QueryParam("v"); v != "" && v == t.Token {
		cache = "private, max-age=31536000, immutable"
	}
	return s.serveThumbnail(c, t, format, cache, id.String())
}

// serveThumbnail answers a thumbnail found, under a Cache-Control, with its ETag
// (304 to a client that has it).
func (s *Server) serveThumbnail(c echo.Context, t workspace.Thumbnail, format preview.Format, cache, what string) error {
	req, h := c.Request(), c.Response().Header()
	h.Set("ETag", t.ETag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", cache)
	if match := req.Header.Get("If-None-Match"); match != "" && etagMatches(match, t.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	if req.Method == http.MethodHead {
		h.Set(echo.HeaderContentType, format.ContentType())
		h.Set(echo.HeaderContentLength, strconv.Itoa(t.Stored.Bytes))
		return c.NoContent(http.StatusOK)
	}
	// Opened before its type and length are set: a store that does not answer
	// leaves a clean problem.
	body, err := t.Open(req.Context())
	if err != nil {
		return fmt.Errorf("open thumbnail of %s: %w", what, err)
	}
	defer body.Close()
	h.Set(echo.HeaderContentType, format.ContentType())
	h.Set(echo.HeaderContentLength, strconv.Itoa(t.Stored.Bytes))
	c.Response().WriteHeader(http.StatusOK)
	s.stream(c, body, int64(t.Stored.Bytes), "thumbnail of "+what)
	return nil
}

// preferredFormat is WebP when the Accept header names it (every current browser
// does for images), JPEG otherwise.
func preferredFormat(accept string) preview.Format {
	for _, part := range strings.Split(accept, ",") {
		mediaType, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(mediaType), "image/webp") && !refused(params) {
			return preview.WebP
		}
	}
	return preview.JPEG
}

// refused reports whether media-type parameters carry q=0, a refusal.
func refused(params string) bool {
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(name, "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			return err == nil && q == 0
		}
	}
	return false
}

// requeuePreviews renders again the previews of a structure's files: the failed and
// missing ones, or all of them with ?all=true. It answers how many were enqueued.
func (s *Server) requeuePreviews(c echo.Context) error {
	structureID := c.Param("id")
	if err := structureAdmin(c).Manages(structureID); err != nil {
		return err
	}
	all := c.QueryParam("all") == "true"
	n, err := s.Previews.RequeueStructure(c.Request().Context(), s.DB, structureID, all)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusAccepted, map[string]int{"enqueued": n})
}
