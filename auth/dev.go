package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DevIssuer is the built-in token issuer of dev mode: a key made at start, tokens
// for any seeded user, and the discovery document and JWKS a real issuer publishes.
// It never runs outside dev mode.
type DevIssuer struct {
	issuer   string
	audience string
	key      jose.JSONWebKey
	signer   jose.Signer
}

// NewDevIssuer makes an issuer whose tokens carry iss=issuerURL (and aud, if set),
// signed with an Ed25519 key derived from secret: every dev node given the same
// secret and public URL accepts the others' tokens, as the nodes of a real ENT share
// their issuer.
func NewDevIssuer(issuerURL, audience, secret string) (*DevIssuer, error) {
	seed := sha256.Sum256([]byte("cartable dev issuer\x00" + secret))
	private := ed25519.NewKeyFromSeed(seed[:])
	kid := fmt.Sprintf("dev-%x", sha256.Sum256(private.Public().(ed25519.PublicKey)))[:16]
	key := jose.JSONWebKey{Key: private, KeyID: kid, Algorithm: string(jose.EdDSA), Use: "sig"}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("dev issuer signer: %w", err)
	}
	return &DevIssuer{issuer: strings.TrimSuffix(issuerURL, "/"), audience: audience, key: key, signer: signer}, nil
}

// IssuerURL is the issuer's "iss".
func (d *DevIssuer) IssuerURL() string { return d.issuer }

// Key returns the public key with the kid.
func (d *DevIssuer) Key(_ context.Context, kid string) (*jose.JSONWebKey, error) {
	if kid != d.key.KeyID {
		return nil, fmt.Errorf("no dev key %q", kid)
	}
	public := d.key.Public()
	return &public, nil
}

// Mint signs a token for the subject with the scopes, valid for ttl.
func (d *DevIssuer) Mint(subject string, scopes []string, ttl time.Duration) (string, error) {
	now := time.Now()
	claims := jwt.Claims{
		Issuer: d.issuer, Subject: subject,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(ttl)),
	}
	if d.audience != "" {
		claims.Audience = jwt.Audience{d.audience}
	}
	extra := map[string]any{}
	if len(scopes) > 0 {
		extra["scope"] = strings.Join(scopes, " ")
	}
	token, err := jwt.Signed(d.signer).Claims(claims).Claims(extra).Serialize()
	if err != nil {
		return "", fmt.Errorf("mint dev token: %w", err)
	}
	return token, nil
}

// JWKS is the public key set, as the issuer publishes it.
func (d *DevIssuer) JWKS() []byte {
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{d.key.Public()}})
	return b
}

// DiscoveryDocument is the issuer's OIDC discovery document.
func (d *DevIssuer) DiscoveryDocument() []byte {
	b, _ := json.Marshal(map[string]any{
		"issuer":                                d.issuer,
		"jwks_uri":                              d.issuer + "/jwks",
		"id_token_signing_alg_values_supported": []string{string(jose.EdDSA)},
		"subject_types_supported":               []string{"public"},
		"response_types_supported":              []string{"id_token"},
	})
	return b
}
