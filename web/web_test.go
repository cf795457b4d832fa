package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

func newHandler(t *testing.T, cfg Config) *Handler {
	t.Helper()
	if cfg.PublicURL == "" {
		cfg.PublicURL = "https://cartable.example.fr"
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestShellForEveryAppPath: a reload or a shared address (/dossiers/…) gets the
// app's shell, under the strict policy, in the browser's language.
func TestShellForEveryAppPath(t *testing.T) {
	h := newHandler(t, Config{Dev: true})
	for _, path := range []string{"/", "/dossiers/0195b8f2-6c1e-7a40-9d1e-3f5a2b8c4d01", "/corbeille", "/auth/callback?code=x&state=y", "/liens/AFsh5eCIbkRH_OchktERLaDjzyOhpXK2bYQ7Ik3VmUY"} {
		rec := get(h, http.MethodGet, path, nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if !strings.Contains(rec.Body.String(), `<html lang="fr" data-dev="true"`) {
			t.Errorf("%s: shell %.200s", path, rec.Body.String())
		}
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
			"img-src 'self' https://cartable.example.fr", "connect-src 'self' https://cartable.example.fr"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q allows unsafe sources", path, csp)
		}
		// A link's token is in its page's path: nothing the page loads or leads to may see it.
		if rp := rec.Header().Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", path, rp)
		}
		if rec.Header().Get("X-Frame-Options") != "DENY" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, rec.Header())
		}
	}
	if rec := get(h, http.MethodGet, "/", map[string]string{"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}); !strings.Contains(rec.Body.String(), `<html lang="en"`) {
		t.Errorf("English browser: %.100s", rec.Body.String())
	}
	if rec := get(h, http.MethodPost, "/", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", rec.Code)
	}
}

// TestFramedOnlyByThePortal: frame-ancestors names the configured origins, and a
// value that is not an origin (it would inject into the policy) is refused.
func TestFramedOnlyByThePortal(t *testing.T) {
	h := newHandler(t, Config{FrameAncestors: []string{"https://ent.example.fr", "https://portail.example.fr:8443"},
		OIDCIssuer: "https://sso.example.fr/realms/ent", OIDCClientID: "cartable"})
	rec := get(h, http.MethodGet, "/", nil)
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors https://ent.example.fr https://portail.example.fr:8443") {
		t.Errorf("CSP %q", csp)
	}
	if !strings.Contains(csp, "connect-src 'self' https://cartable.example.fr https://sso.example.fr") {
		t.Errorf("CSP %q does not let the app reach the issuer", csp)
	}
	if rec.Header().Get("X-Frame-Options") != "" {
		t.Errorf("X-Frame-Options %q would forbid the portal's frame", rec.Header().Get("X-Frame-Options"))
	}
	if !strings.Contains(rec.Body.String(), `data-issuer="https://sso.example.fr/realms/ent" data-client-id="cartable"`) {
		t.Errorf("shell %.200s", rec.Body.String())
	}
	for _, bad := range []string{"https://ent.example.fr; script-src *", "ent.example.fr", "https://ent.example.fr/path", "*"} {
		if _, err := New(Config{PublicURL: "https://cartable.example.fr", FrameAncestors: []string{bad}}); err == nil {
			t.Errorf("frame ancestor %q accepted", bad)
		}
	}
}

// TestAssets: files under /assets/, gzipped for browsers that take it, revalidated
// by ETag; an unknown one is a 404 (never the shell, which a script tag would run).
func TestAssets(t *testing.T) {
	h := newHandler(t, Config{})
	rec := get(h, http.MethodGet, "/assets/js/main.js", map[string]string{"Accept-Encoding": "gzip, br"})
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("main.js: %d %v", rec.Code, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	want, _ := static.ReadFile("static/js/main.js")
	if !bytes.Equal(plain, want) {
		t.Error("main.js gunzipped is not the file")
	}
	again := get(h, http.MethodGet, "/assets/js/main.js", map[string]string{"If-None-Match": rec.Header().Get("ETag")})
	if again.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", again.Code)
	}
	if rec := get(h, http.MethodGet, "/assets/js/nope.js", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown asset: %d", rec.Code)
	}
	if rec := get(h, http.MethodGet, "/assets/app.css", nil); rec.Header().Get("Content-Encoding") != "" || rec.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("app.css without Accept-Encoding: %v", rec.Header())
	}
}

// TestSafeByConstruction guards what the CSP and the shared school computers
// need of the app's code: no inline script or style, no HTML built from strings,
// no eval, nothing kept in localStorage or IndexedDB; and its size budget.
func TestSafeByConstruction(t *testing.T) {
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(indexHTML) || strings.Contains(indexHTML, "style=") ||
		strings.Contains(indexHTML, "<style") || regexp.MustCompile(`\son\w+=`).MatchString(indexHTML) {
		t.Error("index.html has inline script or style")
	}
	forbidden := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|localStorage\s*[.\[]|indexedDB\s*\.|setAttribute\("style"|\.cssText`)
	var zipped int
	sizes := map[string]int{}
	err := fs.WalkDir(static, "static/js", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := static.ReadFile(name)
		if m := forbidden.Find(b); m != nil {
			t.Errorf("%s uses %s", name, m)
		}
		sizes[path.Base(name)] = len(newAsset(b, "").gzipped)
		zipped += sizes[path.Base(name)]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The budget is 150 KB compressed for the whole app; what the first
	// screen loads (main.js and its static imports: the screens used by some only,
	// a link's page, assignments, load when shown) stays well under it.
	first := 0
	for name := range staticImports(t, "main.js") {
		first += sizes[name]
	}
	if first > 100<<10 {
		t.Errorf("the first screen's JavaScript is %d bytes gzipped, over 100 KiB", first)
	}
	if zipped > 150_000 {
		t.Errorf("the app's JavaScript is %d bytes gzipped, over the budget of 150 KB", zipped)
	}
	t.Logf("the app's JavaScript: %d bytes gzipped, %d of them for the first screen", zipped, first)
}

// staticImports returns the module and every module it imports statically, by
// file name (import(...) loads later and is left out).
func staticImports(t *testing.T, module string) map[string]bool {
	t.Helper()
	from := regexp.MustCompile(`(?m)^(?:import|export)\b[^;()]*?from\s+"\./([\w-]+\.js)"|^import\s+"\./([\w-]+\.js)"`)
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		b, err := static.ReadFile("static/js/" + name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		for _, m := range from.FindAllSubmatch(b, -1) {
			visit(string(m[1]) + string(m[2]))
		}
	}
	visit(module)
	return seen
}
