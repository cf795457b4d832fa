package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPISpec is the contract of the HTTP API (OpenAPI 3.1).
//
//go:embed openapi.yaml
var OpenAPISpec []byte

// openAPISpec serves the contract, so portal developers read the spec of the very
// version they talk to.
func (s *Server) openAPISpec(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", OpenAPISpec)
}
