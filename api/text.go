package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"cartable"
)

// Text a client sends is checked once, here at the edge, before anything reads it:
// PostgreSQL refuses a NUL byte or invalid UTF-8 in a text value, and that refusal,
// deep in a use case, would be a 500. Every path parameter, query parameter, text
// header, JSON string (keys too), multipart name and tus metadata value that is
// not UTF-8 without NUL is a 400 invalid_request naming the field.

// textHeaders are the request headers the service reads as text (the others it
// ignores, or parses strictly: Authorization, Range, Content-Type…).
var textHeaders = []string{"If-Match", "If-None-Match", "If-Range", "Cartable-Link-Password", "Upload-Metadata", "Upload-Concat"}

// badText is the problem of a field whose text is not UTF-8 or holds a NUL.
func badText(field string) error {
	return cartable.Errorf(cartable.EInvalid, "%s must be UTF-8 text without NUL bytes", field).With("field", field)
}

// validText reports whether s is UTF-8 without NUL.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// checkText refuses a field whose text is not valid.
func checkText(field, s string) error {
	if !validText(s) {
		return badText(field)
	}
	return nil
}

// refuseBadText is the middleware that checks, for every API route, the path and
// query parameters and the text headers before a handler or an authentication step
// reads them (a link's token, an admin's path id reach the database). The operations
// routes (health, metrics, the spec) read no text and are left alone.
func refuseBadText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.HasPrefix(c.Path(), "/api/") && !strings.HasPrefix(c.Path(), "/dev/") {
			return next(c)
		}
		if err := checkRequestText(c); err != nil {
			return err
		}
		return next(c)
	}
}

func checkRequestText(c echo.Context) error {
	values := c.ParamValues()
	for i, name := range c.ParamNames() {
		if i < len(values) {
			if err := checkText(name, values[i]); err != nil {
				return err
			}
		}
	}
	query := c.QueryParams()
	for _, key := range slices.Sorted(maps.Keys(query)) { // the same field named every time
		if err := checkText(key, key); err != nil {
			return err
		}
		for _, v := range query[key] {
			if err := checkText(key, v); err != nil {
				return err
			}
		}
	}
	for _, name := range textHeaders {
		for _, v := range c.Request().Header.Values(name) {
			if err := checkText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkUploadMetadata checks the decoded values (and keys) of a tus Upload-Metadata
// header: "key base64,key base64". A value that is not base64 is left to tusd,
// which ignores it.
func checkUploadMetadata(header string) error {
	for _, pair := range strings.Split(header, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(pair), " ")
		field := "Upload-Metadata." + key
		if err := checkText(field, key); err != nil {
			return err
		}
		decoded, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			continue
		}
		if err := checkText(field, string(decoded)); err != nil {
			return err
		}
	}
	return nil
}

// checkJSONText walks a JSON document and refuses the first string, key or value,
// that is not UTF-8 or holds a NUL, naming it by its path ("grantee.id",
// "members[2].user_id"). Invalid UTF-8 must be caught in the raw bytes: the
// decoder would silently turn it into U+FFFD. A document that is not valid JSON is
// left to the decoder, which says so.
func checkJSONText(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var w jsonWalk
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or a syntax error the real decoding reports
		}
		seg := raw[start:dec.InputOffset()]
		if s, ok := tok.(string); ok && (!utf8.Valid(seg) || strings.ContainsRune(s, 0)) {
			return badText(w.path(s))
		}
		w.step(tok)
	}
}

// jsonWalk follows where a token stream stands in its document.
type jsonWalk struct {
	frames []jsonFrame
}

// jsonFrame is one open object or array: the key or index being read.
type jsonFrame struct {
	array   bool
	wantKey bool // an object, between two members: the next string is a key
	key     string
	index   int
}

// step takes one token in.
func (w *jsonWalk) step(tok json.Token) {
	if n := len(w.frames); n > 0 && w.frames[n-1].wantKey {
		if key, ok := tok.(string); ok {
			w.frames[n-1].key, w.frames[n-1].wantKey = key, false
			return
		}
	}
	switch tok {
	case json.Delim('{'):
		w.frames = append(w.frames, jsonFrame{wantKey: true})
		return
	case json.Delim('['):
		w.frames = append(w.frames, jsonFrame{array: true})
		return
	case json.Delim('}'), json.Delim(']'):
		w.frames = w.frames[:len(w.frames)-1]
	}
	w.valueDone()
}

// valueDone moves the innermost container past a whole value.
func (w *jsonWalk) valueDone() {
	if n := len(w.frames); n > 0 {
		f := &w.frames[n-1]
		if f.array {
			f.index++
		} else {
			f.wantKey = true
		}
	}
}

// path names the string tok at the current position: a value by its key path, a
// key by the path it would open.
func (w *jsonWalk) path(tok string) string {
	var b strings.Builder
	for i, f := range w.frames {
		switch {
		case f.array:
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		case i == len(w.frames)-1 && f.wantKey:
			writeKey(&b, tok)
		default:
			writeKey(&b, f.key)
		}
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

func writeKey(b *strings.Builder, key string) {
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(strings.ToValidUTF8(key, "\uFFFD"))
}

// readJSONText reads a JSON body whole (it is bounded) and checks its text. A body
// over its bound is an *http.MaxBytesError, for the caller to say which bound.
func readJSONText(body io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(body)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, cartable.Errorf(cartable.EInvalid, "could not read the body: %v", err)
	}
	return raw, checkJSONText(raw)
}
