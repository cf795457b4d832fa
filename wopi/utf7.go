package wopi

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
)

// WOPI sends and expects file names in UTF-7 (RFC 2152) in its headers
// (X-WOPI-SuggestedTarget, X-WOPI-RelativeTarget, X-WOPI-RequestedName,
// X-WOPI-ValidRelativeTarget), since HTTP headers are ASCII.

var utf7Base64 = base64.RawStdEncoding

// errUTF7 is a header that is not UTF-7.
var errUTF7 = errors.New("wopi: not a UTF-7 string")

// DecodeUTF7 decodes a UTF-7 string.
func DecodeUTF7(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			return "", errUTF7
		}
		if c != '+' {
			b.WriteByte(c)
			i++
			continue
		}
		end := i + 1
		for end < len(s) && isBase64Char(s[end]) {
			end++
		}
		if end == i+1 { // "+-" is a plus sign; a lone "+" is taken as one too
			b.WriteByte('+')
		} else if err := decodeShifted(&b, s[i+1:end]); err != nil {
			return "", err
		}
		if end < len(s) && s[end] == '-' {
			end++
		}
		i = end
	}
	return b.String(), nil
}

func decodeShifted(b *strings.Builder, run string) error {
	raw, err := utf7Base64.DecodeString(run)
	if err != nil {
		return errUTF7
	}
	units := make([]uint16, len(raw)/2)
	for i := range units {
		units[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	b.WriteString(string(utf16.Decode(units)))
	return nil
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// isDirect reports whether a character goes as itself in UTF-7: RFC 2152's set D,
// the space, and the optional characters that are safe in a header.
func isDirect(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(" '(),-./:?!#$%&*;<=>@[]^_`{|}", r)
}

// EncodeUTF7 encodes a string in UTF-7.
func EncodeUTF7(s string) string {
	var b strings.Builder
	runes := []rune(s)
	for i := 0; i < len(runes); {
		r := runes[i]
		if r == '+' {
			b.WriteString("+-")
			i++
			continue
		}
		if isDirect(r) {
			b.WriteRune(r)
			i++
			continue
		}
		j := i
		for j < len(runes) && !isDirect(runes[j]) && runes[j] != '+' {
			j++
		}
		units := utf16.Encode(runes[i:j])
		raw := make([]byte, 0, 2*len(units))
		for _, u := range units {
			raw = append(raw, byte(u>>8), byte(u))
		}
		b.WriteByte('+')
		b.WriteString(utf7Base64.EncodeToString(raw))
		b.WriteByte('-')
		i = j
	}
	return b.String()
}
