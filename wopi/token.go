package wopi

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

// Mode is what a token lets its user do with the file.
type Mode string

// The modes of a token.
const (
	ModeEdit Mode = "edit"
	ModeView Mode = "view"
)

// Limits of tokens.
const (
	MinSecretBytes = 32
	MinTokenTTL    = 5 * time.Minute
	MaxTokenTTL    = 24 * time.Hour
	maxUserBytes   = 255
)

// ErrInvalidToken is any token that does not hold for the file it is presented
// for: forged, tampered, expired, or made for another file. WOPI answers 401.
var ErrInvalidToken = errors.New("wopi: invalid access token")

// Claims is what a valid token says.
type Claims struct {
	UserID  string
	ItemID  uuid.UUID
	Mode    Mode
	Expires time.Time
}

// Tokens signs and verifies access tokens: the first key signs, every key
// verifies (a secret being rotated).
//
// A token is "<expiry>.<mode>.<user>.<MAC>": the expiry in unix seconds, "e" or
// "v", the user id in base64url, and HMAC-SHA256 over them and the file's id,
// which the token does not carry: it is the URL's, and a token presented for
// another file fails like a forged one. The key is derived apart from the signed
// URLs' (package presign), so neither kind of token passes for the other, and
// the API's Bearer authentication takes JWTs only.
type Tokens struct {
	keys [][]byte
	ttl  time.Duration
	now  func() time.Time
}

// NewTokens makes the signer of tokens living ttl, from the signing secret and
// optionally the previous one.
func NewTokens(ttl time.Duration, secret string, previous ...string) (*Tokens, error) {
	if ttl < MinTokenTTL || ttl > MaxTokenTTL {
		return nil, fmt.Errorf("wopi: an access token lives between %s and %s, not %s", MinTokenTTL, MaxTokenTTL, ttl)
	}
	t := &Tokens{ttl: ttl, now: time.Now}
	for i, s := range append([]string{secret}, previous...) {
		if i > 0 && s == "" {
			continue
		}
		if len(s) < MinSecretBytes {
			return nil, fmt.Errorf("wopi: a signing secret has at least %d bytes", MinSecretBytes)
		}
		t.keys = append(t.keys, deriveKey(s))
	}
	return t, nil
}

// deriveKey keeps the key apart from any other use of the same secret.
func deriveKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("cartable WOPI access tokens v1"))
	return m.Sum(nil)
}

// WithClock returns a copy that reads the time from now (tests).
func (t *Tokens) WithClock(now func() time.Time) *Tokens {
	c := *t
	c.now = now
	return &c
}

// TTL is how long a token lives.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Sign returns a token for a user, a file and a mode, and when it expires.
func (t *Tokens) Sign(userID string, itemID uuid.UUID, mode Mode) (string, time.Time) {
	expires := t.now().Add(t.ttl).Truncate(time.Second)
	user := base64.RawURLEncoding.EncodeToString([]byte(userID))
	m := modeLetter(mode)
	mac := tokenMAC(t.keys[0], itemID, m, user, expires.Unix())
	return strconv.FormatInt(expires.Unix(), 10) + "." + m + "." + user + "." + base64.RawURLEncoding.EncodeToString(mac), expires
}

// Verify checks a token presented for a file and returns its claims.
func (t *Tokens) Verify(token string, itemID uuid.UUID) (Claims, error) {
	fields := strings.Split(token, ".")
	if len(fields) != 4 {
		return Claims{}, fmt.Errorf("%w: malformed", ErrInvalidToken)
	}
	digits, m, user := fields[0], fields[1], fields[2]
	if digits == "" || len(digits) > 18 || strings.Trim(digits, "0123456789") != "" || digits[0] == '0' {
		return Claims{}, fmt.Errorf("%w: bad expiry", ErrInvalidToken)
	}
	exp, _ := strconv.ParseInt(digits, 10, 64)
	mac, err := base64.RawURLEncoding.Strict().DecodeString(fields[3])
	if err != nil || len(mac) != sha256.Size {
		return Claims{}, fmt.Errorf("%w: bad MAC", ErrInvalidToken)
	}
	if !t.signed(mac, itemID, m, user, exp) {
		return Claims{}, fmt.Errorf("%w: bad signature", ErrInvalidToken)
	}
	expires := time.Unix(exp, 0)
	if !t.now().Before(expires) {
		return Claims{}, fmt.Errorf("%w: expired", ErrInvalidToken)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(user)
	if err != nil || len(raw) == 0 || len(raw) > maxUserBytes {
		return Claims{}, fmt.Errorf("%w: bad user", ErrInvalidToken)
	}
	mode := ModeView
	if m == "e" {
		mode = ModeEdit
	}
	return Claims{UserID: string(raw), ItemID: itemID, Mode: mode, Expires: expires}, nil
}

func (t *Tokens) signed(mac []byte, itemID uuid.UUID, mode, user string, exp int64) bool {
	for _, key := range t.keys {
		if hmac.Equal(mac, tokenMAC(key, itemID, mode, user, exp)) {
			return true
		}
	}
	return false
}

func modeLetter(m Mode) string {
	if m == ModeEdit {
		return "e"
	}
	return "v"
}

// tokenMAC is the MAC of a token's fields and its file; each variable field is
// length-prefixed, so no two inputs write the same bytes.
func tokenMAC(key []byte, itemID uuid.UUID, mode, user string, exp int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("cartable wopi token v1\x00"))
	m.Write(itemID[:])
	field(m, mode)
	field(m, user)
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(exp)))
	return m.Sum(nil)
}

func field(m hash.Hash, s string) {
	m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
	m.Write([]byte(s))
}
