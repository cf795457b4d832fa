package main

import (
	"net/http"
	"strings"
	"testing"
)

const portal = "https://ent.example.fr"

// preflight sends a browser's CORS preflight: no token, the method and headers the
// real request will carry.
func (in *instance) preflight(path, origin, method, headers string) response {
	in.t.Helper()
	h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
	if headers != "" {
		h["Access-Control-Request-Headers"] = headers
	}
	return in.do(http.MethodOptions, path, "", nil, h)
}

// TestCORSPreflight: the portal's preflights are answered without a token, with the
// headers it needs (the link password, If-Match…); another origin gets no CORS
// headers; nobody gets a 401 for asking.
func TestCORSPreflight(t *testing.T) {
	in := startWith(t, func(c *Config) { c.CORSOrigins = portal })
	item := "/api/v1/items/0190a0c8-0000-7000-8000-000000000000"
	for _, tc := range []struct {
		name, path, method, headers string
	}{
		{"a link opened with its password", "/api/v1/links/abc123/items/0190a0c8-0000-7000-8000-000000000000/content", "GET", "cartable-link-password"},
		{"a link's info", "/api/v1/links/abc123", "GET", "Cartable-Link-Password"},
		{"a drop box deposit", "/api/v1/links/abc123/upload", "POST", "cartable-link-password,content-type"},
		{"a rename with If-Match", item, "PATCH", "authorization,content-type,if-match,accept-language"},
		{"a trash with If-Match", item, "DELETE", "authorization,if-match"},
		{"a download with Range", item + "/content", "GET", "authorization,range,if-none-match,if-range"},
		{"a new version", item + "/content", "PUT", "authorization,content-type,if-match"},
		{"the directory search", "/api/v1/directory/search?q=6A", "GET", "authorization"},
		{"an unknown route", "/api/v1/nothing-here", "GET", "authorization"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := in.preflight(tc.path, portal, tc.method, tc.headers)
			if r.StatusCode != http.StatusNoContent {
				t.Fatalf("preflight: %d %s, want 204", r.StatusCode, r.body)
			}
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != portal {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, portal)
			}
			allowed := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
			for _, h := range strings.Split(tc.headers, ",") {
				if !strings.Contains(allowed, strings.ToLower(h)) {
					t.Errorf("Access-Control-Allow-Headers %q lacks %q", allowed, h)
				}
			}
			if !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), tc.method) {
				t.Errorf("Access-Control-Allow-Methods %q lacks %s", r.Header.Get("Access-Control-Allow-Methods"), tc.method)
			}
		})
	}
	t.Run("another origin", func(t *testing.T) {
		r := in.preflight(item, "https://evil.example.com", "PATCH", "authorization,if-match")
		if r.StatusCode == http.StatusUnauthorized || r.StatusCode >= 500 {
			t.Fatalf("preflight from another origin: %d %s", r.StatusCode, r.body)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Headers") != "" {
			t.Errorf("another origin was allowed: %v", r.Header)
		}
	})
	t.Run("the actual request exposes what the portal reads", func(t *testing.T) {
		prof := in.as("prof.martin")
		r := prof.do(http.MethodGet, "/api/v1/spaces", nil, map[string]string{"Origin": portal})
		wantStatus(t, r, http.StatusOK, "spaces from the portal")
		if r.Header.Get("Access-Control-Allow-Origin") != portal || !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "ETag") {
			t.Errorf("CORS headers of the actual request: %v", r.Header)
		}
	})
}

// TestPreflightWithoutCORS: with no origin configured, a preflight is still never a
// 401; it simply grants nothing.
func TestPreflightWithoutCORS(t *testing.T) {
	in := start(t)
	r := in.preflight("/api/v1/items/0190a0c8-0000-7000-8000-000000000000", portal, "PATCH", "authorization,if-match")
	if r.StatusCode == http.StatusUnauthorized || r.StatusCode >= 500 {
		t.Fatalf("preflight: %d %s", r.StatusCode, r.body)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a preflight was allowed with no origin configured: %v", r.Header)
	}
}
