package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/requests"
	"github.com/pb33f/libopenapi-validator/responses"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
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

// TestOpenAPIExamples: the contract shows a portal developer what every operation
// takes and gives, with an example on each JSON request body and on the JSON body of
// each 2xx answer (a $ref to components/responses counts once resolved); and every
// example it gives, whatever its status, its parameter or its schema, is valid
// against its schema as strictly as the integration tests check the real answers
// (cmd/cartable/contract_test.go): formats asserted, readOnly properties required
// in answers only, and no property the schema does not declare.
func TestOpenAPIExamples(t *testing.T) {
	doc, err := libopenapi.NewDocument(OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	spec := &model.Model
	for path, item := range spec.Paths.PathItems.FromOldest() {
		checkPathExamples(t, path, item)
	}
	for name, item := range spec.Webhooks.FromOldest() {
		checkPathExamples(t, "webhooks."+name, item)
	}
	for name, schema := range spec.Components.Schemas.FromOldest() {
		checkSchemaExamples(t, "components.schemas."+name, schema)
	}
}

// exampleOptions are those the contract test checks real answers with, but for the
// problem's fields: an example names only those the spec declares.
var exampleOptions = []config.Option{config.WithStrictMode(), config.WithFormatAssertions(),
	config.WithStrictIgnorePaths("$.body.previews.off.*")}

func checkPathExamples(t *testing.T, path string, item *v3.PathItem) {
	t.Helper()
	for method, op := range item.GetOperations().FromOldest() {
		where := fmt.Sprintf("%s (%s %s)", op.OperationId, strings.ToUpper(method), path)
		for _, p := range slices.Concat(item.Parameters, op.Parameters) {
			checkValueExamples(t, where+" parameter "+p.Name, p.Schema, p.Example, p.Examples)
			checkSchemaExamples(t, where+" parameter "+p.Name, p.Schema)
		}
		if op.RequestBody != nil && op.RequestBody.Content != nil {
			for mediaType, mt := range op.RequestBody.Content.FromOldest() {
				checkMediaExamples(t, where+" request body", mediaType, mt, 0)
			}
		}
		if op.Responses == nil {
			continue
		}
		for code, res := range op.Responses.Codes.FromOldest() {
			status := http.StatusOK // 2XX
			if n, err := strconv.Atoi(code); err == nil {
				status = n
			} else if !strings.HasPrefix(code, "2") {
				status = http.StatusInternalServerError
			}
			checkResponseExamples(t, where+" "+code, res, status)
		}
		if res := op.Responses.Default; res != nil {
			checkResponseExamples(t, where+" default", res, http.StatusInternalServerError)
		}
	}
}

func checkResponseExamples(t *testing.T, where string, res *v3.Response, status int) {
	t.Helper()
	for name, h := range res.Headers.FromOldest() {
		checkValueExamples(t, where+" header "+name, h.Schema, h.Example, h.Examples)
		checkSchemaExamples(t, where+" header "+name, h.Schema)
	}
	for mediaType, mt := range res.Content.FromOldest() {
		checkMediaExamples(t, where, mediaType, mt, status)
	}
}

// checkMediaExamples checks a body's examples: there must be one when the body is
// JSON, of a request (status 0) or of a 2xx answer, and each must be valid.
func checkMediaExamples(t *testing.T, where, mediaType string, mt *v3.MediaType, status int) {
	t.Helper()
	checkSchemaExamples(t, where+" "+mediaType+" schema", mt.Schema)
	isJSON := mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
	examples := namedExamples(mt.Example, mt.Examples)
	if len(examples) == 0 {
		if isJSON && (status == 0 || status/100 == 2) {
			t.Errorf("%s: no example of its %s body", where, mediaType)
		}
		return
	}
	if !isJSON || mt.Schema == nil {
		return
	}
	schema := mt.Schema.Schema()
	for _, ex := range examples {
		body, err := exampleJSON(ex.value)
		if err != nil {
			t.Errorf("%s %s %s: %v", where, mediaType, ex.name, err)
			continue
		}
		req, _ := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", mediaType)
		var ok bool
		var errs []*valerrors.ValidationError
		if status == 0 {
			ok, errs = requests.ValidateRequestSchema(&requests.ValidateRequestSchemaInput{
				Request: req, Schema: schema, Version: 3.1, Options: exampleOptions, BodyRequired: true})
		} else {
			res := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {mediaType}},
				Body: io.NopCloser(bytes.NewReader(body)), Request: req}
			ok, errs = responses.ValidateResponseSchema(&responses.ValidateResponseSchemaInput{
				Request: req, Response: res, Schema: schema, Version: 3.1, Options: exampleOptions})
		}
		if !ok {
			t.Errorf("%s %s %s is not valid against its schema:\n%s%.600s", where, mediaType, ex.name, describeErrors(errs), body)
		}
	}
}

// checkValueExamples checks the examples of a parameter or a header.
func checkValueExamples(t *testing.T, where string, proxy *base.SchemaProxy, example decoder, examples *orderedmap.Map[string, *base.Example]) {
	t.Helper()
	for _, ex := range namedExamples(example, examples) {
		checkValue(t, where+" "+ex.name, proxy, ex.value)
	}
}

type namedExample struct {
	name  string
	value decoder
}

// namedExamples lists the example and the examples of a body, a parameter or a
// header, in the spec's order.
func namedExamples(example decoder, examples *orderedmap.Map[string, *base.Example]) []namedExample {
	var out []namedExample
	if present(example) {
		out = append(out, namedExample{"example", example})
	}
	for name, ex := range examples.FromOldest() {
		out = append(out, namedExample{"examples." + name, ex.Value})
	}
	return out
}

// checkSchemaExamples checks the examples a schema, and the schemas written inside
// it (not those it refers to, checked where they are written), give of themselves.
func checkSchemaExamples(t *testing.T, where string, proxy *base.SchemaProxy) {
	t.Helper()
	if proxy == nil || proxy.IsReference() {
		return
	}
	s := proxy.Schema()
	if s == nil {
		return
	}
	if present(s.Example) {
		checkValue(t, where+" example", proxy, s.Example)
	}
	for i, ex := range s.Examples {
		checkValue(t, fmt.Sprintf("%s examples[%d]", where, i), proxy, ex)
	}
	for name, p := range s.Properties.FromOldest() {
		checkSchemaExamples(t, where+"."+name, p)
	}
	for i, p := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
		checkSchemaExamples(t, fmt.Sprintf("%s[%d]", where, i), p)
	}
	if s.Items != nil && s.Items.IsA() {
		checkSchemaExamples(t, where+"[]", s.Items.A)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.IsA() {
		checkSchemaExamples(t, where+".*", s.AdditionalProperties.A)
	}
}

func checkValue(t *testing.T, where string, proxy *base.SchemaProxy, ex decoder) {
	t.Helper()
	if proxy == nil {
		return
	}
	value, err := exampleJSON(ex)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	v := schema_validation.NewSchemaValidator(config.WithFormatAssertions())
	if ok, errs := v.ValidateSchemaBytes(proxy.Schema(), value); !ok {
		t.Errorf("%s %s is not valid against its schema:\n%s", where, value, describeErrors(errs))
	}
}

// decoder is a YAML node of the spec.
type decoder interface{ Decode(any) error }

// present reports whether the spec gives the node (a nil *yaml.Node is not nil as a
// decoder).
func present(d decoder) bool {
	return d != nil && !reflect.ValueOf(d).IsNil()
}

// exampleJSON is an example as a client would send or receive it.
func exampleJSON(ex decoder) ([]byte, error) {
	if !present(ex) {
		return nil, fmt.Errorf("no value (an externalValue is not checked)")
	}
	var v any
	if err := ex.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func describeErrors(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s\n", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "      at %s: %s\n", s.FieldPath, s.Reason)
		}
	}
	return b.String()
}
