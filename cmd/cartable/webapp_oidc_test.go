package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"cartable/auth"
)

// identityProvider is a small OpenID provider for the browser test: it signs
// prof.martin in at once (a real one shows its form), and checks what the app
// sends: the authorization code flow with PKCE (S256), state, nonce, the
// registered redirect URI and client id.
type identityProvider struct {
	t      *testing.T
	server *httptest.Server
	issuer *auth.DevIssuer
	app    string // the app's origin, for the redirect URI

	// interactive: without its session cookie, the provider shows a sign-in page
	// that refuses frames, or answers login_required to a silent request.
	interactive bool

	mu        sync.Mutex
	codes     map[string]url.Values // the authorization requests by code
	tokens    int
	loggedOut url.Values
}

func newIdentityProvider(t *testing.T) *identityProvider {
	p := &identityProvider{t: t, codes: map[string]url.Values{}}
	p.server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.server.Close)
	var err error
	if p.issuer, err = auth.NewDevIssuer(p.server.URL, "cartable", "test identity provider"); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *identityProvider) serve(w http.ResponseWriter, r *http.Request) {
	// The app reads discovery and posts to the token endpoint from its own origin.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		var doc map[string]any
		json.Unmarshal(p.issuer.DiscoveryDocument(), &doc)
		doc["authorization_endpoint"] = p.server.URL + "/authorize"
		doc["token_endpoint"] = p.server.URL + "/token"
		doc["end_session_endpoint"] = p.server.URL + "/logout"
		json.NewEncoder(w).Encode(doc)
	case "/jwks":
		w.Write(p.issuer.JWKS())
	case "/authorize":
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != "cartable" || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" || q.Get("redirect_uri") != p.app+"/auth/callback" ||
			!strings.Contains(q.Get("scope"), "openid") {
			p.t.Errorf("authorization request %v", q)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if _, err := r.Cookie("idp_session"); p.interactive && err != nil {
			p.needPerson(w, r, q)
			return
		}
		p.redirectWithCode(w, r, q)
	case "/login":
		// The person signed in on the provider's page: it remembers them.
		http.SetCookie(w, &http.Cookie{Name: "idp_session", Value: "prof.martin", Path: "/", HttpOnly: true})
		p.redirectWithCode(w, r, r.URL.Query())
	case "/token":
		p.token(w, r)
	case "/logout":
		p.mu.Lock()
		p.loggedOut = r.URL.Query()
		p.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>ENT</title><p id="bye">Vous êtes déconnecté de l'ENT.</p>`))
	default:
		http.NotFound(w, r)
	}
}

// redirectWithCode answers an authorization request with a code for prof.martin.
func (p *identityProvider) redirectWithCode(w http.ResponseWriter, r *http.Request, q url.Values) {
	code := "code-" + q.Get("state")
	p.mu.Lock()
	p.codes[code] = q
	p.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
}

// needPerson is what a provider without a session answers: login_required to a
// silent request, else its sign-in page, which no frame may show.
func (p *identityProvider) needPerson(w http.ResponseWriter, r *http.Request, q url.Values) {
	if q.Get("prompt") == "none" {
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"error": {"login_required"}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
		return
	}
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>ENT</title><h1>Connexion à l'ENT</h1><a id="login" href="/login?%s">Se connecter</a>`, html.EscapeString(q.Encode()))
}

// token redeems a code once, for the verifier that hashes to its challenge.
func (p *identityProvider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	asked, ok := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code"))
	p.tokens++
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("client_id") != "cartable" ||
		r.PostForm.Get("redirect_uri") != asked.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != asked.Get("code_challenge") {
		p.t.Errorf("token request %v for %v", r.PostForm, asked)
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	access, err := p.issuer.Mint("prof.martin", nil, 5*time.Minute)
	if err != nil {
		p.t.Fatal(err)
	}
	// The app reads the ID token's nonce only (it came straight from here).
	claims, _ := json.Marshal(map[string]any{"iss": p.server.URL, "aud": "cartable", "sub": "prof.martin", "nonce": asked.Get("nonce")})
	idToken := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(claims) + "."
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

// TestWebAppSignInWithOIDC: outside the demo users, the app signs in through the
// ENT's identity provider with the code flow and PKCE, keeps nothing of it in the
// browser, signs in again silently after a reload (back where it was), and leaves
// through the provider's logout.
func TestWebAppSignInWithOIDC(t *testing.T) {
	exe := chromiumPath(t)
	idp := newIdentityProvider(t)
	in := startWith(t, func(cfg *Config) { cfg.OIDCIssuer, cfg.OIDCAudience = idp.server.URL, "cartable" })
	idp.app = in.url
	b := newBrowser(t, exe)
	teacher := b.tab("prof.martin (SSO)")

	teacher.run("sign in through the ENT", chromedp.Navigate(in.url+"/"),
		chromedp.WaitVisible(`//header//span[@class="who" and normalize-space()="Claire Martin"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`))
	if left := js[string](teacher, "what the browser keeps", `JSON.stringify({local: localStorage.length, session: sessionStorage.length, cookies: document.cookie, url: location.pathname})`); !strings.Contains(left, `"local":0,"session":0,"cookies":""`) || strings.Contains(left, "callback") {
		t.Errorf("signed in, the browser keeps %s", left)
	}
	newFolder(teacher, "Par le SSO")
	teacher.run("open it", chromedp.Click(`//a[normalize-space()="Par le SSO"]`), chromedp.WaitVisible(`//h1[normalize-space()="Par le SSO"]`))
	folder := js[string](teacher, "where", `location.pathname`)

	// A reload forgets the token: the app asks the ENT again and comes back here.
	teacher.run("reload", chromedp.Reload(), chromedp.WaitVisible(`//h1[normalize-space()="Par le SSO"]`))
	if at := js[string](teacher, "where after the reload", `location.pathname`); at != folder {
		t.Errorf("after a reload the app is at %s, want %s", at, folder)
	}
	teacher.checkLog()

	teacher.run("log out", chromedp.Click(button("Se déconnecter")), chromedp.WaitVisible(chromedp.ID("bye")))

	// A callback the app did not start (a forged or replayed state) is refused
	// before any code is redeemed.
	teacher.run("a forged callback", chromedp.Navigate(in.url+"/auth/callback?code=code-forged&state=forged"),
		chromedp.WaitVisible(`//p[@role="alert" and normalize-space()="La connexion n'a pas abouti. Réessayez."]`))
	idp.mu.Lock()
	defer idp.mu.Unlock()
	if idp.tokens != 2 || idp.loggedOut.Get("client_id") != "cartable" || idp.loggedOut.Get("post_logout_redirect_uri") != in.url+"/" ||
		!strings.HasPrefix(idp.loggedOut.Get("id_token_hint"), "eyJ") {
		t.Errorf("%d tokens redeemed; logout with %v", idp.tokens, idp.loggedOut)
	}
}

// TestWebAppFramedSignIn: framed by the ENT portal, whose sign-in page refuses
// frames, the app asks the ENT silently, then offers a popup; the person signs in
// there, the popup closes by itself, and the framed app shows their documents.
func TestWebAppFramedSignIn(t *testing.T) {
	exe := chromiumPath(t)
	idp := newIdentityProvider(t)
	idp.interactive = true
	portal := httptest.NewServer(nil)
	t.Cleanup(portal.Close)
	in := startWith(t, func(cfg *Config) {
		cfg.OIDCIssuer, cfg.OIDCAudience = idp.server.URL, "cartable"
		cfg.FrameAncestors = portal.URL
	})
	idp.app = in.url
	portal.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="fr"><title>ENT</title><h1>Portail</h1>
			<iframe id="app" title="Mes documents" src="%s/" width="1100" height="700"></iframe>`, in.url)
	})
	b := newBrowser(t, exe)
	teacher := b.tab("prof.martin (portal)")

	teacher.run("open the portal", chromedp.Navigate(portal.URL+"/"), chromedp.WaitVisible(chromedp.CSS("iframe#app")))
	signIn := chromedp.CSS(`main.signin button.primary`)
	// The frame goes to the ENT and back before it settles on its sign-in page: its
	// document is the one that shows the button.
	inFrame := frameShowing(teacher, "the framed app offers the ENT's sign-in", "iframe#app", `main.signin button.primary`)
	if words := get(teacher, "its words", chromedp.Text(signIn, inFrame)); words != "Se connecter avec l'ENT" {
		t.Errorf("the framed sign-in button says %q", words)
	}
	teacher.screenshot("desktop-framed-sign-in")

	popup := chromedp.WaitNewTarget(teacher.ctx, func(info *target.Info) bool { return strings.HasPrefix(info.URL, idp.server.URL) })
	teacher.run("sign in", chromedp.Click(signIn, inFrame))
	popupCtx, cancel := chromedp.NewContext(teacher.ctx, chromedp.WithTargetID(<-popup))
	defer cancel()
	ctx, stop := context.WithTimeout(popupCtx, 45*time.Second)
	defer stop()
	if _, err := chromedp.Run(ctx, chromedp.Steps(chromedp.WaitVisible(chromedp.CSS(`#login`)), chromedp.Click(chromedp.CSS(`#login`)))); err != nil {
		t.Fatalf("sign in on the ENT's page in the popup: %v", err)
	}
	// The frame's document may be loaded again on the way (a slow machine sees the
	// ENT's redirect land after the popup's answer): it is found afresh.
	inFrame = frameShowing(teacher, "the framed app signed in", "iframe#app", `header .who`)
	teacher.run("the framed app shows the teacher's documents", chromedp.WaitVisible(chromedp.CSS(`header .who`), inFrame),
		chromedp.WaitVisible(chromedp.CSS(`main h1`), inFrame), chromedp.WaitVisible(chromedp.CSS(`main .empty`), inFrame))
	if who := get(teacher, "who", chromedp.Text(chromedp.CSS(`header .who`), inFrame)); who != "Claire Martin" {
		t.Errorf("the framed app is signed in as %q", who)
	}
	// The portal logs out: a log-out of the frame alone would be signed in again at once.
	if bar := get(teacher, "the top bar", chromedp.Text(chromedp.CSS(`header.topbar`), inFrame)); strings.Contains(bar, "Se déconnecter") {
		t.Errorf("the framed app offers to log out: %q", bar)
	}
	teacher.screenshot("desktop-framed-app")
	teacher.checkLog()
}

// frameShowing waits until the frame's current document shows an element, and
// answers the query option that reaches into that document. A frame that navigates
// replaces its document, and a query from the node of an old one waits forever:
// each try takes the frame's node afresh.
func frameShowing(tb *tab, what, frame, selector string) chromedp.QueryOption {
	tb.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		nodes := get(tb, what+": the frame", chromedp.Nodes(chromedp.CSS(frame)))
		in := chromedp.FromNode(nodes[0])
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		_, err := chromedp.Run(ctx, chromedp.WaitVisible(chromedp.CSS(selector), in))
		cancel()
		if err == nil {
			return in
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: %s never showed in %s: %v", what, selector, frame, err)
		}
	}
}
