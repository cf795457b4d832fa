package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cartable/wopi"
)

// officeServer plays the office server (Collabora Online or OnlyOffice) in tests: it
// serves a discovery with RSA proof keys it generated, and signs the WOPI calls it
// makes with them.
type officeServer struct {
	srv      *httptest.Server
	key, old *rsa.PrivateKey
	// onlyOffice lists editnew actions and urlsrc placeholders, as OnlyOffice and
	// Microsoft do; Collabora does neither.
	onlyOffice bool
	reads      atomic.Int64
	// opened receives what the editor's page showed each time a browser posted the
	// form to it (tests of the web app).
	opened chan string
}

var officeKeys struct {
	once     sync.Once
	key, old *rsa.PrivateKey
}

// newOfficeServer starts an office server for one test.
func newOfficeServer(t *testing.T, onlyOffice bool) *officeServer {
	t.Helper()
	officeKeys.once.Do(func() {
		var err error
		if officeKeys.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if officeKeys.old, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	o := &officeServer{key: officeKeys.key, old: officeKeys.old, onlyOffice: onlyOffice, opened: make(chan string, 16)}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/browser/cool.html" && r.Method == http.MethodPost {
			o.editorPage(w, r)
			return
		}
		if r.URL.Path != "/hosting/discovery" {
			http.NotFound(w, r)
			return
		}
		o.reads.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, o.discovery())
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *officeServer) discoveryURL() string { return o.srv.URL + "/hosting/discovery" }

func b64(n *big.Int) string { return base64.StdEncoding.EncodeToString(n.Bytes()) }

func (o *officeServer) discovery() string {
	var apps strings.Builder
	page := o.srv.URL + "/browser/cool.html?"
	if o.onlyOffice {
		page = o.srv.URL + "/hosting/wopi/word/edit?<ui=UI_LLCC&><rs=DC_LLCC&><dchat=DISABLE_CHAT&><embed=EMBEDDED&>"
	}
	// The discovery is XML: its urlsrc placeholders come escaped (&lt;ui=UI_LLCC&amp;&gt;).
	page = html.EscapeString(page)
	for app, exts := range map[string][]string{"writer": {"odt", "docx"}, "calc": {"ods", "xlsx"}, "impress": {"odp", "pptx"}} {
		fmt.Fprintf(&apps, `<app name="%s">`, app)
		for _, ext := range exts {
			fmt.Fprintf(&apps, `<action name="view" ext="%s" urlsrc="%s"/><action name="edit" ext="%s" urlsrc="%s"/>`, ext, page, ext, page)
			if o.onlyOffice {
				fmt.Fprintf(&apps, `<action name="editnew" ext="%s" urlsrc="%s"/>`, ext, page)
			}
		}
		apps.WriteString(`</app>`)
	}
	fmt.Fprintf(&apps, `<app name="application/pdf"><action name="view" ext="pdf" urlsrc="%s"/></app>`, page)
	fmt.Fprintf(&apps, `<app name="application/vnd.oasis.opendocument.text"><action name="edit" ext="" urlsrc="%s"/></app>`, page)
	e := big.NewInt(int64(o.key.E))
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<wopi-discovery><net-zone name="external-http">%s</net-zone>
<proof-key oldvalue="" oldmodulus="%s" oldexponent="%s" value="" modulus="%s" exponent="%s"/></wopi-discovery>`,
		apps.String(), b64(o.old.N), b64(e), b64(o.key.N), b64(e))
}

// editor is what the open route answered.
type editor struct {
	ItemID      string `json:"item_id"`
	ActionURL   string `json:"action_url"`
	AccessToken string `json:"access_token"`
	TTL         int64  `json:"access_token_ttl"`
	Mode        string `json:"mode"`
	Action      string `json:"action"`
	App         string `json:"app"`
}

// openInOffice asks the open route how u opens a file.
func (u *user) openInOffice(id string) (editor, response) {
	u.t.Helper()
	r := u.do(http.MethodPost, itemPath(id, "/office"), nil, nil)
	var e editor
	if r.StatusCode == http.StatusOK {
		r.json(u.t, &e)
	}
	return e, r
}

// mustOpen opens a file in the office editor, or fails the test.
func (u *user) mustOpen(o *officeServer, id string) *wopiSession {
	u.t.Helper()
	e, r := u.openInOffice(id)
	wantStatus(u.t, r, http.StatusOK, u.id+" opens "+id+" in the office editor")
	return &wopiSession{t: u.t, in: u.instance, office: o, fileID: id, token: e.AccessToken, editor: e}
}

// wopiSession is the office server's side of one user's editing session: it calls
// /wopi/files/{id} with the user's access token, signed with the office's keys.
type wopiSession struct {
	t      *testing.T
	in     *instance
	office *officeServer
	fileID string
	token  string
	editor editor
	// sign changes how a call is signed (tests of proofs); nil signs it right.
	sign func(req *http.Request, token, fullURL string)
}

// call makes one WOPI call.
func (w *wopiSession) call(method, path string, header map[string]string, body []byte) response {
	w.t.Helper()
	full := w.in.url + "/wopi/files/" + w.fileID + path + "?access_token=" + url.QueryEscape(w.token)
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, full, reader)
	if err != nil {
		w.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if w.sign != nil {
		w.sign(req, w.token, full)
	} else {
		signWOPI(req, w.office, w.token, full, time.Now())
	}
	res, err := w.in.http.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return response{Response: res, body: b}
}

// signWOPI signs a request as the office server does: X-WOPI-Proof with its current
// key, X-WOPI-ProofOld with its old one.
func signWOPI(req *http.Request, o *officeServer, token, fullURL string, at time.Time) {
	ticks := wopi.Ticks(at)
	req.Header.Set("X-WOPI-TimeStamp", fmt.Sprint(ticks))
	req.Header.Set("X-WOPI-Proof", proofWith(o.key, token, fullURL, ticks))
	req.Header.Set("X-WOPI-ProofOld", proofWith(o.old, token, fullURL, ticks))
}

func proofWith(key *rsa.PrivateKey, token, fullURL string, ticks int64) string {
	sum := sha256.Sum256(wopi.ProofBytes(token, fullURL, ticks))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// The WOPI operations, as the office servers call them.

func (w *wopiSession) checkFileInfo() map[string]any {
	w.t.Helper()
	r := w.call(http.MethodGet, "", nil, nil)
	wantStatus(w.t, r, http.StatusOK, "CheckFileInfo")
	var info map[string]any
	r.json(w.t, &info)
	return info
}

func (w *wopiSession) op(override string, header map[string]string) response {
	w.t.Helper()
	h := map[string]string{"X-WOPI-Override": override}
	for k, v := range header {
		h[k] = v
	}
	return w.call(http.MethodPost, "", h, nil)
}

func (w *wopiSession) lock(id string) response {
	w.t.Helper()
	return w.op("LOCK", map[string]string{"X-WOPI-Lock": id})
}

func (w *wopiSession) getFile() response {
	w.t.Helper()
	return w.call(http.MethodGet, "/contents", nil, nil)
}

func (w *wopiSession) putFile(lockID string, data []byte) response {
	w.t.Helper()
	h := map[string]string{"X-WOPI-Override": "PUT"}
	if lockID != "" {
		h["X-WOPI-Lock"] = lockID
	}
	return w.call(http.MethodPost, "/contents", h, data)
}

// wantWOPI checks a WOPI answer's status and, when want has it, X-WOPI-Lock.
func wantWOPI(t *testing.T, r response, status int, lockHeader *string, what string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s: status %d, want %d (%s)", what, r.StatusCode, status, r.body)
	}
	if lockHeader == nil {
		return
	}
	got, present := r.Header["X-Wopi-Lock"]
	if !present || len(got) != 1 || got[0] != *lockHeader {
		t.Fatalf("%s: X-WOPI-Lock %q (present %v), want %q", what, got, present, *lockHeader)
	}
}

func ptr[T any](v T) *T { return &v }

// editorPage is the office editor's page a browser posts the form to: like the
// real one, it calls CheckFileInfo with the token posted, and shows the file.
func (o *officeServer) editorPage(w http.ResponseWriter, r *http.Request) {
	token, src := r.PostFormValue("access_token"), r.URL.Query().Get("WOPISrc")
	full := src + "?access_token=" + url.QueryEscape(token)
	req, _ := http.NewRequest(http.MethodGet, full, nil)
	signWOPI(req, o, token, full, time.Now())
	shown := "CheckFileInfo refusé"
	if res, err := http.DefaultClient.Do(req); err == nil {
		var info struct {
			BaseFileName, UserFriendlyName string
			UserCanWrite                   bool
		}
		if res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(&info) == nil {
			mode := "lecture seule"
			if info.UserCanWrite {
				mode = "modification"
			}
			shown = fmt.Sprintf("%s — %s — %s", info.BaseFileName, info.UserFriendlyName, mode)
		}
		res.Body.Close()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="fr"><title>Éditeur</title><body style="font-family:sans-serif;background:#eef3fb">
<div style="padding:8px;background:#2a6ebb;color:#fff">Éditeur en ligne (factice)</div><h1 id="doc">%s</h1>
<p style="margin:2em;height:60vh;background:#fff;border:1px solid #ccc"></p></body></html>`, html.EscapeString(shown))
	select {
	case o.opened <- shown:
	default:
	}
}
