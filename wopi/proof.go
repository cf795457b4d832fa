package wopi

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
)

// MaxProofAge is how old a signed request may be: older, it is a replay.
const MaxProofAge = 20 * time.Minute

// unixEpochTicks is 1970-01-01 in .NET ticks (100 ns since 0001-01-01), the unit of
// X-WOPI-TimeStamp.
const unixEpochTicks = 621355968000000000

// TicksTime converts an X-WOPI-TimeStamp to a time.
func TicksTime(ticks int64) time.Time {
	d := ticks - unixEpochTicks
	return time.Unix(d/10_000_000, (d%10_000_000)*100).UTC()
}

// Ticks converts a time to .NET ticks.
func Ticks(t time.Time) int64 { return t.UnixNano()/100 + unixEpochTicks }

// ProofBytes are the bytes the office server signs: the access token, the request's
// full URL upper-cased, and the timestamp, each preceded by its length (4 bytes,
// big-endian).
func ProofBytes(accessToken, fullURL string, ticks int64) []byte {
	u := strings.ToUpper(fullURL)
	b := make([]byte, 0, 4+len(accessToken)+4+len(u)+4+8)
	b = binary.BigEndian.AppendUint32(b, uint32(len(accessToken)))
	b = append(b, accessToken...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(u)))
	b = append(b, u...)
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(ticks))
}

// Proof is the signature of one request.
type Proof struct {
	AccessToken string
	URL         string
	Ticks       int64
	Proof       string // X-WOPI-Proof
	ProofOld    string // X-WOPI-ProofOld
}

// Verify checks a request's signature against the keys, in the three ways WOPI
// allows while keys rotate: the proof with the current key, the old proof with the
// current key (the office server has rotated, Cartable not yet), the proof with the
// old key (Cartable has the new discovery, the office server signs with the old).
func (k ProofKeys) Verify(p Proof) bool {
	sum := sha256.Sum256(ProofBytes(p.AccessToken, p.URL, p.Ticks))
	valid := func(key *rsa.PublicKey, sig string) bool {
		raw, err := base64.StdEncoding.DecodeString(sig)
		return key != nil && sig != "" && err == nil && rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], raw) == nil
	}
	return valid(k.Current, p.Proof) || valid(k.Current, p.ProofOld) || valid(k.Old, p.Proof)
}

// Any reports whether the discovery gave keys: without them requests are not
// signed, and not checked.
func (k ProofKeys) Any() bool { return k.Current != nil }

// Fresh reports whether a request signed at ticks is recent enough at now.
func Fresh(ticks int64, now time.Time) bool {
	at := TicksTime(ticks)
	return now.Sub(at) <= MaxProofAge && at.Sub(now) <= MaxProofAge
}
