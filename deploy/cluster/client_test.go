package cluster

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterURL is the cluster's API proxy, or the test is skipped: the cluster is
// started apart (make cluster), never by go test.
func clusterURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("CARTABLE_CLUSTER_URL")
	if u == "" {
		t.Skip("CARTABLE_CLUSTER_URL is not set: start the cluster with `make cluster`, then `make cluster-test`")
	}
	return strings.TrimSuffix(u, "/")
}

// user is a demo user talking to the cluster through its proxy.
type user struct {
	t     *testing.T
	base  string
	id    string
	token string
	http  *http.Client
}

// answer is a response read whole, with the node that served it.
type answer struct {
	*http.Response
	body []byte
	node string
}

func signIn(t *testing.T, base, id string) *user {
	t.Helper()
	u := &user{t: t, base: base, id: id, http: &http.Client{Timeout: 2 * time.Minute}}
	r := u.do(http.MethodGet, "/dev/token?user="+url.QueryEscape(id), nil, nil)
	var tok struct {
		Token string `json:"token"`
	}
	r.json(t, &tok)
	if tok.Token == "" {
		t.Fatalf("no token for %s: %d %s", id, r.StatusCode, r.body)
	}
	u.token = tok.Token
	return u
}

func (u *user) do(method, path string, body []byte, header map[string]string) answer {
	u.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u.base+path, rd)
	if err != nil {
		u.t.Fatal(err)
	}
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := u.http.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		u.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return answer{Response: res, body: b, node: res.Header.Get("Cartable-Backend")}
}

func (u *user) sendJSON(method, path string, v any) answer {
	u.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		u.t.Fatal(err)
	}
	return u.do(method, path, b, map[string]string{"Content-Type": "application/json"})
}

func (a answer) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("%d %s: %v", a.StatusCode, a.body, err)
	}
}

func want(t *testing.T, a answer, status int, what string) {
	t.Helper()
	if a.StatusCode != status {
		t.Fatalf("%s: %d (node %s) %s, want %d", what, a.StatusCode, a.node, a.body, status)
	}
}

func wantProblem(t *testing.T, a answer, status int, code, what string) {
	t.Helper()
	var p struct {
		Code string `json:"code"`
	}
	if a.StatusCode != status || json.Unmarshal(a.body, &p) != nil || p.Code != code {
		t.Fatalf("%s: %d (node %s) %s, want %d %s", what, a.StatusCode, a.node, a.body, status, code)
	}
}

// tus sends one tus request.
func (u *user) tus(method, path string, body []byte, header map[string]string) answer {
	u.t.Helper()
	h := map[string]string{"Tus-Resumable": "1.0.0"}
	if body != nil {
		h["Content-Type"] = "application/offset+octet-stream"
	}
	for k, v := range header {
		h[k] = v
	}
	return u.do(method, path, body, h)
}

// create begins a tus upload and returns its path (the Location's, which names the
// proxy, not the node).
func (u *user) create(size int, meta ...string) (string, answer) {
	u.t.Helper()
	r := u.tus(http.MethodPost, "/api/v1/uploads", nil, map[string]string{
		"Upload-Length": strconv.Itoa(size), "Upload-Metadata": metadata(meta...)})
	if r.StatusCode != http.StatusCreated {
		return "", r
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil || loc.Host != strings.TrimPrefix(u.base, "http://") {
		u.t.Fatalf("Location %q does not name the proxy %s", r.Header.Get("Location"), u.base)
	}
	return loc.Path, r
}

// uploadWhole uploads a small file in one request and returns its item id.
func (u *user) uploadWhole(name string, data []byte, meta ...string) string {
	u.t.Helper()
	r := u.tus(http.MethodPost, "/api/v1/uploads", data, map[string]string{
		"Upload-Length": strconv.Itoa(len(data)), "Upload-Metadata": metadata(append([]string{"filename", name}, meta...)...)})
	want(u.t, r, http.StatusCreated, "upload "+name)
	id := r.Header.Get("Cartable-Item-Id")
	if id == "" {
		u.t.Fatalf("upload of %s names no item: %v", name, r.Header)
	}
	return id
}

func metadata(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}
