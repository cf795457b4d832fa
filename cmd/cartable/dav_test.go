package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// WebDAV at /dav/ (package dav), through HTTP against the real stack. Until app
// passwords land, clients authenticate with the Bearer token of the dev issuer;
// third-party clients (litmus, rclone), which speak only Basic, go through a
// small proxy that puts the token on every request and keeps the Host header (a
// Destination must name this server).

// davDo sends one WebDAV request as u; path is under /dav and already escaped.
func (u *user) davDo(method, path string, body []byte, header map[string]string) response {
	u.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u.url+path, r)
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
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		u.t.Fatal(err)
	}
	return response{Response: res, body: b}
}

// davProxy is an endpoint that forwards to the instance as u, for clients that
// know only Basic authentication (litmus, rclone, davfs2).
func (u *user) davProxy() string {
	u.t.Helper()
	target, err := url.Parse(u.url)
	if err != nil {
		u.t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host
		r.Out.Header.Set("Authorization", "Bearer "+u.token)
	}}
	srv := httptest.NewServer(proxy)
	u.t.Cleanup(srv.Close)
	return srv.URL
}

const davHome = "/dav/Mes%20documents/"

func TestDAVSpacesAndIsolation(t *testing.T) {
	in := start(t)
	lea, hugo := in.as("eleve.6a.01"), in.as("eleve.6a.02")

	root := lea.davDo("PROPFIND", "/dav/", nil, map[string]string{"Depth": "1"})
	wantStatus(t, root, http.StatusMultiStatus, "PROPFIND /dav/")
	for _, name := range []string{"Mes%20documents", "Partag%C3%A9s%20avec%20moi"} {
		if !strings.Contains(string(root.body), "<D:href>/dav/"+name+"/</D:href>") {
			t.Errorf("the root lists no %s: %s", name, root.body)
		}
	}
	wantStatus(t, lea.davDo("MKCOL", davHome+"Secret", nil, nil), http.StatusCreated, "MKCOL")
	put := lea.davDo("PUT", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", []byte("cher journal"), nil)
	wantStatus(t, put, http.StatusCreated, "PUT new")
	if put.Header.Get("ETag") == "" {
		t.Error("PUT answered no ETag")
	}
	got := lea.davDo("GET", davHome+"secret/JOURNAL%20%C3%89T%C3%89.txt", nil, nil)
	wantStatus(t, got, http.StatusOK, "GET ignoring case")
	if string(got.body) != "cher journal" {
		t.Errorf("GET = %q", got.body)
	}

	// Hugo's "Mes documents" is his own: every path of Léa's is 404 to him, and
	// her space's id is no path of his.
	for _, m := range []string{"GET", "PROPFIND", "PUT", "DELETE", "MKCOL", "LOCK", "PROPPATCH"} {
		r := hugo.davDo(m, davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", nil, nil)
		if m == "PUT" || m == "MKCOL" || m == "LOCK" {
			if r.StatusCode != http.StatusConflict && r.StatusCode != http.StatusNotFound {
				t.Errorf("%s of Léa's path by Hugo: %d, want 409 (no such parent of his) or 404", m, r.StatusCode)
			}
			continue
		}
		if r.StatusCode != http.StatusNotFound && !(m == "PROPPATCH" && r.StatusCode == http.StatusBadRequest) {
			t.Errorf("%s of Léa's path by Hugo: %d, want 404", m, r.StatusCode)
		}
	}
	mine := lea.davDo("GET", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", nil, nil)
	wantStatus(t, mine, http.StatusOK, "Léa's file after Hugo's tries")

	// Without credentials: 401 asking for Basic; OPTIONS answers without.
	nobody := &user{instance: in}
	anon := nobody.davDo("PROPFIND", "/dav/", nil, map[string]string{"Depth": "0"})
	wantStatus(t, anon, http.StatusUnauthorized, "anonymous PROPFIND")
	if got := anon.Header.Get("WWW-Authenticate"); got != `Basic realm="Cartable", charset="UTF-8"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
	opts := nobody.davDo("OPTIONS", "/dav/", nil, nil)
	wantStatus(t, opts, http.StatusOK, "OPTIONS")
	if opts.Header.Get("DAV") != "1, 2" || !strings.Contains(opts.Header.Get("Allow"), "PROPFIND") {
		t.Errorf("OPTIONS headers: %v", opts.Header)
	}
	inf := lea.davDo("PROPFIND", davHome, nil, map[string]string{"Depth": "infinity"})
	wantStatus(t, inf, http.StatusForbidden, "Depth: infinity")
	if !strings.Contains(string(inf.body), "propfind-finite-depth") {
		t.Errorf("Depth infinity body: %s", inf.body)
	}
}

// TestDAVLitmus runs the litmus WebDAV conformance suite (Debian package litmus)
// against a folder of "Mes documents".
func TestDAVLitmus(t *testing.T) {
	bin, err := exec.LookPath("litmus")
	if err != nil {
		t.Skip("litmus is not installed (apt-get install litmus)")
	}
	in := start(t)
	lea := in.as("eleve.6a.01")
	endpoint := lea.davProxy() + davHome
	cmd := exec.Command(bin, "-k", endpoint, "lea", "unused")
	cmd.Env = append(os.Environ(), "TESTS=basic copymove props locks http")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	t.Logf("litmus:\n%s", out)
	failed := regexp.MustCompile(`\d+\. (\w+)\.* FAIL`).FindAllStringSubmatch(string(out), -1)
	var names []string
	for _, f := range failed {
		names = append(names, f[1])
	}
	if len(names) > 0 || err != nil {
		t.Errorf("litmus failures: %v (%v)", names, err)
	}
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

var _ = filepath.Join
var _ = fmt.Sprint
