package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/presign"
	"cartable/sharing"
	"cartable/workspace"
)

const linkKey = "cartable.link"

// LinkPagePath is where the web app shows a link to its visitors, followed by the
// token: /liens/{token}.
const LinkPagePath = "/liens/"

type linkJSON struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	HasPassword bool      `json:"has_password"`
	// URL, PageURL and Token are given once, when the link is created: URL is the
	// API's, PageURL the web app's page that visitors open.
	URL     string `json:"url,omitempty"`
	PageURL string `json:"page_url,omitempty"`
	Token   string `json:"token,omitempty"`
}

func toLinkJSON(l sharing.Link) linkJSON {
	return linkJSON{ID: l.ID.String(), Kind: l.Kind, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, HasPassword: l.HasPassword}
}

// createLink makes a link: {"kind": "view"|"upload", "expires_at", "password"}.
func (s *Server) createLink(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		Kind      string    `json:"kind"`
		ExpiresAt time.Time `json:"expires_at"`
		Password  string    `json:"password"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	l, token, err := s.Workspace.CreateLink(c.Request().Context(), caller(c), id,
		sharing.NewLink{Kind: body.Kind, ExpiresAt: body.ExpiresAt, Password: body.Password}, s.LinkPolicy)
	if err != nil {
		return err
	}
	out := toLinkJSON(l)
	root := strings.TrimSuffix(s.PublicURL, "/")
	out.Token, out.URL = token, root+"/api/v1/links/"+token
	if s.App != nil {
		out.PageURL = root + LinkPagePath + token
	}
	return writeJSON(c, http.StatusCreated, out)
}

func (s *Server) listLinks(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	req, err := pageRequest(c)
	if err != nil {
		return err
	}
	page, err := s.Workspace.Links(c.Request().Context(), caller(c), id, req)
	if err != nil {
		return err
	}
	return writeList(c, page, toLinkJSON)
}

func (s *Server) revokeLink(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	linkID, err := idParam(c, "link")
	if err != nil {
		return err
	}
	if err := s.Workspace.RevokeLink(c.Request().Context(), caller(c), id, linkID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// codeRateLimited is answered when a client calls link routes too fast.
const codeRateLimited cartable.Code = "rate_limited"

// openLink admits the holder of a link's token (and password, in the
// Cartable-Link-Password header), as the caller the link stands for, and logs it.
// An address that failed too often lately is refused before trying (see guesses).
func (s *Server) openLink(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		addr := c.RealIP()
		if s.guesses.Exhausted(addr) {
			return cartable.Errorf(codeRateLimited, "too many failed attempts on links from this address; wait a little")
		}
		l, who, err := s.Workspace.OpenLink(c.Request().Context(), c.Param("token"), c.Request().Header.Get("Cartable-Link-Password"))
		if cartable.IsCode(err, cartable.ENotFound) || cartable.IsCode(err, cartable.EUnauthorized) {
			// A wrong token or password: a guess. (Not the database failing, nor a
			// request its client gave up: a class leaving a link's page cancels many.)
			s.guesses.Failed(c.Request().Context(), addr)
		}
		if err != nil {
			return err
		}
		s.log.Info("link access", "link", l.ID, "kind", l.Kind, "item", l.ItemID, "ip", c.RealIP(),
			"method", c.Request().Method, "path", c.Path())
		c.Set(callerKey, who)
		c.Set(linkKey, l)
		s.signURLsFor(c, presign.Holder{LinkID: l.ID})
		return next(c)
	}
}

func link(c echo.Context) sharing.Link {
	l, _ := c.Get(linkKey).(sharing.Link)
	return l
}

// requireLinkKind keeps view routes to view links and the drop box to upload links:
// a drop box's visitors see nothing of the folder.
func requireLinkKind(kind string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if link(c).Kind != kind {
				return cartable.Errorf(cartable.ENotFound, "this link does not offer that")
			}
			return next(c)
		}
	}
}

// linkInfo describes a link to its visitor: the item for a view link, only the
// folder's name for a drop box.
func (s *Server) linkInfo(c echo.Context) error {
	l := link(c)
	it, err := s.Workspace.Item(c.Request().Context(), caller(c), l.ItemID)
	if err != nil {
		return err
	}
	out := map[string]any{"kind": l.Kind, "expires_at": l.ExpiresAt}
	if l.Kind == sharing.LinkView {
		out["item"] = toItemJSON(it, apiBase(c))
	} else {
		out["folder_name"] = it.Name
	}
	return writeJSON(c, http.StatusOK, out)
}

// dropFile uploads a file into a drop box: it never clashes, and the answer says only
// what was received, under the name the visitor sent (a visitor learns nothing of
// the names already there, not even that theirs was taken).
func (s *Server) dropFile(c echo.Context) error {
	return s.uploadFileInto(c, link(c).ItemID, workspace.WriteOptions{AutoRename: true}, func(it workspace.Item, sent string) error {
		return writeJSON(c, http.StatusCreated, map[string]any{"name": sent, "size": it.Size})
	})
}
