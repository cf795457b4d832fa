package presign_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable/presign"
)

const (
	secret   = "0123456789abcdef0123456789abcdef"
	previous = "fedcba9876543210fedcba9876543210"
	other    = "an entirely different secret, 32+"
)

var (
	start = time.Date(2026, 3, 9, 8, 0, 30, 0, time.UTC)
	item  = uuid.MustParse("0195a000-0000-7000-8000-000000000001")
	ver   = uuid.MustParse("0195a000-0000-7000-8000-000000000002")
	ver2  = uuid.MustParse("0195a000-0000-7000-8000-000000000003")
	link  = uuid.MustParse("0195a000-0000-7000-8000-000000000004")
	pupil = presign.Holder{UserID: "eleve.6a.01"}
	visit = presign.Holder{LinkID: link}
	file  = presign.Target{ItemID: item, VersionID: ver}
	small = presign.Target{ItemID: item, VersionID: ver, Rendition: "small"}
	ttl   = 10 * time.Minute
	b64   = base64.RawURLEncoding.EncodeToString
	split = func(s string) []string { return strings.Split(s, ".") }
)

func signer(t *testing.T, at time.Time, secret string, previous ...string) *presign.Signer {
	t.Helper()
	s, err := presign.New(ttl, secret, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return s.WithClock(func() time.Time { return at })
}

// flip changes one character of a token's field.
func flip(token string, field int) string {
	parts := split(token)
	p := []byte(parts[field])
	i := len(p) / 2
	if p[i] == 'A' {
		p[i] = 'B'
	} else {
		p[i] = 'A'
	}
	parts[field] = string(p)
	return strings.Join(parts, ".")
}

// TestTokens signs at start and verifies each case's token at its time, against its
// target, with a signer holding its secrets.
func TestTokens(t *testing.T) {
	userToken, expires := signer(t, start, secret).Sign(pupil, file)
	linkToken, _ := signer(t, start, secret).Sign(visit, small)
	oldToken, _ := signer(t, start, previous).Sign(pupil, file)
	foreign, _ := signer(t, start, other).Sign(pupil, file)
	fields := split(userToken)
	tests := []struct {
		name     string
		token    string
		target   presign.Target
		at       time.Time
		previous string
		want     *presign.Holder
	}{
		{"a user's file", userToken, file, start, "", &pupil},
		{"a link's thumbnail", linkToken, small, start, "", &visit},
		{"just before expiry", userToken, file, expires.Add(-time.Second), "", &pupil},
		{"at expiry", userToken, file, expires, "", nil},
		{"long after", userToken, file, start.Add(time.Hour), "", nil},
		{"signed by the previous secret", oldToken, file, start, previous, &pupil},
		{"the previous secret, once forgotten", oldToken, file, start, "", nil},
		{"another secret", foreign, file, start, previous, nil},
		{"another item", userToken, presign.Target{ItemID: ver2, VersionID: ver}, start, "", nil},
		{"another version", userToken, presign.Target{ItemID: item, VersionID: ver2}, start, "", nil},
		{"the file's token on a thumbnail", userToken, small, start, "", nil},
		{"a thumbnail's token on another size", linkToken, presign.Target{ItemID: item, VersionID: ver, Rendition: "large"}, start, "", nil},
		{"a thumbnail's token on the file", linkToken, file, start, "", nil},
		{"expiry pushed back", fields[0][:len(fields[0])-1] + "9." + fields[1] + "." + fields[2], file, start, "", nil},
		{"holder changed", fields[0] + ".u" + b64([]byte("prof.martin")) + "." + fields[2], file, start, "", nil},
		{"user made a link", fields[0] + ".l" + fields[1][1:] + "." + fields[2], file, start, "", nil},
		{"MAC flipped", flip(userToken, 2), file, start, "", nil},
		{"holder flipped", flip(userToken, 1), file, start, "", nil},
		{"MAC cut", userToken[:len(userToken)-2], file, start, "", nil},
		{"empty", "", file, start, "", nil},
		{"two fields", fields[0] + "." + fields[2], file, start, "", nil},
		{"four fields", userToken + ".x", file, start, "", nil},
		{"signed expiry", "+" + userToken, file, start, "", nil},
		{"leading zero", "0" + userToken, file, start, "", nil},
		{"empty holder", fields[0] + ".." + fields[2], file, start, "", nil},
		{"unknown holder kind", fields[0] + ".x" + fields[1][1:] + "." + fields[2], file, start, "", nil},
		{"padded base64", fields[0] + "." + fields[1] + "." + fields[2] + "==", file, start, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := signer(t, tt.at, secret, tt.previous)
			h, exp, err := s.Verify(tt.token, tt.target)
			if tt.want == nil {
				if !errors.Is(err, presign.ErrInvalid) {
					t.Fatalf("verified as %+v (%v), want ErrInvalid", h, err)
				}
				return
			}
			if err != nil || h != *tt.want || !exp.Equal(expires) {
				t.Fatalf("got %+v until %s, %v; want %+v until %s", h, exp, err, *tt.want, expires)
			}
		})
	}
}

// TestExpiryGrid: a URL lives between nine tenths of the TTL and the TTL, and is the
// same when asked for twice within a step, so that browsers' caches serve it.
func TestExpiryGrid(t *testing.T) {
	step := ttl / 10
	for at := start; at.Before(start.Add(3 * step)); at = at.Add(7 * time.Second) {
		token, expires := signer(t, at, secret).Sign(pupil, file)
		if life := expires.Sub(at); life > ttl || life <= ttl-step {
			t.Errorf("signed at %s: lives %s", at.Format(time.TimeOnly), life)
		}
		again, _ := signer(t, at.Truncate(step), secret).Sign(pupil, file)
		if again != token {
			t.Errorf("signed at %s and at the start of its step: %s and %s", at.Format(time.TimeOnly), token, again)
		}
	}
	a, _ := signer(t, start, secret).Sign(pupil, file)
	b, _ := signer(t, start.Add(step), secret).Sign(pupil, file)
	if a == b {
		t.Error("two steps apart, the same token")
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		ttl      time.Duration
		secret   string
		previous []string
		ok       bool
	}{
		{"ten minutes", ttl, secret, nil, true},
		{"with a previous secret", ttl, secret, []string{previous}, true},
		{"an empty previous secret is none", ttl, secret, []string{""}, true},
		{"no secret", ttl, "", nil, false},
		{"short secret", ttl, "too short", nil, false},
		{"short previous secret", ttl, secret, []string{"short"}, false},
		{"too short a life", 30 * time.Second, secret, nil, false},
		{"too long a life", 2 * time.Hour, secret, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := presign.New(tt.ttl, tt.secret, tt.previous...)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestTokenIsURLSafe: a token goes into a query string as it is.
func TestTokenIsURLSafe(t *testing.T) {
	token, _ := signer(t, start, secret).Sign(presign.Holder{UserID: "prénom.nom@ent/é+?&="}, file)
	if strings.Trim(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		t.Errorf("token %q needs escaping", token)
	}
	h, _, err := signer(t, start, secret).Verify(token, file)
	if err != nil || h.UserID != "prénom.nom@ent/é+?&=" {
		t.Errorf("round trip: %+v, %v", h, err)
	}
}
