package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/directory"
	"cartable/presign"
	"cartable/sharing"
)

const urlsKey = "cartable.urls"

// urlBase makes the URLs an answer gives of its items: signed URLs (see presign)
// bound to the request's holder — the user, or the view link a visitor came by —
// that a browser fetches without an Authorization header. Without a signer or a
// holder, thumbnails point at the route that needs the header and files get no
// download URL.
type urlBase struct {
	root   string // the public URL, without its trailing slash
	files  string // where files' bytes are fetched: the download origin, or root
	signer *presign.Signer
	holder presign.Holder
}

// apiBase is how the URLs of the request's answer are made.
func apiBase(c echo.Context) urlBase {
	b, _ := c.Get(urlsKey).(urlBase)
	return b
}

// signURLsFor makes the request's URLs signed for a holder.
func (s *Server) signURLsFor(c echo.Context, h presign.Holder) {
	if s.Signer != nil {
		root := strings.TrimSuffix(s.PublicURL, "/")
		files := root
		if s.DownloadOrigin != "" {
			files = s.DownloadOrigin
		}
		c.Set(urlsKey, urlBase{root: root, files: files, signer: s.Signer, holder: h})
	}
}

// content is the signed download URL of a file's version, or "".
func (b urlBase) content(item, version uuid.UUID) string {
	if b.signer == nil {
		return ""
	}
	sig, _ := b.signer.Sign(b.holder, presign.Target{ItemID: item, VersionID: version})
	return fmt.Sprintf("%s/api/v1/signed/items/%s/versions/%s/content?sig=%s", b.files, item, version, sig)
}

// thumbnail is the URL of one size of a version's thumbnail. render names the
// preview's render: the URL changes when the thumbnail does.
func (b urlBase) thumbnail(item, version uuid.UUID, size, render string) string {
	if b.signer == nil {
		return fmt.Sprintf("/api/v1/items/%s/thumbnails/%s?v=%s", item, size, render)
	}
	sig, _ := b.signer.Sign(b.holder, presign.Target{ItemID: item, VersionID: version, Rendition: size})
	return fmt.Sprintf("%s/api/v1/signed/items/%s/versions/%s/thumbnails/%s?v=%s&sig=%s", b.root, item, version, size, render, sig)
}

// openSigned admits the holder of a signed URL. Its sig must have been made for this
// very item, version and rendition, and not have expired; then the user it names is
// loaded from the directory (or the link, which must still be live), and the route
// decides their access like any other request's: a share or a link revoked since
// ends the URL at once. A token that does not hold is a plain 404, as is an item the
// holder may no longer see.
//
// The token is in the URL, so no answer sends it on (Referrer-Policy), and none is
// cached longer than the URL lives.
func (s *Server) openSigned(next echo.HandlerFunc) echo.HandlerFunc {
	return s.signedBy(versionTarget)(next)
}

// signedBy is openSigned for the target a route's parameters name.
func (s *Server) signedBy(target func(echo.Context) (presign.Target, bool)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set("Referrer-Policy", "no-referrer")
			who, expires, err := s.signedCaller(c, target)
			if err != nil {
				return err
			}
			c.Set(callerKey, who)
			cacheUntil(c.Response(), expires)
			return next(c)
		}
	}
}

// versionTarget is the file version, or one of its thumbnails, a route names.
func versionTarget(c echo.Context) (presign.Target, bool) {
	item, errItem := uuid.Parse(c.Param("id"))
	version, errVersion := uuid.Parse(c.Param("version"))
	return presign.Target{ItemID: item, VersionID: version, Rendition: c.Param("size")}, errItem == nil && errVersion == nil
}

// signedCaller verifies the request's signed URL and loads its holder.
func (s *Server) signedCaller(c echo.Context, target func(echo.Context) (presign.Target, bool)) (*cartable.Caller, time.Time, error) {
	gone := cartable.Errorf(cartable.ENotFound, "no such file")
	t, ok := target(c)
	if s.Signer == nil || !ok {
		return nil, time.Time{}, gone
	}
	holder, expires, err := s.Signer.Verify(c.QueryParam("sig"), t)
	if err != nil {
		return nil, time.Time{}, gone
	}
	ctx := c.Request().Context()
	var who *cartable.Caller
	if holder.IsLink() {
		var l sharing.Link
		l, who, err = s.Workspace.LiveLink(ctx, holder.LinkID)
		if err == nil && l.Kind != sharing.LinkView {
			return nil, time.Time{}, gone
		}
	} else {
		who, err = directory.LoadCaller(ctx, s.DB, holder.UserID)
	}
	if cartable.IsCode(err, cartable.ENotFound) {
		return nil, time.Time{}, gone
	}
	return who, expires, err
}

// cacheUntil lets a browser keep a successful answer while its URL lives, and no
// longer (a problem stays no-store).
func cacheUntil(res *echo.Response, expires time.Time) {
	res.Before(func() {
		if res.Status >= http.StatusMultipleChoices && res.Status != http.StatusNotModified {
			return
		}
		age := max(0, int(time.Until(expires).Seconds()))
		res.Header().Set("Cache-Control", fmt.Sprintf("private, max-age=%d", age))
	})
}
