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
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable/dav"
	"cartable/directory"
	"cartable/lock"
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
	proppatch := []byte(`<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><z xmlns="urn:z">1</z></D:prop></D:set></D:propertyupdate>`)
	for _, path := range []string{davHome + "Secret", davHome + "Secret/", davHome + "Secret/journal%20%C3%A9t%C3%A9.txt"} {
		for _, m := range []string{"GET", "HEAD", "PROPFIND", "DELETE", "PROPPATCH", "COPY", "MOVE", "UNLOCK", "LOCK"} {
			var body []byte
			if m == "PROPPATCH" {
				body = proppatch
			}
			r := hugo.davDo(m, path, body, map[string]string{"Depth": "0", "Destination": in.url + davHome + "pris", "Lock-Token": "<opaquelocktoken:x>", "If": "(<opaquelocktoken:x>)"})
			if r.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s by Hugo: %d, want 404", m, path, r.StatusCode)
			}
		}
		for _, m := range []string{"PUT", "MKCOL"} {
			if r := hugo.davDo(m, path+"/x", nil, nil); r.StatusCode != http.StatusConflict {
				t.Errorf("%s below %s by Hugo: %d, want 409 (no such folder of his)", m, path, r.StatusCode)
			}
		}
	}
	mine := lea.davDo("GET", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", nil, nil)
	wantStatus(t, mine, http.StatusOK, "Léa's file after Hugo's tries")
	part := lea.davDo("GET", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", nil, map[string]string{"Range": "bytes=5-11"})
	if part.StatusCode != http.StatusPartialContent || string(part.body) != "journal" {
		t.Errorf("ranged GET: %d %q", part.StatusCode, part.body)
	}
	same := lea.davDo("GET", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", nil, map[string]string{"If-None-Match": put.Header.Get("ETag")})
	wantStatus(t, same, http.StatusNotModified, "GET If-None-Match")
	stale := lea.davDo("PUT", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", []byte("x"), map[string]string{"If-Match": `"999"`})
	wantStatus(t, stale, http.StatusPreconditionFailed, "PUT If-Match stale")
	again := lea.davDo("PUT", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", []byte("cher journal, encore"), map[string]string{"If-Match": put.Header.Get("ETag")})
	wantStatus(t, again, http.StatusNoContent, "PUT If-Match current: a new version")
	if again.Header.Get("ETag") == put.Header.Get("ETag") {
		t.Error("a new version kept its ETag")
	}
	// DELETE goes to the trash, where the API finds it.
	wantStatus(t, lea.davDo("DELETE", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", nil, nil), http.StatusNoContent, "DELETE")
	wantStatus(t, lea.davDo("GET", davHome+"Secret/journal%20%C3%A9t%C3%A9.txt", nil, nil), http.StatusNotFound, "GET after DELETE")
	if trash := lea.get("/api/v1/trash"); !strings.Contains(string(trash.body), "journal été.txt") {
		t.Errorf("the trash lacks the deleted file: %s", trash.body)
	}

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
	// The failures left, and why (README, WebDAV): one exclusive lock per item.
	known := map[string]bool{"lock_shared": true}
	var names []string
	for _, f := range failed {
		if !known[f[1]] {
			names = append(names, f[1])
		}
	}
	if len(names) > 0 || !strings.Contains(string(out), "summary for `http'") {
		t.Errorf("litmus failures: %v (%v)", names, err)
	}
}

// appPassword creates an app password for u, or skips the test where app
// passwords are not served yet.
func (u *user) appPassword(name string) (login, password string) {
	u.t.Helper()
	r := u.sendJSON(http.MethodPost, "/api/v1/me/app-passwords", map[string]string{"name": name}, nil)
	if r.StatusCode == http.StatusNotFound {
		u.t.Skip("app passwords are not served on this branch yet")
	}
	wantStatus(u.t, r, http.StatusCreated, "create app password")
	var created struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	r.json(u.t, &created)
	return created.Username, created.Password
}

// TestDAVAppPasswords: WebDAV clients sign in with Basic and an app password;
// the litmus suite runs so, without the proxy; another pupil's app password gets
// 404 on the first one's paths; a wrong password is 401 asking for Basic.
func TestDAVAppPasswords(t *testing.T) {
	in := start(t)
	lea, hugo := in.as("eleve.6a.01"), in.as("eleve.6a.02")
	login, password := lea.appPassword("litmus")
	hugoLogin, hugoPassword := hugo.appPassword("Fichiers")
	basic := func(login, password, method, path string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, in.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(login, password)
		req.Header.Set("Depth", "0")
		res, err := in.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	wantStatus(t, lea.davDo("PUT", davHome+"priv%C3%A9.txt", []byte("à moi"), nil), http.StatusCreated, "PUT")
	if res := basic(login, password, "PROPFIND", davHome+"priv%C3%A9.txt"); res.StatusCode != http.StatusMultiStatus {
		t.Errorf("PROPFIND with Léa's app password: %d", res.StatusCode)
	}
	for _, m := range []string{"GET", "PROPFIND", "DELETE"} {
		if res := basic(hugoLogin, hugoPassword, m, davHome+"priv%C3%A9.txt"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s of Léa's file with Hugo's app password: %d, want 404", m, res.StatusCode)
		}
	}
	res := basic(login, password+"x", "PROPFIND", "/dav/")
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("a wrong password: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	bin, err := exec.LookPath("litmus")
	if err != nil {
		t.Skip("litmus is not installed")
	}
	cmd := exec.Command(bin, "-k", in.url+davHome, login, password)
	cmd.Env = append(os.Environ(), "TESTS=basic copymove props locks http")
	cmd.Dir = t.TempDir()
	out, _ := cmd.CombinedOutput()
	if n := strings.Count(string(out), "FAIL"); n > 1 || !strings.Contains(string(out), "lock_shared") || !strings.Contains(string(out), "summary for `http'") {
		t.Errorf("litmus with an app password:\n%s", out)
	}
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestDAVRights: a viewer of a shared folder reads it under "Partagés avec moi" and
// cannot write; a file an office editor locked (WOPI, through workspace.Lock)
// refuses a WebDAV PUT with 423, as does a WebDAV lock to a write without its token;
// a full quota refuses a PUT with 507 before its body is sent.
func TestDAVRights(t *testing.T) {
	in := start(t)
	prof, lea, svc := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("service.provisioning")

	folder := prof.mkdir(prof.home(), "Corrigés")
	prof.mustUpload(folder.ID, "corrigé 1.txt", []byte("réponses"))
	wantStatus(t, prof.shareWith(folder.ID, map[string]any{"kind": "user", "id": lea.id}, "viewer", nil), http.StatusCreated, "share")
	shared := "/dav/" + escapePath(dav.SharedFolderName) + "/Corrig%C3%A9s/"
	list := lea.davDo("PROPFIND", shared, nil, map[string]string{"Depth": "1"})
	wantStatus(t, list, http.StatusMultiStatus, "PROPFIND shared folder")
	if !strings.Contains(string(list.body), "corrig%C3%A9%201.txt") {
		t.Errorf("the shared folder does not list its file: %s", list.body)
	}
	wantStatus(t, lea.davDo("GET", shared+"corrig%C3%A9%201.txt", nil, nil), http.StatusOK, "viewer GET")
	wantStatus(t, lea.davDo("PUT", shared+"corrig%C3%A9%201.txt", []byte("x"), nil), http.StatusForbidden, "viewer PUT over")
	wantStatus(t, lea.davDo("PUT", shared+"mien.txt", []byte("x"), nil), http.StatusForbidden, "viewer PUT new")
	wantStatus(t, lea.davDo("DELETE", shared+"corrig%C3%A9%201.txt", nil, nil), http.StatusForbidden, "viewer DELETE")
	wantStatus(t, lea.davDo("MKCOL", shared+"sub", nil, nil), http.StatusForbidden, "viewer MKCOL")
	wantStatus(t, lea.davDo("MOVE", shared+"corrig%C3%A9%201.txt", nil, map[string]string{"Destination": in.url + davHome + "vol.txt"}),
		http.StatusForbidden, "viewer MOVE out")
	wantStatus(t, lea.davDo("COPY", shared+"corrig%C3%A9%201.txt", nil, map[string]string{"Destination": in.url + davHome + "copie.txt"}),
		http.StatusCreated, "viewer COPY to her space")
	wantStatus(t, lea.davDo("COPY", shared+"corrig%C3%A9%201.txt", nil, map[string]string{"Destination": "http://elsewhere.example" + davHome + "x.txt"}),
		http.StatusBadGateway, "COPY to another server")

	// A WOPI lock, taken as the office editor takes it.
	doc := lea.mustUpload(lea.home(), "exposé.odt", []byte("v1"))
	ctx := t.Context()
	who, err := directory.LoadCaller(ctx, in.app.pool, lea.id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.app.workspace.Lock(ctx, who, uuid.MustParse(doc.ID), lock.Request{Token: "wopi-session-1", Protocol: lock.WOPI, App: "Collabora Online", TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, lea.davDo("PUT", davHome+"expos%C3%A9.odt", []byte("v2"), nil), http.StatusLocked, "PUT over a WOPI lock")
	wantStatus(t, lea.davDo("PUT", davHome+"expos%C3%A9.odt", []byte("v2"), map[string]string{"If": "(<wopi-session-1>)"}),
		http.StatusLocked, "PUT presenting a WOPI token it was never shown")
	disc := lea.davDo("PROPFIND", davHome+"expos%C3%A9.odt", nil, map[string]string{"Depth": "0"})
	if strings.Contains(string(disc.body), "wopi-session-1") {
		t.Errorf("lockdiscovery shows the WOPI token: %s", disc.body)
	}

	// A WebDAV lock: its owner writes with its token, no one writes without.
	wantStatus(t, lea.davDo("PUT", davHome+"notes.txt", []byte("a"), nil), http.StatusCreated, "PUT notes")
	lk := lea.davDo("LOCK", davHome+"notes.txt", []byte(`<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>Léa</D:owner></D:lockinfo>`),
		map[string]string{"Timeout": "Second-600"})
	wantStatus(t, lk, http.StatusOK, "LOCK")
	token := lk.Header.Get("Lock-Token")
	if !strings.HasPrefix(token, "<opaquelocktoken:") {
		t.Fatalf("Lock-Token = %q", token)
	}
	wantStatus(t, lea.davDo("PUT", davHome+"notes.txt", []byte("b"), nil), http.StatusLocked, "PUT without the token")
	wantStatus(t, lea.davDo("PUT", davHome+"notes.txt", []byte("b"), map[string]string{"If": "(" + token + ")"}), http.StatusNoContent, "PUT with the token")
	api := lea.do(http.MethodPut, itemPath(lea.childID(lea.home(), "notes.txt"), "/content"), strings.NewReader("c"), nil)
	wantProblem(t, api, http.StatusLocked, "locked", "API upload over a WebDAV lock")
	wantStatus(t, lea.davDo("UNLOCK", davHome+"notes.txt", nil, map[string]string{"Lock-Token": token}), http.StatusNoContent, "UNLOCK")

	// A full quota: refused from Content-Length, before any byte of the body.
	setLimit(t, svc, "users/"+lea.id, 1*mib)
	body := &countingReader{r: bytes.NewReader(make([]byte, 8*mib))}
	req, err := http.NewRequest("PUT", in.url+davHome+"gros.bin", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 8 * mib
	req.Header.Set("Authorization", "Bearer "+lea.token)
	req.Header.Set("Expect", "100-continue")
	res, err := in.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInsufficientStorage {
		t.Errorf("PUT over quota: %d, want 507", res.StatusCode)
	}
	if body.n.Load() != 0 {
		t.Errorf("the server read %d bytes of a PUT it refused", body.n.Load())
	}
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// childID is the id of the child of a folder bearing name, through the API.
func (u *user) childID(folder, name string) string {
	u.t.Helper()
	var page struct {
		Items []apiItem `json:"items"`
	}
	u.get(itemPath(folder, "/children?limit=1000")).json(u.t, &page)
	for _, it := range page.Items {
		if it.Name == name {
			return it.ID
		}
	}
	u.t.Fatalf("no %q in %s", name, folder)
	return ""
}

func escapePath(name string) string { return strings.ReplaceAll(url.PathEscape(name), "+", "%2B") }

// TestDAVRclone: rclone (its webdav backend, vendor "other") syncs a 1,000-file
// tree up and down with every file's SHA-256 the same both ways, and a second run
// of each sync transfers nothing.
func TestDAVRclone(t *testing.T) {
	bin, err := exec.LookPath("rclone")
	if err != nil {
		t.Skip("rclone is not installed (apt-get install rclone)")
	}
	in := start(t)
	lea := in.as("eleve.6a.01")
	endpoint := lea.davProxy() + davHome
	up := t.TempDir()
	want := map[string]string{}
	for i := range 1000 {
		rel := filepath.Join(fmt.Sprintf("dossier %02d", i%10), fmt.Sprintf("fichier é %03d.txt", i))
		data := bytes.Repeat([]byte(fmt.Sprintf("contenu %d\n", i)), i%37)
		if err := os.MkdirAll(filepath.Join(up, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(up, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[filepath.ToSlash(rel)] = sha(data)
	}
	rclone := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--config", "/dev/null", "--transfers", "4", "--checkers", "4", "-v"}, args...)...)
		cmd.Env = append(os.Environ(), "RCLONE_CONFIG_CART_TYPE=webdav", "RCLONE_CONFIG_CART_URL="+endpoint, "RCLONE_CONFIG_CART_VENDOR=other")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("rclone %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	rclone("sync", up, "cart:arbre")
	down := t.TempDir()
	rclone("sync", "cart:arbre", down)
	got := map[string]string{}
	err = filepath.WalkDir(down, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(down, p)
		got[filepath.ToSlash(rel)] = sha(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d files came back, want %d", len(got), len(want))
	}
	for rel, h := range want {
		if got[rel] != h {
			t.Errorf("%s: SHA-256 %s after the round trip, want %s", rel, got[rel], h)
		}
	}
	for _, args := range [][]string{{"sync", up, "cart:arbre"}, {"sync", "cart:arbre", down}} {
		if out := rclone(args...); strings.Contains(out, ": Copied") || strings.Contains(out, ": Deleted") {
			t.Errorf("re-run of rclone %v transferred:\n%s", args, out)
		}
	}
	// A change made on the server side comes down, and only it.
	wantStatus(t, lea.davDo("PUT", davHome+"arbre/dossier%2003/nouveau.txt", []byte("nouveau"), nil), http.StatusCreated, "PUT beside rclone")
	out := rclone("sync", "cart:arbre", down)
	if n := strings.Count(out, ": Copied"); n != 1 {
		t.Errorf("sync after one new file copied %d files:\n%s", n, out)
	}
}

// TestDAVDavfs2 mounts "Mes documents" with davfs2 (a kernel file system over
// WebDAV, through FUSE), writes files through the mount, and reads them back
// after a fresh mount with the same SHA-256; the API sees the same bytes.
func TestDAVDavfs2(t *testing.T) {
	bin, err := exec.LookPath("mount.davfs")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("davfs2 is not installed, or this is not root")
	}
	in := start(t)
	lea := in.as("eleve.6a.01")
	endpoint := lea.davProxy() + "/dav/Mes documents/" // davfs2 escapes the URL it is given
	// davfs2 drops to its own user, which must reach its cache.
	dir, err := os.MkdirTemp("", "dav-davfs2-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "davfs2.conf")
	secrets := filepath.Join(dir, "secrets")
	mnt := filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, []byte(`"`+endpoint+`" lea unused`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("secrets "+secrets+"\ncache_dir "+filepath.Join(dir, "cache")+"\nask_auth 0\nuse_locks 1\ndelay_upload 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mount := func() {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, "cache"), 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, "cache"), 0o777)
		if out, err := exec.Command(bin, endpoint, mnt, "-o", "conf="+conf).CombinedOutput(); err != nil {
			t.Skipf("davfs2 cannot mount here: %v\n%s", err, out)
		}
	}
	umount := func() {
		t.Helper()
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Fatalf("umount: %v\n%s", err, out)
		}
	}
	mount()
	want := map[string]string{}
	if err := os.MkdirAll(filepath.Join(mnt, "davfs", "sous-dossier"), 0o755); err != nil {
		umount()
		t.Fatal(err)
	}
	for i := range 20 {
		rel := fmt.Sprintf("davfs/sous-dossier/fichier %02d é.bin", i)
		data := bytes.Repeat([]byte{byte(i)}, 1000*i+1)
		if err := os.WriteFile(filepath.Join(mnt, rel), data, 0o644); err != nil {
			umount()
			t.Fatal(err)
		}
		want[rel] = sha(data)
	}
	umount() // davfs2 uploads what is left in its cache when it unmounts
	for rel, h := range want {
		r := lea.davDo("GET", davHome+escapePath("davfs")+"/"+escapePath("sous-dossier")+"/"+escapePath(filepath.Base(rel)), nil, nil)
		if r.StatusCode != http.StatusOK || sha(r.body) != h {
			t.Errorf("%s through HTTP: %d, SHA-256 %s, want %s", rel, r.StatusCode, sha(r.body), h)
		}
	}
	os.RemoveAll(filepath.Join(dir, "cache"))
	mount()
	defer umount()
	for rel, h := range want {
		b, err := os.ReadFile(filepath.Join(mnt, rel))
		if err != nil || sha(b) != h {
			t.Errorf("%s through a fresh mount: %v, SHA-256 %s, want %s", rel, err, sha(b), h)
		}
	}
}
