// Package presign makes and checks the short-lived signed URLs that let a browser
// fetch a file or a thumbnail without an Authorization header: an <img src>, a
// <video src> that seeks with Range requests, an <a href download>.
//
// A signed URL names one target — one version of a file, or one size of that
// version's thumbnail — and one holder — a user, or a view link — until an expiry a
// few minutes away. It is not a grant: on every request the service loads the holder
// (the user from the directory, or the link, which must still be live) and asks the
// one access decision whether they may still read the item. Revoking a share or a
// link ends the URL at once; the signature only says who asks, for what, until when.
//
// # Token
//
// The token travels in the URL's sig query parameter, as three dot-separated fields:
//
//	<expiry, unix seconds>.<holder>.<MAC>
//
// The holder is "u" and the user id, or "l" and the link id, in base64url. The MAC is
// HMAC-SHA256 truncated to 128 bits, over a version tag, the target (item, version,
// rendition), the holder and the expiry. The target is not repeated in the token: it
// is the URL's path, and a token checked against another item, version or rendition
// fails like a forged one.
//
// # Configuration
//
// The key derives from a secret of at least 32 bytes (CARTABLE_SIGNING_SECRET). A
// previous secret may be given too: its tokens are still accepted, so a secret can be
// rotated without breaking the URLs already handed out. TTL is how long a URL lives
// (CARTABLE_SIGNED_URL_TTL, one minute to one hour).
//
// # Considerations
//
// Expiries fall on a grid of a tenth of the TTL: a URL lives between nine tenths of
// the TTL and the TTL, and the URLs of one file asked for twice within a step are the
// same, so a browser's cache serves a grid of thumbnails listed again. The holder's
// id is readable in the token: it is a capability, not a secret envelope.
package presign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Limits of the configuration and of tokens.
const (
	// MinSecretBytes is the shortest secret accepted: 256 bits of a random source.
	MinSecretBytes = 32
	MinTTL         = time.Minute
	MaxTTL         = time.Hour
	// macBytes is the MAC's length: HMAC-SHA256 cut to 128 bits, as RFC 2104 allows,
	// to keep the URLs of a listing short.
	macBytes = 16
	// maxUserBytes bounds a user id in a token (ENT ids are far shorter).
	maxUserBytes = 255
)

// ErrInvalid is any token that does not hold for its target: forged, tampered,
// expired, or signed for another item, version, rendition or secret. Callers answer
// all of them alike.
var ErrInvalid = errors.New("presign: invalid token")

// Holder is who a URL was signed for: a user, or (LinkID set) whoever opened a view
// link.
type Holder struct {
	UserID string
	LinkID uuid.UUID
}

// IsLink reports whether the holder is a link's visitor.
func (h Holder) IsLink() bool { return h.LinkID != uuid.Nil }

// Target is what a URL gives: one version of a file, or one size of its thumbnail.
type Target struct {
	ItemID    uuid.UUID
	VersionID uuid.UUID
	// Rendition is the thumbnail's size; empty for the file's content.
	Rendition string
}

// Signer signs and verifies tokens with its keys: the first signs, every one
// verifies.
type Signer struct {
	keys [][]byte
	ttl  time.Duration
	now  func() time.Time
}

// New makes a signer from the current secret and, optionally, previous ones whose
// tokens are still accepted. Empty previous secrets are ignored.
func New(ttl time.Duration, secret string, previous ...string) (*Signer, error) {
	if ttl < MinTTL || ttl > MaxTTL {
		return nil, fmt.Errorf("presign: a signed URL lives between %s and %s, not %s", MinTTL, MaxTTL, ttl)
	}
	s := &Signer{ttl: ttl, now: time.Now}
	for i, secret := range append([]string{secret}, previous...) {
		if i > 0 && secret == "" {
			continue
		}
		if len(secret) < MinSecretBytes {
			return nil, fmt.Errorf("presign: a signing secret has at least %d bytes", MinSecretBytes)
		}
		s.keys = append(s.keys, deriveKey(secret))
	}
	return s, nil
}

// deriveKey keeps the key apart from any other use of the same secret.
func deriveKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("cartable signed URLs v1"))
	return m.Sum(nil)
}

// WithClock returns a copy of the signer that reads the time from now (tests).
func (s *Signer) WithClock(now func() time.Time) *Signer {
	c := *s
	c.now = now
	return &c
}

// Expiry is when a URL signed now expires (on the grid of a tenth of the TTL).
func (s *Signer) Expiry() time.Time {
	return s.now().Truncate(s.ttl / 10).Add(s.ttl).Truncate(time.Second)
}

// Sign returns the token of a target for a holder, and when it expires.
func (s *Signer) Sign(h Holder, t Target) (string, time.Time) {
	expires := s.Expiry()
	holder := encodeHolder(h)
	mac := sum(s.keys[0], t, holder, expires.Unix())
	return strconv.FormatInt(expires.Unix(), 10) + "." + holder + "." + base64.RawURLEncoding.EncodeToString(mac), expires
}

// Verify checks a token against the target it is presented for, and returns its
// holder and expiry. Every failure is ErrInvalid (wrapped with the reason, for logs).
func (s *Signer) Verify(token string, t Target) (Holder, time.Time, error) {
	exp, holder, mac, err := parse(token)
	if err != nil {
		return Holder{}, time.Time{}, err
	}
	h, err := decodeHolder(holder)
	if err != nil {
		return Holder{}, time.Time{}, err
	}
	if !s.signedByUs(mac, t, holder, exp) {
		return Holder{}, time.Time{}, fmt.Errorf("%w: bad signature", ErrInvalid)
	}
	expires := time.Unix(exp, 0)
	if !s.now().Before(expires) {
		return Holder{}, time.Time{}, fmt.Errorf("%w: expired", ErrInvalid)
	}
	return h, expires, nil
}

func (s *Signer) signedByUs(mac []byte, t Target, holder string, exp int64) bool {
	for _, key := range s.keys {
		if hmac.Equal(mac, sum(key, t, holder, exp)) {
			return true
		}
	}
	return false
}

// parse splits a token into its fields, strictly: any other spelling of the same
// values is refused, so a token has one form.
func parse(token string) (exp int64, holder string, mac []byte, err error) {
	fields := strings.Split(token, ".")
	if len(fields) != 3 {
		return 0, "", nil, fmt.Errorf("%w: malformed", ErrInvalid)
	}
	digits := fields[0]
	if digits == "" || len(digits) > 18 || strings.Trim(digits, "0123456789") != "" || digits[0] == '0' {
		return 0, "", nil, fmt.Errorf("%w: bad expiry", ErrInvalid)
	}
	exp, _ = strconv.ParseInt(digits, 10, 64)
	mac, err = base64.RawURLEncoding.Strict().DecodeString(fields[2])
	if err != nil || len(mac) != macBytes {
		return 0, "", nil, fmt.Errorf("%w: bad MAC", ErrInvalid)
	}
	return exp, fields[1], mac, nil
}

func encodeHolder(h Holder) string {
	if h.IsLink() {
		return "l" + base64.RawURLEncoding.EncodeToString(h.LinkID[:])
	}
	return "u" + base64.RawURLEncoding.EncodeToString([]byte(h.UserID))
}

func decodeHolder(field string) (Holder, error) {
	bad := fmt.Errorf("%w: bad holder", ErrInvalid)
	if field == "" {
		return Holder{}, bad
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(field[1:])
	if err != nil || len(raw) == 0 {
		return Holder{}, bad
	}
	switch field[0] {
	case 'u':
		if len(raw) > maxUserBytes {
			return Holder{}, bad
		}
		return Holder{UserID: string(raw)}, nil
	case 'l':
		id, err := uuid.FromBytes(raw)
		if err != nil || id == uuid.Nil {
			return Holder{}, bad
		}
		return Holder{LinkID: id}, nil
	}
	return Holder{}, bad
}

// sum is the MAC of a target, holder and expiry. Every variable-length field is
// length-prefixed, so no two different inputs write the same bytes.
func sum(key []byte, t Target, holder string, exp int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("cartable presign v1\x00"))
	m.Write(t.ItemID[:])
	m.Write(t.VersionID[:])
	field(m, t.Rendition)
	field(m, holder)
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(exp)))
	return m.Sum(nil)[:macBytes]
}

func field(m hash.Hash, s string) {
	m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
	m.Write([]byte(s))
}
