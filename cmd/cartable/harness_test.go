package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	devdata "cartable/deploy/dev"
	"cartable/directory"
	"cartable/pgtest"
	"cartable/storagetest"
)

// instance is a running Cartable in dev mode with the demo data, on its own database
// and bucket, listening on a free port.
type instance struct {
	t    *testing.T
	url  string
	app  *app
	http *http.Client
}

// start runs the whole program (the same wiring as `cartable dev`) for one test.
func start(t *testing.T) *instance {
	t.Helper()
	return startWith(t, nil)
}

// startWith is start with a change to the configuration.
func startWith(t *testing.T, configure func(*Config)) *instance {
	t.Helper()
	t.Parallel()
	s3 := storagetest.Config(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parseConfig("dev", nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dev, cfg.Jobs = true, false
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.DatabaseURL = pgtest.URL(t)
	cfg.S3Endpoint, cfg.S3AccessKey, cfg.S3SecretKey = s3.Endpoint, s3.AccessKey, s3.SecretKey
	cfg.S3Bucket, cfg.S3Region, cfg.S3TLS = s3.Bucket, s3.Region, s3.TLS
	cfg.MaxUploadBytes = 64 << 20
	if configure != nil {
		configure(&cfg)
	}

	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("CARTABLE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := directory.LoadBundle(bytes.NewReader(devdata.Demo))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := directory.Import(ctx, a.pool, bundle); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	serveLn, nodesReady := ln, func() {}
	if n := testNodes(t); n > 1 {
		serveLn, nodesReady = startNodes(t, ctx, cfg, log, ln, n)
	}
	go func() { done <- a.run(ctx, serveLn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
		a.close()
	})
	// A request that says "Expect: 100-continue" waits for the server's decision
	// however loaded the machine is, and sends no byte of a refused body.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ExpectContinueTimeout = 2 * time.Minute
	nodesReady()
	return &instance{t: t, url: cfg.PublicURL, app: a, http: &http.Client{Timeout: 2 * time.Minute, Transport: transport}}
}

// response is an answer read whole.
type response struct {
	*http.Response
	body []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// item decodes an item answer.
func (r response) item(t *testing.T) apiItem {
	t.Helper()
	var it apiItem
	r.json(t, &it)
	return it
}

// code is the problem code of an error answer.
func (r response) code(t *testing.T) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json: %s", r.StatusCode, ct, r.body)
	}
	var p struct {
		Code string `json:"code"`
	}
	r.json(t, &p)
	return p.Code
}

type apiItem struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Kind     string  `json:"kind"`
	Size     int64   `json:"size"`
	MimeType string  `json:"mime_type"`
	ParentID *string `json:"parent_id"`
	SpaceID  string  `json:"space_id"`
	ETag     string  `json:"etag"`
}

// user is an API client acting as one demo user.
type user struct {
	*instance
	id    string
	token string
}

func (in *instance) as(userID string) *user {
	in.t.Helper()
	r := in.do(http.MethodGet, "/dev/token?user="+userID, "", nil, nil)
	if r.StatusCode != http.StatusOK {
		in.t.Fatalf("token for %s: %d %s", userID, r.StatusCode, r.body)
	}
	var tok struct {
		Token string `json:"token"`
	}
	r.json(in.t, &tok)
	return &user{instance: in, id: userID, token: tok.Token}
}

func (in *instance) do(method, path, token string, body io.Reader, header map[string]string) response {
	in.t.Helper()
	req, err := http.NewRequest(method, in.url+path, body)
	if err != nil {
		in.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := in.http.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		in.t.Fatal(err)
	}
	checkContract(in.t, req, res, b)
	return response{Response: res, body: b}
}

func (u *user) do(method, path string, body io.Reader, header map[string]string) response {
	u.t.Helper()
	return u.instance.do(method, path, u.token, body, header)
}

func (u *user) get(path string) response { u.t.Helper(); return u.do(http.MethodGet, path, nil, nil) }

func (u *user) sendJSON(method, path string, v any, header map[string]string) response {
	u.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		u.t.Fatal(err)
	}
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return u.do(method, path, bytes.NewReader(b), h)
}

// space returns the root id of the user's space of that kind (and name).
func (u *user) space(kind, name string) string {
	u.t.Helper()
	r := u.get("/api/v1/spaces")
	if r.StatusCode != http.StatusOK {
		u.t.Fatalf("spaces: %d %s", r.StatusCode, r.body)
	}
	var raw struct {
		Spaces []map[string]string `json:"spaces"`
	}
	r.json(u.t, &raw)
	for _, sp := range raw.Spaces {
		if sp["kind"] == kind && (name == "" || sp["name"] == name) {
			return sp["root_id"]
		}
	}
	u.t.Fatalf("%s has no %s space %q in %s", u.id, kind, name, r.body)
	return ""
}

func (u *user) home() string { return u.space("personal", "") }

func (u *user) mkdir(parent, name string) apiItem {
	u.t.Helper()
	r := u.sendJSON(http.MethodPost, "/api/v1/items/"+parent+"/children", map[string]any{"name": name, "folder": map[string]any{}}, nil)
	if r.StatusCode != http.StatusCreated {
		u.t.Fatalf("mkdir %s: %d %s", name, r.StatusCode, r.body)
	}
	return r.item(u.t)
}

// upload sends a file as multipart/form-data with its Content-Length, as browsers do.
func (u *user) upload(parent, name string, data []byte, query string) response {
	u.t.Helper()
	return u.uploadWith(parent, name, data, query, nil)
}

// uploadWith is upload with more request headers.
func (u *user) uploadWith(parent, name string, data []byte, query string, header map[string]string) response {
	u.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		u.t.Fatal(err)
	}
	part.Write(data)
	mw.Close()
	h := map[string]string{"Content-Type": mw.FormDataContentType()}
	for k, v := range header {
		h[k] = v
	}
	return u.do(http.MethodPost, "/api/v1/items/"+parent+"/children"+query, &body, h)
}

func (u *user) mustUpload(parent, name string, data []byte) apiItem {
	u.t.Helper()
	r := u.upload(parent, name, data, "")
	if r.StatusCode != http.StatusCreated {
		u.t.Fatalf("upload %s: %d %s", name, r.StatusCode, r.body)
	}
	return r.item(u.t)
}

func wantStatus(t *testing.T, r response, status int, what string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.StatusCode, status, r.body)
	}
}

func wantProblem(t *testing.T, r response, status int, code, what string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.StatusCode, status, r.body)
	}
	if got := r.code(t); got != code {
		t.Fatalf("%s: code %q, want %q", what, got, code)
	}
}

func itemPath(id string, rest ...string) string {
	return "/api/v1/items/" + id + strings.Join(rest, "")
}
