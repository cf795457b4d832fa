package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"cartable/antivirus"
	"cartable/embed"
)

// EmbedPath is where an embed is served, followed by its token: /embed/{token}.
const EmbedPath = "/embed/"

type embedJSON struct {
	ID        string    `json:"id"`
	VersionID string    `json:"version_id"`
	MimeType  string    `json:"mime_type"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// URL and ThumbnailURLs are given once, when the embed is made: only the
	// token's hash is kept.
	URL           string            `json:"url,omitempty"`
	ThumbnailURLs map[string]string `json:"thumbnail_urls,omitempty"`
}

func toEmbedJSON(e embed.Embed) embedJSON {
	return embedJSON{ID: e.ID.String(), VersionID: e.VersionID.String(), MimeType: e.MimeType, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt}
}

// createEmbed publishes the file's current version (no body).
func (s *Server) createEmbed(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, token, err := s.Embeds.Create(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	out := toEmbedJSON(e)
	out.URL = strings.TrimSuffix(s.PublicURL, "/") + EmbedPath + token
	out.ThumbnailURLs = map[string]string{}
	for _, size := range []string{"small", "medium", "large"} {
		out.ThumbnailURLs[size] = out.URL + "/thumbnails/" + size
	}
	return writeJSON(c, http.StatusCreated, out)
}

func (s *Server) listEmbeds(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := s.Embeds.List(c.Request().Context(), caller(c), id, req)
	if err != nil {
		return err
	}
	return writeList(c, page, toEmbedJSON)
}

func (s *Server) revokeEmbed(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	embedID, err := idParam(c, "embed")
	if err != nil {
		return err
	}
	if err := s.Embeds.Revoke(c.Request().Context(), caller(c), id, embedID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// embedHeaders let a page of any origin use the answer in <img>, <video> or
// <audio> (CORS for crossorigin elements and scripts, CORP for the others), keep
// the token out of any Referer, and let caches keep the answer for
// embed.CacheMaxAge: a version never changes, but a revocation must reach readers.
func embedHeaders(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "ETag, Content-Range, Accept-Ranges, Content-Length")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", embedCacheControl)
}

// embedCacheControl lets any cache keep an embed's answer embed.CacheMaxAge.
var embedCacheControl = fmt.Sprintf("public, max-age=%d", int(embed.CacheMaxAge.Seconds()))

// embedContent serves the version an embed publishes, with Range, to anyone who has
// the URL. It is shown inline under the sandboxing CSP of every file, without the
// file's name (which may name a pupil).
func (s *Server) embedContent(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store") // a problem is not kept: the file may come back from the trash
	e, content, err := s.Embeds.Content(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	s.log.DebugContext(c.Request().Context(), "embed access", "embed", e.ID, "item", e.ItemID, "ip", c.RealIP(), "method", c.Request().Method)
	return s.serveBytes(c, content, content.Version.ETag(), func(h http.Header) {
		h.Set("Content-Type", content.Version.MimeType)
		h.Set("Content-Disposition", "inline")
		h.Set("Content-Security-Policy", sandboxPolicy)
		embedHeaders(h)
		if content.Version.Scan == antivirus.Unscanned {
			// Served while clamd was down: not for caches to keep, the scan may still
			// quarantine it.
			h.Set("Cache-Control", "no-store")
		}
	})
}

// embedThumbnail serves one size of the thumbnail of an embed's version: WebP to
// clients that accept it, JPEG to the others.
func (s *Server) embedThumbnail(c echo.Context) error {
	req, h := c.Request(), c.Response().Header()
	format := preferredFormat(req.Header.Get("Accept"))
	h.Set("Vary", "Accept")
	h.Set("Cache-Control", "no-store") // pending or failed: the thumbnail is on its way
	e, t, err := s.Embeds.Thumbnail(req.Context(), c.Param("token"), c.Param("size"), format)
	if err != nil {
		return err
	}
	embedHeaders(h)
	return s.serveThumbnail(c, t, format, embedCacheControl, "embed "+e.ID.String())
}
