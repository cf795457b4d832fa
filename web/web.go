// Package web serves the web app, "Mes documents" in the browser: plain HTML, CSS
// and JavaScript modules embedded in the binary (no build step, nothing from a CDN),
// which use only the public /api/v1 like any portal would.
//
// # Configuration
//
// [Config] says where the API is (the same origin), which portal origins may frame
// the app, and how people sign in: the dev token issuer's user list in dev mode, the
// OIDC issuer's authorization code flow with PKCE otherwise.
//
// # Implementation
//
// Files under static/ are served at /assets/, compressed once at start and
// revalidated by ETag (their names carry no hash, so a browser asks again and gets
// a 304 until the binary changes). Every other path is the app's shell, index.html,
// whose router reads the path: a reload or a shared link on /dossiers/… works, and
// /liens/{token} is the page a link's visitor sees, without signing in.
//
// # Considerations
//
// The shell and the assets carry a strict Content-Security-Policy: scripts and
// styles only from the app's own files (no inline script or style attribute),
// connections only to the API and the OIDC issuer, framing only by the configured
// portal origins. Files people upload are never served by this package: the API
// serves them as attachments under a sandboxing CSP.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
)

//go:embed static
var static embed.FS

//go:embed index.html
var indexHTML string

// Config is what the app needs to know about its deployment.
type Config struct {
	// PublicURL is where browsers reach Cartable (CARTABLE_PUBLIC_URL): the API's
	// origin, and the origin of the signed thumbnail and download URLs.
	PublicURL string
	// FrameAncestors are the origins (the ENT portal) allowed to frame the app;
	// empty: nobody may.
	FrameAncestors []string
	// Dev offers the dev issuer's users to pick from instead of the OIDC sign-in.
	Dev bool
	// OIDCIssuer and OIDCClientID are the identity provider the app signs in with
	// (authorization code with PKCE, as a public client) outside dev mode.
	OIDCIssuer   string
	OIDCClientID string
	// OfficeOrigin is the office editor's origin (the WOPI discovery's), which the
	// app frames and posts its form to; empty: office editing is off.
	OfficeOrigin string
}

// Handler serves the app's shell and assets.
type Handler struct {
	assets map[string]*asset
	shells map[string]*asset // by language
	csp    string
	frames bool
}

// asset is one file ready to serve.
type asset struct {
	body, gzipped []byte
	contentType   string
	etag          string
}

// New prepares every file of the app once.
func New(cfg Config) (*Handler, error) {
	csp, err := policy(cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{assets: map[string]*asset{}, shells: map[string]*asset{}, csp: csp, frames: len(cfg.FrameAncestors) > 0}
	err = fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(name)
		if err != nil {
			return err
		}
		h.assets["/assets/"+strings.TrimPrefix(name, "static/")] = newAsset(body, contentType(name))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, lang := range []string{"fr", "en"} {
		shell, err := renderShell(cfg, lang)
		if err != nil {
			return nil, err
		}
		h.shells[lang] = newAsset(shell, "text/html; charset=utf-8")
	}
	return h, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".LICENSE", ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func newAsset(body []byte, contentType string) *asset {
	sum := sha256.Sum256(body)
	a := &asset{body: body, contentType: contentType, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() < len(body) {
		a.gzipped = buf.Bytes()
	}
	return a
}

// shellData is what index.html is told about the deployment and the language.
type shellData struct {
	Lang, Issuer, ClientID string
	Dev, Office            bool
}

func renderShell(cfg Config, lang string) ([]byte, error) {
	tmpl, err := template.New("index").Parse(indexHTML)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, shellData{Lang: lang, Issuer: strings.TrimSuffix(cfg.OIDCIssuer, "/"), ClientID: cfg.OIDCClientID, Dev: cfg.Dev, Office: cfg.OfficeOrigin != ""})
	return buf.Bytes(), err
}

// policy is the Content-Security-Policy of the shell and the assets. The signed
// thumbnail URLs are absolute URLs on the public URL, the same origin as the app
// when it is reached there; the public origin is named too in case the app is
// reached under another name (a proxy's).
func policy(cfg Config) (string, error) {
	public, err := origin(cfg.PublicURL)
	if err != nil {
		return "", fmt.Errorf("CARTABLE_PUBLIC_URL: %w", err)
	}
	connect := []string{"'self'", public}
	if cfg.OIDCIssuer != "" && !cfg.Dev {
		issuer, err := origin(cfg.OIDCIssuer)
		if err != nil {
			return "", fmt.Errorf("CARTABLE_OIDC_ISSUER: %w", err)
		}
		connect = append(connect, issuer)
	}
	frames := "'none'"
	if len(cfg.FrameAncestors) > 0 {
		var list []string
		for _, o := range cfg.FrameAncestors {
			clean, err := origin(o)
			if err != nil || clean != strings.TrimSuffix(o, "/") {
				return "", fmt.Errorf("frame ancestor %q is not an origin (scheme://host[:port])", o)
			}
			list = append(list, clean)
		}
		frames = strings.Join(list, " ")
	}
	// The office editor opens in a frame, by a form POST of its access token.
	office, forms := "", "'none'"
	if cfg.OfficeOrigin != "" {
		o, err := origin(cfg.OfficeOrigin)
		if err != nil {
			return "", fmt.Errorf("the office editor's origin: %w", err)
		}
		office, forms = "frame-src "+o, o
	}
	return strings.Join(slices.DeleteFunc([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' " + public,
		"media-src 'self' " + public,
		"connect-src " + strings.Join(connect, " "),
		"base-uri 'none'",
		"form-action " + forms,
		office,
		"frame-ancestors " + frames,
	}, func(d string) bool { return d == "" }), "; "), nil
}

// origin is scheme://host[:port] of an absolute http(s) URL.
func origin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsAny(u.Host, " ;,'\"") {
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// ServeHTTP answers /assets/… with a file and any other path with the shell.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.secure(w.Header())
	if strings.HasPrefix(r.URL.Path, "/assets/") {
		a, ok := h.assets[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serve(w, r, a)
		return
	}
	w.Header().Add("Vary", "Accept-Language")
	serve(w, r, h.shells[language(r)])
}

// secure sets the headers every answer of the app carries.
func (h *Handler) secure(hd http.Header) {
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	// A link's page carries its token in the path (/liens/{token}): no request the
	// page makes, and no address a visitor follows from it, may tell it on.
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if !h.frames {
		// Browsers without frame-ancestors still honour this one.
		hd.Set("X-Frame-Options", "DENY")
	}
}

// serve writes an asset, gzipped when the browser takes it. Every answer is
// revalidated (no-cache) so that a new binary's files are taken at once.
func serve(w http.ResponseWriter, r *http.Request, a *asset) {
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", a.etag)
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gzipped != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = a.gzipped
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// language is the shell's language: English when the browser prefers it to
// French, French otherwise. The app itself offers a switch.
func language(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		switch {
		case tag == "fr" || strings.HasPrefix(tag, "fr-"):
			return "fr"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return "en"
		}
	}
	return "fr"
}
