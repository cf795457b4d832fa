package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi-validator/strict"

	"cartable/api"
)

// Every answer an integration test receives is checked against api/openapi.yaml:
// its status must be documented on the operation, its Content-Type declared there,
// its documented headers well formed, and a JSON body must match the schema, with
// no property the schema does not declare (strict mode: the spec says what the
// service really answers). Other bodies (files, thumbnails, CSV, the spec itself)
// are not decoded; their status and type still are checked.

var contract struct {
	once sync.Once
	v    validator.Validator
	err  error
}

// crossCuttingHeaders are on every answer, or on every answer of a kind, as the
// spec's info and tags say once rather than on each operation: the security headers
// (and the no-referrer of signed URLs, on their errors too), a 401's WWW-Authenticate,
// CORS for the portal's origins, and Tus-Resumable on every answer of the upload
// endpoint.
var crossCuttingHeaders = []string{"x-content-type-options", "x-frame-options", "content-security-policy",
	"strict-transport-security", "referrer-policy", "www-authenticate", "access-control-allow-origin", "access-control-allow-methods",
	"access-control-allow-headers", "access-control-expose-headers", "access-control-max-age",
	"access-control-allow-credentials", "tus-resumable"}

// specValidator builds the validator once for the whole test binary.
func specValidator() (validator.Validator, error) {
	contract.once.Do(func() {
		doc, err := libopenapi.NewDocument(api.OpenAPISpec)
		if err != nil {
			contract.err = fmt.Errorf("read openapi.yaml: %w", err)
			return
		}
		v, errs := validator.NewValidator(doc, config.WithStrictMode(), config.WithFormatAssertions(),
			config.WithStrictIgnoredHeadersExtra(crossCuttingHeaders...),
			// Maps whose keys are data: a problem's context (the fields the spec names
			// are still checked), the types a node does not preview and why.
			config.WithStrictIgnorePaths("$.body.fields.*", "$.body.previews.off.*"))
		if len(errs) > 0 {
			contract.err = fmt.Errorf("build the validator: %v", errs)
			return
		}
		contract.v = v
	})
	return contract.v, contract.err
}

// checkContract fails the test when the answer to req is not what the spec says.
// Requests for routes the service does not serve either (a test's unknown path or
// method, answered 404 or 405) have no operation to check against.
func checkContract(t *testing.T, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	v, err := specValidator()
	if err != nil {
		t.Fatal(err)
	}
	if isPreflight(req) {
		return
	}
	copied := *res
	copied.Body = io.NopCloser(bytes.NewReader(body))
	if ok, errs := v.ValidateHttpResponse(req, &copied); !ok {
		if unrouted(errs) && (res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed) {
			return
		}
		t.Errorf("%s %s answered %d (%s) against openapi.yaml:\n%s\nbody: %.600s",
			req.Method, req.URL.Path, res.StatusCode, res.Header.Get("Content-Type"), describe(errs), body)
	}
}

// isPreflight reports whether the request is a browser's CORS preflight, which the
// CORS middleware answers on every route before routing, as the spec's info says;
// only the upload endpoint documents its OPTIONS (tus discovery, which sends none of
// CORS's headers).
func isPreflight(req *http.Request) bool {
	return req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != ""
}

// unrouted reports whether the spec has no operation for the request at all.
func unrouted(errs []*valerrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationType != helpers.PathValidation && !strings.Contains(e.Message, "not found") {
			return false
		}
	}
	return len(errs) > 0
}

// describe lists the violations readably: what, why, and where in the body.
func describe(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s\n", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "      at %s: %s\n", s.FieldPath, s.Reason)
		}
	}
	return b.String()
}

// contractProxy passes requests on to target and checks each answer against the spec
// on its way back, as instance.do does: for the clients a test runs that are not its
// Go client (the guide's Node examples, the README's curl commands).
func contractProxy(t *testing.T, target string) http.Handler {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u) // keeps the Host asked for, so tus's Location points back here
	proxy.ModifyResponse = func(res *http.Response) error {
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		checkContract(t, res.Request, res, body)
		res.Body = io.NopCloser(bytes.NewReader(body))
		return nil
	}
	return proxy
}

// checkWebhook fails the test when a body POSTed to the webhook is not what the
// spec's webhooks section says, with no property it does not declare (strict, as
// the answers are checked).
func checkWebhook(t *testing.T, body []byte) {
	t.Helper()
	doc, err := libopenapi.NewDocument(api.OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	hook := model.Model.Webhooks.GetOrZero("event")
	if hook == nil || hook.Post == nil {
		t.Fatal("openapi.yaml has no webhooks.event.post")
	}
	schema := hook.Post.RequestBody.Content.GetOrZero("application/json").Schema.Schema()
	if ok, errs := schema_validation.NewSchemaValidator(config.WithFormatAssertions()).ValidateSchemaBytes(schema, body); !ok {
		t.Errorf("webhook body against openapi.yaml:\n%s\nbody: %s", describe(errs), body)
	}
	var data any
	if err := json.Unmarshal(body, &data); err != nil {
		t.Fatalf("webhook body %s: %v", body, err)
	}
	if res := strict.ValidateBody(schema, data, strict.DirectionRequest, config.NewValidationOptions(config.WithStrictMode()), 3.1); !res.Valid {
		for _, v := range res.UndeclaredValues {
			t.Errorf("webhook body: %s is not in openapi.yaml: %s", v.Path, body)
		}
	}
}
