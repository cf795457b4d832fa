package api

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"cartable/auth"
)

type specDoc struct {
	OpenAPI string                          `yaml:"openapi"`
	Paths   map[string]map[string]yaml.Node `yaml:"paths"`
}

type specOperation struct {
	OperationID string `yaml:"operationId"`
}

var httpMethods = []string{"get", "head", "put", "post", "patch", "delete", "options"}

// TestOpenAPIMatchesRoutes fails when a served route is missing from api/openapi.yaml
// or the spec describes a route that is not served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	dev, err := auth.NewDevIssuer("http://localhost/dev/oidc", "", "test")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Deps{DevIssuer: dev, Registry: prometheus.NewRegistry(), Uploads: http.NotFoundHandler()})
	var doc specDoc
	if err := yaml.Unmarshal(OpenAPISpec, &doc); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var specified []string
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, node := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			var op specOperation
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			route := strings.ToUpper(method) + " " + path
			specified = append(specified, route)
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", route)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %s used by %s and %s", op.OperationID, other, route)
			}
			ids[op.OperationID] = route
		}
	}
	served := srv.Routes()
	for _, r := range missing(served, specified) {
		t.Errorf("served but not in openapi.yaml: %s", r)
	}
	for _, r := range missing(specified, served) {
		t.Errorf("in openapi.yaml but not served: %s", r)
	}
}

// TestOpenAPIPathParameters checks that every {param} of a path is declared.
func TestOpenAPIPathParameters(t *testing.T) {
	var raw map[string]any
	if err := yaml.Unmarshal(OpenAPISpec, &raw); err != nil {
		t.Fatal(err)
	}
	params := raw["components"].(map[string]any)["parameters"].(map[string]any)
	for path, item := range raw["paths"].(map[string]any) {
		declared := map[string]bool{}
		collect := func(list any) {
			for _, p := range asList(list) {
				m := p.(map[string]any)
				if ref, ok := m["$ref"].(string); ok {
					m = params[strings.TrimPrefix(ref, "#/components/parameters/")].(map[string]any)
				}
				if m["in"] == "path" {
					declared[m["name"].(string)] = true
				}
			}
		}
		ops := item.(map[string]any)
		collect(ops["parameters"])
		for _, m := range httpMethods {
			if op, ok := ops[m].(map[string]any); ok {
				collect(op["parameters"])
			}
		}
		for _, name := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
			if !declared[name[1]] {
				t.Errorf("%s: path parameter %s is not declared", path, name[1])
			}
		}
	}
}

// TestOpenAPIListsEveryCode keeps the Problem code enum in step with the error map.
func TestOpenAPIListsEveryCode(t *testing.T) {
	for code := range problemKinds {
		if !strings.Contains(string(OpenAPISpec), string(code)) {
			t.Errorf("code %s is missing from openapi.yaml", code)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func missing(from, in []string) []string {
	var out []string
	for _, r := range from {
		if !slices.Contains(in, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIDocumentsEdgeProblems: what any route under /api/ may answer before
// its handler runs is documented on every operation — 400 for text refused at the
// edge, 401 without a valid token (unless the route needs none), 503 when a
// dependency does not answer.
func TestOpenAPIDocumentsEdgeProblems(t *testing.T) {
	var doc specDoc
	if err := yaml.Unmarshal(OpenAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		for method, node := range item {
			if !slices.Contains(httpMethods, method) || method == "options" {
				continue
			}
			var op struct {
				OperationID string         `yaml:"operationId"`
				Security    *[]any         `yaml:"security"`
				Responses   map[string]any `yaml:"responses"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			want := []string{"400", "503"}
			if op.Security == nil || len(*op.Security) > 0 {
				want = append(want, "401")
			}
			for _, code := range want {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s (%s %s) does not document %s", op.OperationID, method, path, code)
				}
			}
		}
	}
}
