package api

import (
	"strings"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/auth"
	"cartable/directory"
	"cartable/presign"
)

const (
	callerKey = "cartable.caller"
	tokenKey  = "cartable.token"
)

// bearerToken verifies the request's Bearer token.
func (s *Server) bearerToken(c echo.Context) (auth.Token, error) {
	header := c.Request().Header.Get("Authorization")
	scheme, raw, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return auth.Token{}, cartable.Errorf(cartable.EUnauthorized, "a Bearer token is required")
	}
	return s.Verifier.Verify(c.Request().Context(), strings.TrimSpace(raw))
}

// authenticate admits requests from a person the directory knows, and puts them in
// the context as the caller.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok, err := s.bearerToken(c)
		if err != nil {
			return err
		}
		who, err := directory.LoadCaller(c.Request().Context(), s.DB, tok.Subject)
		if cartable.IsCode(err, cartable.ENotFound) {
			return cartable.Errorf(cartable.EUnauthorized, "the token's user is not provisioned")
		}
		if err != nil {
			return err
		}
		c.Set(callerKey, who)
		c.Set(tokenKey, tok)
		s.signURLsFor(c, presign.Holder{UserID: who.UserID})
		return next(c)
	}
}

// requireScope admits service tokens carrying the scope (provisioning).
func (s *Server) requireScope(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			tok, err := s.bearerToken(c)
			if err != nil {
				return err
			}
			if !tok.HasScope(scope) {
				return cartable.Errorf(cartable.EForbidden, "this route needs the %s scope", scope)
			}
			c.Set(tokenKey, tok)
			return next(c)
		}
	}
}

// caller is the authenticated person of the request.
func caller(c echo.Context) *cartable.Caller {
	who, _ := c.Get(callerKey).(*cartable.Caller)
	return who
}

// callerID names the request's caller for the logs.
func callerID(c echo.Context) string {
	if who := caller(c); who != nil {
		return who.UserID
	}
	if tok, ok := c.Get(tokenKey).(auth.Token); ok {
		return tok.Subject
	}
	return ""
}
