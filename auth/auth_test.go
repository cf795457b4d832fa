package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"cartable"
)

// fakeIssuer is an OIDC issuer over httptest: discovery and a JWKS it can rotate.
type fakeIssuer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys []jose.JSONWebKey // private keys; the JWKS serves their public halves
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	f := &fakeIssuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": f.srv.URL, "jwks_uri": f.srv.URL + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var set jose.JSONWebKeySet
		for _, k := range f.keys {
			set.Keys = append(set.Keys, k.Public())
		}
		json.NewEncoder(w).Encode(set)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) addKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	private, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k := jose.JSONWebKey{Key: private, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}
	f.mu.Lock()
	f.keys = append(f.keys, k)
	f.mu.Unlock()
	return k
}

func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestVerify(t *testing.T) {
	iss := newFakeIssuer(t)
	good := iss.addKey(t, "k1")
	now := time.Now()
	base := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": iss.srv.URL, "sub": "prof.martin", "aud": "cartable",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "scope": "openid cartable:admin",
			"ent": map[string]any{"login": "eleve.6a.01"}}
		if mod != nil {
			mod(c)
		}
		return c
	}
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := json.Marshal(good.Public())

	tests := []struct {
		name      string
		token     string
		userClaim string
		wantSub   string
		wantScope string
	}{
		{"valid", sign(t, jose.RS256, good.Key, "k1", base(nil)), "", "prof.martin", ScopeAdmin},
		{"dotted claim mapping", sign(t, jose.RS256, good.Key, "k1", base(nil)), "ent.login", "eleve.6a.01", ""},
		{"scp array", sign(t, jose.RS256, good.Key, "k1", base(func(c map[string]any) { delete(c, "scope"); c["scp"] = []string{ScopeAdmin} })), "", "prof.martin", ScopeAdmin},
		{"expired", sign(t, jose.RS256, good.Key, "k1", base(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() })), "", "", ""},
		{"no expiry", sign(t, jose.RS256, good.Key, "k1", base(func(c map[string]any) { delete(c, "exp") })), "", "", ""},
		{"not yet valid", sign(t, jose.RS256, good.Key, "k1", base(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() })), "", "", ""},
		{"wrong issuer", sign(t, jose.RS256, good.Key, "k1", base(func(c map[string]any) { c["iss"] = "https://evil.example" })), "", "", ""},
		{"wrong audience", sign(t, jose.RS256, good.Key, "k1", base(func(c map[string]any) { c["aud"] = "other" })), "", "", ""},
		{"signed by another key, same kid", sign(t, jose.RS256, stranger, "k1", base(nil)), "", "", ""},
		{"unknown kid", sign(t, jose.ES256, ecKey, "k9", base(nil)), "", "", ""},
		{"HS256 keyed with the public key", sign(t, jose.HS256, pub, "k1", base(nil)), "", "", ""},
		{"alg none", unsignedToken(base(nil)), "", "", ""},
		{"missing subject", sign(t, jose.RS256, good.Key, "k1", base(func(c map[string]any) { delete(c, "sub") })), "", "", ""},
		{"garbage", "not.a.token", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(context.Background(), Config{Issuer: iss.srv.URL, Audience: "cartable", UserClaim: tt.userClaim}, nil)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := v.Verify(context.Background(), tt.token)
			if tt.wantSub == "" {
				if !cartable.IsCode(err, cartable.EUnauthorized) {
					t.Fatalf("Verify = %+v, %v; want unauthorized", tok, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tok.Subject != tt.wantSub {
				t.Errorf("subject = %q, want %q", tok.Subject, tt.wantSub)
			}
			if tt.wantScope != "" && !tok.HasScope(tt.wantScope) {
				t.Errorf("scopes = %v, want %s", tok.Scopes, tt.wantScope)
			}
		})
	}
}

func unsignedToken(claims map[string]any) string {
	header := `{"alg":"none","typ":"JWT","kid":"k1"}`
	body, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc(body) + "."
}

func TestKeyRotation(t *testing.T) {
	iss := newFakeIssuer(t)
	first := iss.addKey(t, "k1")
	v, err := NewVerifier(context.Background(), Config{Issuer: iss.srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"iss": iss.srv.URL, "sub": "u", "exp": time.Now().Add(time.Hour).Unix()}
	if _, err := v.Verify(context.Background(), sign(t, jose.RS256, first.Key, "k1", claims)); err != nil {
		t.Fatalf("first key: %v", err)
	}
	// The issuer rotates: a token with the new kid is accepted once the refresh
	// interval has passed (forced here by ageing the cache).
	second := iss.addKey(t, "k2")
	v.sources[iss.srv.URL].(*remoteKeys).fetchedAt = time.Time{}
	if _, err := v.Verify(context.Background(), sign(t, jose.RS256, second.Key, "k2", claims)); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
}

func TestDevIssuerRoundTrip(t *testing.T) {
	dev, err := NewDevIssuer("http://localhost:8080/dev/oidc", "", "secret")
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(context.Background(), Config{}, nil, dev)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := dev.Mint("service.provisioning", []string{ScopeAdmin}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := v.Verify(context.Background(), raw)
	if err != nil || tok.Subject != "service.provisioning" || !tok.HasScope(ScopeAdmin) {
		t.Fatalf("Verify = %+v, %v", tok, err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(dev.JWKS(), &set); err != nil || len(set.Keys) != 1 || !set.Keys[0].IsPublic() {
		t.Fatalf("JWKS = %s (%v)", dev.JWKS(), err)
	}
	// A second node with the same secret accepts the first one's tokens.
	twin, _ := NewDevIssuer("http://localhost:8080/dev/oidc", "", "secret")
	v2, _ := NewVerifier(context.Background(), Config{}, nil, twin)
	if _, err := v2.Verify(context.Background(), raw); err != nil {
		t.Errorf("a node with the same dev secret refuses the token: %v", err)
	}
	// A dev issuer with another secret (another key) is refused.
	other, _ := NewDevIssuer("http://localhost:8080/dev/oidc", "", "other")
	forged, _ := other.Mint("prof.martin", nil, time.Minute)
	if _, err := v.Verify(context.Background(), forged); !cartable.IsCode(err, cartable.EUnauthorized) {
		t.Errorf("a token from another dev key: %v, want unauthorized", err)
	}
}

// TestCheckIssuers: a readiness report says whether the issuer answers.
func TestCheckIssuers(t *testing.T) {
	f := newFakeIssuer(t)
	f.addKey(t, "k1")
	v, err := NewVerifier(context.Background(), Config{Issuer: f.srv.URL, Audience: "cartable"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.CheckIssuers(context.Background()); err != nil {
		t.Errorf("a live issuer: %v", err)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	v, err = NewVerifier(context.Background(), Config{Issuer: dead.URL, Audience: "cartable"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.CheckIssuers(context.Background()); err == nil {
		t.Error("a dead issuer answers")
	}
}
