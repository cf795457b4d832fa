package api

import (
	"net/http"

	"cartable"
)

// basicCaller admits a request carrying Basic credentials: a user id and one of
// their app passwords, for WebDAV clients, which cannot follow the ENT's SSO.
func (s *Server) basicCaller(r *http.Request) (*cartable.Caller, error) {
	return nil, cartable.Errorf(cartable.EUnauthorized, "app passwords are not accepted yet")
}
