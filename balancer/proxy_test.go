package balancer

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// echoBackend answers with its name, the body it read and the X-Forwarded-For it got.
func echoBackend(t *testing.T, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Name", name)
		w.Header().Set("X-Got-XFF", r.Header.Get("X-Forwarded-For"))
		w.Header().Set("X-Got-Host", r.Host)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// deadURL is an address nothing listens on any more.
func deadURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func startProxy(t *testing.T, backends ...string) (*httptest.Server, *pool) {
	t.Helper()
	p, err := New(backends, Options{HealthPath: "/readyz", NameBackend: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	p.Check(context.Background())
	s := httptest.NewServer(p)
	t.Cleanup(s.Close)
	return s, p.pool
}

func send(t *testing.T, method, url, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func TestRoundRobinOverLiveBackends(t *testing.T) {
	a, b := echoBackend(t, "a"), echoBackend(t, "b")
	proxy, _ := startProxy(t, a.URL, b.URL)
	seen := map[string]int{}
	for range 6 {
		res := send(t, http.MethodGet, proxy.URL+"/x", "", nil)
		seen[res.Header.Get("X-Name")]++
		if res.Header.Get(BackendHeader) == "" {
			t.Fatalf("no %s header", BackendHeader)
		}
	}
	if seen["a"] != 3 || seen["b"] != 3 {
		t.Errorf("requests per backend = %v, want 3 each", seen)
	}
}

func TestDeadBackendSkippedAndBodyResent(t *testing.T) {
	a := echoBackend(t, "a")
	dead := deadURL(t)
	proxy, p := startProxy(t, a.URL, dead)
	// The health check already knows; pretend it did not, as between two checks.
	p.backends[1].alive.Store(true)
	for i := range 4 {
		res := send(t, http.MethodPost, proxy.URL+"/upload", "part of a file", nil)
		got, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || string(got) != "part of a file" || res.Header.Get("X-Name") != "a" {
			t.Fatalf("request %d: %d %q from %q", i, res.StatusCode, got, res.Header.Get("X-Name"))
		}
	}
	if p.backends[1].alive.Load() {
		t.Error("the refusing backend is still in the turn")
	}
}

func TestNoBackendIsA503Problem(t *testing.T) {
	proxy, _ := startProxy(t, deadURL(t))
	res := send(t, http.MethodGet, proxy.URL+"/api/v1/spaces", "", nil)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
		res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), `"code":"unavailable"`) {
		t.Errorf("%d %v %s", res.StatusCode, res.Header, body)
	}
}

func TestForwardedForIsTheClientsAddressOnly(t *testing.T) {
	a := echoBackend(t, "a")
	proxy, _ := startProxy(t, a.URL)
	res := send(t, http.MethodGet, proxy.URL+"/x", "", map[string]string{"X-Forwarded-For": "10.6.6.6"})
	if got := res.Header.Get("X-Got-XFF"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For at the backend = %q, want the client's address only", got)
	}
	if got := res.Header.Get("X-Got-Host"); got != strings.TrimPrefix(proxy.URL, "http://") {
		t.Errorf("Host at the backend = %q, want the proxy's", got)
	}
}

// TestTrailersReachTheBackend: a trailer the client announced (tus's
// Upload-Checksum) arrives at the backend after the body, as the client sent it.
func TestTrailersReachTheBackend(t *testing.T) {
	got := make(chan string, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			return
		}
		io.Copy(io.Discard, r.Body)
		got <- r.Trailer.Get("Upload-Checksum")
	}))
	t.Cleanup(backend.Close)
	proxy, _ := startProxy(t, backend.URL)
	req, _ := http.NewRequest(http.MethodPatch, proxy.URL+"/u", io.NopCloser(strings.NewReader("part")))
	req.ContentLength = -1
	req.Trailer = http.Header{"Upload-Checksum": {"sha1 abc="}}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if v := <-got; v != "sha1 abc=" {
		t.Errorf("the backend got the trailer %q", v)
	}
}

// TestEarlyRefusalPassesThrough: a backend that refuses a request from its headers,
// without reading its body, is answered to a client that asked to continue, instead
// of a 502 for the body it could not send.
func TestEarlyRefusalPassesThrough(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			return
		}
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	}))
	t.Cleanup(backend.Close)
	proxy, _ := startProxy(t, backend.URL)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ExpectContinueTimeout = time.Minute
	sent := &countingReader{r: bytes.NewReader(make([]byte, 8<<20))}
	req, _ := http.NewRequest(http.MethodPost, proxy.URL+"/upload", sent)
	req.ContentLength = 8 << 20
	req.Header.Set("Expect", "100-continue")
	res, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || sent.n > 0 {
		t.Errorf("status %d after %d bytes sent, want 413 before any", res.StatusCode, sent.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
