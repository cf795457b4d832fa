package workspace

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"cartable"
	"cartable/bundle"
)

// MaxNameBytes is the longest name an item may have, in UTF-8 bytes (after NFC).
const MaxNameBytes = 255

// NormalizeName validates a user-given item name and returns it in NFC. It refuses
// empty names, "." and "..", slashes, NUL and control characters, invalid UTF-8,
// names longer than MaxNameBytes, leading or trailing spaces, and invisible
// characters (direction overrides, zero-width spaces and joiners outside an emoji),
// which users cannot see and which make a name read otherwise than it is
// ("devoir<U+202E>fdp.exe" shows as "devoirexe.pdf"); and what Windows cannot store
// (CON, PRN, AUX, NUL, COM1-9, LPT1-9 with or without an extension, a trailing
// dot), since WebDAV mounts and zip exports meet Windows.
func NormalizeName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", invalidName(name, "is not valid UTF-8")
	}
	name = norm.NFC.String(name)
	switch {
	case name == "":
		return "", invalidName(name, "is empty")
	case name == "." || name == "..":
		return "", invalidName(name, "is reserved")
	case len(name) > MaxNameBytes:
		return "", invalidName(name, fmt.Sprintf("is longer than %d bytes", MaxNameBytes))
	case strings.TrimSpace(name) != name:
		return "", invalidName(name, "starts or ends with a space")
	case strings.HasSuffix(name, "."):
		return "", invalidName(name, "ends with a dot")
	case bundle.ReservedOnWindows(name):
		return "", invalidName(name, "is reserved by Windows")
	}
	runes := []rune(name)
	for i, r := range runes {
		if r == '/' || r == '\\' {
			return "", invalidName(name, "contains a slash")
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", invalidName(name, "contains a control character")
		}
		if invisible(runes, i) {
			return "", invalidName(name, "contains an invisible character")
		}
	}
	return name, nil
}

// invisible reports whether the rune at i is a format character (Unicode Cf:
// direction marks, overrides and isolates, zero-width spaces, joiners, the BOM),
// except a zero-width joiner that binds two pictographs of one emoji (👨‍👩‍👧).
func invisible(runes []rune, i int) bool {
	if !unicode.Is(unicode.Cf, runes[i]) {
		return false
	}
	const zwj = '\u200D'
	if runes[i] == zwj && i > 0 && i+1 < len(runes) {
		prev, next := runes[i-1], runes[i+1]
		return !(emojiPart(prev) && unicode.Is(unicode.So, next))
	}
	return true
}

// emojiPart reports whether r may end an emoji a joiner continues: a pictograph,
// a skin tone, or the emoji presentation selector.
func emojiPart(r rune) bool {
	return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || r == '\uFE0F'
}

func invalidName(name, why string) error {
	return cartable.Errorf(cartable.EInvalidName, "the name %s", why).With("name", name)
}

// A cases.Caser is not safe for concurrent use, so nameKey makes one per call.
func nameKey(name string) string {
	return cases.Fold().String(name)
}

// NameKey returns the key under which sibling names must be unique: the NFC name,
// case-folded, so "Devoir.pdf" and "DEVOIR.PDF" clash.
func NameKey(name string) string { return nameKey(name) }

// numberedName returns the n-th alternative to name, keeping the extension:
// "rapport.pdf" → "rapport (2).pdf", and for folders "Photos" → "Photos (2)".
// It shortens the stem rather than exceed MaxNameBytes.
func numberedName(name string, n int, isFolder bool) string {
	stem, ext := name, ""
	if !isFolder {
		ext = path.Ext(name)
		if ext == name || len(ext) > 16 { // ".bashrc" or a dot deep in a sentence
			ext = ""
		}
		stem = strings.TrimSuffix(name, ext)
	}
	suffix := fmt.Sprintf(" (%d)", n)
	for len(stem)+len(suffix)+len(ext) > MaxNameBytes {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return stem + suffix + ext
}
