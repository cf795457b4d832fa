package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/wopi"
)

// The WOPI routes (/wopi/files/{id}) are the office server's, not the portal's: they
// take the access token the open route handed out (access_token query parameter)
// and nothing else, answer with WOPI's status codes and headers rather than
// problem+json, and are left out of api/openapi.yaml (see the README's "Office
// editing (WOPI)").

const wopiSessionKey = "cartable.wopi"

// wopiRoutes mounts the WOPI endpoints.
func (s *Server) wopiRoutes() {
	g := s.echo.Group("/wopi/files/:id", s.wopiAuthorize)
	g.GET("", s.wopiCheckFileInfo)
	g.POST("", s.wopiFileOperation)
	g.GET("/contents", s.wopiGetFile)
	g.POST("/contents", s.wopiPutFile)
}

// wopiAuthorize checks the request's proof (when the discovery gives keys), then its
// access token for the file of the path, and loads the token's user as the
// directory knows them now.
func (s *Server) wopiAuthorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		c.Response().Header().Set("Cache-Control", "no-store")
		if s.WOPI == nil {
			return wopiStatus(c, http.StatusNotFound)
		}
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return wopiStatus(c, http.StatusNotFound)
		}
		r := c.Request()
		token := r.URL.Query().Get("access_token")
		ticks, tsErr := strconv.ParseInt(r.Header.Get("X-WOPI-TimeStamp"), 10, 64)
		proof := wopi.Proof{AccessToken: token, URL: s.WOPI.FullURL(r.URL.RequestURI()), Ticks: ticks,
			Proof: r.Header.Get("X-WOPI-Proof"), ProofOld: r.Header.Get("X-WOPI-ProofOld")}
		if err := s.WOPI.Proof(r.Context(), proof, tsErr == nil && proof.Proof != ""); err != nil {
			return s.wopiError(c, err)
		}
		session, err := s.WOPI.Authorize(r.Context(), token, id)
		if err != nil {
			return s.wopiError(c, err)
		}
		c.Set(wopiSessionKey, session)
		c.Set(callerKey, session.Caller)
		return next(c)
	}
}

func wopiSession(c echo.Context) wopi.Session {
	session, _ := c.Get(wopiSessionKey).(wopi.Session)
	return session
}

// wopiStatus answers a bare status, as WOPI clients expect.
func wopiStatus(c echo.Context, status int) error {
	return c.NoContent(status)
}

// wopiError answers an error with WOPI's status and headers.
func (s *Server) wopiError(c echo.Context, err error) error {
	h := c.Response().Header()
	var mismatch *wopi.LockMismatch
	var taken *wopi.NameTaken
	switch {
	case errors.As(err, &mismatch):
		h.Set("X-WOPI-Lock", mismatch.Current)
		h.Set("X-WOPI-LockFailureReason", mismatch.Reason)
		return wopiStatus(c, http.StatusConflict)
	case errors.As(err, &taken):
		h.Set("X-WOPI-ValidRelativeTarget", wopi.EncodeUTF7(taken.Valid))
		return wopiStatus(c, http.StatusConflict)
	case errors.Is(err, wopi.ErrInvalidToken), errors.Is(err, wopi.ErrNotAllowed):
		return wopiStatus(c, http.StatusUnauthorized)
	case errors.Is(err, wopi.ErrBadProof):
		s.log.WarnContext(c.Request().Context(), "a WOPI request's proof does not hold", "path", c.Request().URL.Path)
		return wopiStatus(c, http.StatusInternalServerError)
	case errors.Is(err, wopi.ErrTooLargeForClient):
		return wopiStatus(c, http.StatusPreconditionFailed)
	case cartable.IsCode(err, cartable.EQuotaExceeded), cartable.IsCode(err, cartable.ETooLarge):
		return wopiStatus(c, http.StatusRequestEntityTooLarge)
	case cartable.IsCode(err, cartable.EInvalidName):
		h.Set("X-WOPI-InvalidFileNameError", "Ce nom n'est pas autorisé.")
		return wopiStatus(c, http.StatusBadRequest)
	case cartable.IsCode(err, cartable.EInvalid):
		return wopiStatus(c, http.StatusBadRequest)
	case cartable.IsCode(err, cartable.ENotFound):
		return wopiStatus(c, http.StatusNotFound)
	case cartable.IsCode(err, cartable.EUnavailable):
		return wopiStatus(c, http.StatusServiceUnavailable)
	case cartable.IsCode(err, cartable.EScanPending):
		// Saved a moment ago by a co-editor, the antivirus checks it: try again soon.
		h.Set("Retry-After", "3")
		return wopiStatus(c, http.StatusServiceUnavailable)
	case cartable.IsCode(err, cartable.EInfected):
		// Quarantined: the editor tells its user it cannot open the file.
		return wopiStatus(c, http.StatusNotFound)
	}
	s.log.ErrorContext(c.Request().Context(), "WOPI request failed", "err", err, "path", c.Request().URL.Path)
	return wopiStatus(c, http.StatusInternalServerError)
}

// wopiCheckFileInfo answers CheckFileInfo.
func (s *Server) wopiCheckFileInfo(c echo.Context) error {
	info, err := s.WOPI.CheckFileInfo(c.Request().Context(), wopiSession(c))
	if err != nil {
		return s.wopiError(c, err)
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(http.StatusOK)
	return jsonEncode(c.Response(), info)
}

// wopiGetFile streams the file's current content.
func (s *Server) wopiGetFile(c echo.Context) error {
	ctx := c.Request().Context()
	max := int64(-1)
	if v := c.Request().Header.Get("X-WOPI-MaxExpectedSize"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			max = n
		}
	}
	content, err := s.WOPI.GetFile(ctx, wopiSession(c), max)
	if err != nil {
		return s.wopiError(c, err)
	}
	body, err := content.Open(ctx, 0, -1)
	if err != nil {
		return s.wopiError(c, err)
	}
	defer body.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/octet-stream")
	h.Set(echo.HeaderContentLength, strconv.FormatInt(content.Version.Size, 10))
	h.Set("X-WOPI-ItemVersion", content.Version.ID.String())
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), body); err != nil {
		s.log.WarnContext(ctx, "a WOPI GetFile was cut", "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// wopiPutFile stores a new version of the file.
func (s *Server) wopiPutFile(c echo.Context) error {
	r := c.Request()
	if o := r.Header.Get("X-WOPI-Override"); o != "" && !strings.EqualFold(o, "PUT") {
		return wopiStatus(c, http.StatusNotImplemented)
	}
	it, err := s.WOPI.PutFile(r.Context(), wopiSession(c), r.Header.Get("X-WOPI-Lock"), r.Body, r.ContentLength)
	if err != nil {
		return s.wopiError(c, err)
	}
	c.Response().Header().Set("X-WOPI-ItemVersion", wopi.Version(it))
	// Collabora keeps the time of the file it saved, to tell later saves apart
	// from changes made elsewhere.
	return writeJSON(c, http.StatusOK, map[string]string{"LastModifiedTime": wopi.ModifiedTime(it)})
}

// wopiFileOperation dispatches the POSTs on a file by X-WOPI-Override.
func (s *Server) wopiFileOperation(c echo.Context) error {
	r := c.Request()
	ctx, session := r.Context(), wopiSession(c)
	lockID := r.Header.Get("X-WOPI-Lock")
	var err error
	switch strings.ToUpper(r.Header.Get("X-WOPI-Override")) {
	case "LOCK":
		if old := r.Header.Get("X-WOPI-OldLock"); old != "" {
			err = s.WOPI.UnlockAndRelock(ctx, session, old, lockID)
		} else {
			err = s.WOPI.Lock(ctx, session, lockID)
		}
	case "GET_LOCK":
		var current string
		if current, err = s.WOPI.GetLock(ctx, session); err == nil {
			c.Response().Header().Set("X-WOPI-Lock", current)
		}
	case "REFRESH_LOCK":
		err = s.WOPI.RefreshLock(ctx, session, lockID)
	case "UNLOCK":
		err = s.WOPI.Unlock(ctx, session, lockID)
	case "PUT_RELATIVE":
		return s.wopiPutRelative(c)
	case "RENAME_FILE":
		return s.wopiRename(c)
	default:
		return wopiStatus(c, http.StatusNotImplemented)
	}
	if err != nil {
		return s.wopiError(c, err)
	}
	return wopiStatus(c, http.StatusOK)
}

// wopiPutRelative answers PutRelativeFile (save as).
func (s *Server) wopiPutRelative(c echo.Context) error {
	r := c.Request()
	suggested, relative := r.Header.Get("X-WOPI-SuggestedTarget"), r.Header.Get("X-WOPI-RelativeTarget")
	if suggested != "" && relative != "" {
		return wopiStatus(c, http.StatusNotImplemented) // WOPI: both headers are a client's error it answers 501
	}
	if suggested == "" && relative == "" {
		return wopiStatus(c, http.StatusBadRequest)
	}
	req := wopi.RelativeRequest{Body: r.Body, Size: r.ContentLength,
		Overwrite: strings.EqualFold(r.Header.Get("X-WOPI-OverwriteRelativeTarget"), "true")}
	if size, err := strconv.ParseInt(r.Header.Get("X-WOPI-Size"), 10, 64); err == nil && req.Size < 0 {
		req.Size = size
	}
	var err error
	if req.Suggested, err = wopi.DecodeUTF7(suggested); err != nil {
		return wopiStatus(c, http.StatusBadRequest)
	}
	if req.Relative, err = wopi.DecodeUTF7(relative); err != nil {
		return wopiStatus(c, http.StatusBadRequest)
	}
	created, err := s.WOPI.PutRelative(r.Context(), wopiSession(c), req)
	if err != nil {
		return s.wopiError(c, err)
	}
	return writeJSON(c, http.StatusOK, map[string]string{"Name": created.Item.Name, "Url": created.URL})
}

// wopiRename answers RenameFile.
func (s *Server) wopiRename(c echo.Context) error {
	r := c.Request()
	requested, err := wopi.DecodeUTF7(r.Header.Get("X-WOPI-RequestedName"))
	if err != nil {
		requested = r.Header.Get("X-WOPI-RequestedName")
	}
	name, err := s.WOPI.Rename(r.Context(), wopiSession(c), r.Header.Get("X-WOPI-Lock"), requested)
	if err != nil {
		return s.wopiError(c, err)
	}
	return writeJSON(c, http.StatusOK, map[string]string{"Name": name})
}
