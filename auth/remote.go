package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// refreshInterval bounds how often an unknown kid makes the JWKS be fetched again,
// so a flood of forged tokens cannot hammer the issuer.
const refreshInterval = 30 * time.Second

// remoteKeys are an OIDC issuer's keys, found through its discovery document and
// cached until a token names a kid they do not hold.
type remoteKeys struct {
	issuer string
	client *http.Client

	mu        sync.Mutex
	jwksURI   string
	keys      jose.JSONWebKeySet
	fetchedAt time.Time
	lastErr   error // of the last fetch
}

func newRemoteKeys(issuer string, client *http.Client) *remoteKeys {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &remoteKeys{issuer: strings.TrimSuffix(issuer, "/"), client: client}
}

// IssuerURL is the issuer the keys belong to.
func (r *remoteKeys) IssuerURL() string { return r.issuer }

// Key returns the key with the kid, refreshing the set once when it is unknown.
func (r *remoteKeys) Key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if key := find(r.keys, kid); key != nil {
		return key, nil
	}
	if time.Since(r.fetchedAt) < refreshInterval {
		return nil, fmt.Errorf("no key %q in the issuer's JWKS", kid)
	}
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	if key := find(r.keys, kid); key != nil {
		return key, nil
	}
	return nil, fmt.Errorf("no key %q in the issuer's JWKS", kid)
}

// Check tells whether the issuer answers: the last fetch's outcome while it is
// fresh, else a new fetch (which also refreshes the keys).
func (r *remoteKeys) Check(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.fetchedAt.IsZero() && time.Since(r.fetchedAt) < refreshInterval {
		return r.lastErr
	}
	return r.refresh(ctx)
}

func (r *remoteKeys) refresh(ctx context.Context) (err error) {
	r.fetchedAt = time.Now()
	defer func() { r.lastErr = err }()
	if r.jwksURI == "" {
		var doc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := r.getJSON(ctx, r.issuer+"/.well-known/openid-configuration", &doc); err != nil {
			return fmt.Errorf("oidc discovery: %w", err)
		}
		if strings.TrimSuffix(doc.Issuer, "/") != r.issuer || doc.JWKSURI == "" {
			return errors.New("oidc discovery: the document names another issuer or no jwks_uri")
		}
		r.jwksURI = doc.JWKSURI
	}
	var set jose.JSONWebKeySet
	if err := r.getJSON(ctx, r.jwksURI, &set); err != nil {
		return fmt.Errorf("fetch jwks: %w", err)
	}
	r.keys = set
	return nil
}

func (r *remoteKeys) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(v)
}

// find returns the public signing key with the kid. A key without a kid matches a
// token without one, so single-key issuers that omit kids still work.
func find(set jose.JSONWebKeySet, kid string) *jose.JSONWebKey {
	for i := range set.Keys {
		k := &set.Keys[i]
		if k.KeyID == kid && k.IsPublic() && (k.Use == "" || k.Use == "sig") {
			return k
		}
	}
	return nil
}
