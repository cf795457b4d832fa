// Package auth verifies the Bearer tokens of API calls: JWTs signed by the ENT's
// OIDC issuer, whose keys it finds through OIDC discovery and the issuer's JWKS, and
// in dev mode by a built-in issuer that mints tokens for seeded users. It returns
// who the token names and what scopes it carries; it knows nothing of the
// directory or of HTTP routing.
//
// # Configuration
//
// The issuer URL, an optional audience, and the claims mapping: which claim holds
// the ENT user id (a dotted path reads nested claims) and which holds the scopes.
//
// # Considerations
//
// Only asymmetric algorithms are accepted (RS256, PS256, ES256 and their larger
// variants, EdDSA), so neither "none" nor an HMAC keyed with a public key can pass. Keys
// are looked up by kid; an unknown kid refetches the JWKS, at most every 30 seconds,
// so the issuer can rotate keys without a restart.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"cartable"
)

// ScopeAdmin is the scope of provisioning service tokens.
const ScopeAdmin = "cartable:admin"

// Config of the token verifier.
type Config struct {
	// Issuer is the OIDC issuer URL; empty when only the dev issuer is used.
	Issuer string
	// Audience is the expected "aud"; empty: not checked.
	Audience string
	// UserClaim holds the ENT user id, "sub" by default; "ent.login" reads a nested claim.
	UserClaim string
	// ScopeClaim holds the scopes, "scope" by default (a space-separated string, or an array).
	ScopeClaim string
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
}

// Token is a verified token.
type Token struct {
	Subject string
	Scopes  []string
	Issuer  string
	Expiry  time.Time
}

// HasScope reports whether the token carries the scope.
func (t Token) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

// KeySource gives the verification keys of one issuer.
type KeySource interface {
	// IssuerURL is the "iss" of the tokens the source's keys sign.
	IssuerURL() string
	// Key returns the public key with the kid.
	Key(ctx context.Context, kid string) (*jose.JSONWebKey, error)
}

// Verifier checks tokens against the keys of the issuers it trusts.
type Verifier struct {
	cfg     Config
	sources map[string]KeySource
}

// acceptedAlgorithms are the signature algorithms a token may use.
var acceptedAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// NewVerifier trusts the configured issuer (when set), whose keys it discovers
// lazily so that the service can start while the issuer is briefly down, and any
// extra key sources (the dev issuer).
func NewVerifier(ctx context.Context, cfg Config, client *http.Client, extra ...KeySource) (*Verifier, error) {
	if cfg.UserClaim == "" {
		cfg.UserClaim = "sub"
	}
	if cfg.ScopeClaim == "" {
		cfg.ScopeClaim = "scope"
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	v := &Verifier{cfg: cfg, sources: map[string]KeySource{}}
	if cfg.Issuer != "" {
		v.sources[cfg.Issuer] = newRemoteKeys(cfg.Issuer, client)
	}
	for _, src := range extra {
		v.sources[src.IssuerURL()] = src
	}
	if len(v.sources) == 0 {
		return nil, errors.New("auth: no token issuer configured")
	}
	return v, nil
}

// CheckIssuers tells whether the configured OIDC issuer answers (its discovery
// document and its keys), for readiness reports. The dev issuer always does.
func (v *Verifier) CheckIssuers(ctx context.Context) error {
	for _, src := range v.sources {
		if remote, ok := src.(interface{ Check(context.Context) error }); ok {
			if err := remote.Check(ctx); err != nil {
				return fmt.Errorf("issuer %s: %w", src.IssuerURL(), err)
			}
		}
	}
	return nil
}

func unauthorized(detail string) error {
	return cartable.Errorf(cartable.EUnauthorized, "%s", detail)
}

// Verify checks a raw token's signature, issuer, audience and times, and reads the
// user id and scopes through the claims mapping.
func (v *Verifier) Verify(ctx context.Context, raw string) (Token, error) {
	tok, err := jwt.ParseSigned(raw, acceptedAlgorithms)
	if err != nil || len(tok.Headers) != 1 {
		return Token{}, unauthorized("the token is not a signed JWT with an accepted algorithm")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return Token{}, unauthorized("the token's claims are malformed")
	}
	// The unverified issuer only picks which keys to check the signature with.
	src, ok := v.sources[unverified.Issuer]
	if !ok {
		return Token{}, unauthorized("the token's issuer is not trusted")
	}
	key, err := src.Key(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return Token{}, fmt.Errorf("%w (%v)", unauthorized("the token's signing key is unknown"), err)
	}
	var std jwt.Claims
	var all map[string]any
	if err := tok.Claims(key, &std, &all); err != nil {
		return Token{}, unauthorized("the token's signature is invalid")
	}
	if err := v.validateClaims(std); err != nil {
		return Token{}, err
	}
	return v.token(std, all)
}

func (v *Verifier) validateClaims(std jwt.Claims) error {
	if std.Expiry == nil {
		return unauthorized("the token has no expiry")
	}
	expected := jwt.Expected{Issuer: std.Issuer, Time: time.Now()}
	if v.cfg.Audience != "" {
		expected.AnyAudience = jwt.Audience{v.cfg.Audience}
	}
	err := std.ValidateWithLeeway(expected, v.cfg.Leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return unauthorized("the token has expired")
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return unauthorized("the token is not valid yet")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return unauthorized("the token is for another audience")
	case err != nil:
		return unauthorized("the token's claims are invalid")
	}
	return nil
}

// token applies the claims mapping.
func (v *Verifier) token(std jwt.Claims, all map[string]any) (Token, error) {
	subject, _ := lookup(all, v.cfg.UserClaim).(string)
	if subject == "" {
		return Token{}, unauthorized("the token names no user (claim " + v.cfg.UserClaim + ")")
	}
	t := Token{Subject: subject, Issuer: std.Issuer, Expiry: std.Expiry.Time()}
	t.Scopes = scopes(lookup(all, v.cfg.ScopeClaim))
	if len(t.Scopes) == 0 && v.cfg.ScopeClaim == "scope" {
		t.Scopes = scopes(all["scp"])
	}
	return t, nil
}

// lookup reads a dotted path ("ent.login") in nested claims.
func lookup(claims map[string]any, path string) any {
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// scopes reads a space-separated string or an array of strings.
func scopes(v any) []string {
	switch s := v.(type) {
	case string:
		return strings.Fields(s)
	case []any:
		var out []string
		for _, e := range s {
			if str, ok := e.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}
