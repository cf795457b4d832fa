package cartable

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// Page sizes of every list.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// PageRequest asks for one page of a list.
type PageRequest struct {
	Limit  int    // 1..MaxPageSize; 0 takes DefaultPageSize
	Cursor string // the NextCursor of the previous page; empty for the first page
}

// Page is one page of a list, in the list's order.
type Page[T any] struct {
	Items []T
	// NextCursor continues the list after the last item given; it is empty on the
	// last page of a finite list. A feed has no last page: its cursor is always set.
	NextCursor string
}

// ParseLimit reads a page size as a client sends it: absent, the default; else an
// integer from 1 to MaxPageSize.
func ParseLimit(raw string) (int, error) {
	if raw == "" {
		return DefaultPageSize, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxPageSize {
		return 0, limitError()
	}
	return n, nil
}

// Size is the page size asked for, checked.
func (r PageRequest) Size() (int, error) {
	switch {
	case r.Limit == 0:
		return DefaultPageSize, nil
	case r.Limit < 1 || r.Limit > MaxPageSize:
		return 0, limitError()
	}
	return r.Limit, nil
}

func limitError() *Error {
	return Errorf(EInvalid, "limit must be an integer from 1 to %d", MaxPageSize).
		With("field", "limit").With("max_limit", MaxPageSize)
}

// Keyset checks a request for a page of the list named list and returns its size.
// When the request continues the list, its cursor must have been made by
// EncodeCursor for the same list: then resumed is true and key holds the position
// the page starts after.
func (r PageRequest) Keyset(list string, key any) (size int, resumed bool, err error) {
	if size, err = r.Size(); err != nil || r.Cursor == "" {
		return size, false, err
	}
	if err := DecodeCursor(r.Cursor, list, key); err != nil {
		return 0, false, err
	}
	return size, true, nil
}

// cursor is what an opaque cursor holds: the list (and order) it was made for, and
// the sort key of the last item given.
type cursor struct {
	List string          `json:"l"`
	Key  json.RawMessage `json:"k"`
}

// EncodeCursor makes the cursor of a position in a list. list names the list and
// its order ("trash", "children:size:desc"), so that a cursor is only taken back by
// the list and order that made it; key, marshalled to JSON, is the sort key of the
// last item given.
func EncodeCursor(list string, key any) string {
	k, err := json.Marshal(key)
	if err != nil {
		panic("cartable: cursor key: " + err.Error()) // keys are plain structs
	}
	b, _ := json.Marshal(cursor{List: list, Key: k})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads back into key a cursor EncodeCursor made for list. Any other
// cursor (garbage, another list's, another order's) is an invalid_request naming the
// cursor field. Numbers come back as json.Number when key holds them in an any.
func DecodeCursor(s, list string, key any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = strictJSON(b, &c)
	}
	if err == nil && c.List != list {
		return Errorf(EInvalid, "the cursor was made for another list or sort").With("field", "cursor")
	}
	if err == nil {
		err = strictJSON(c.Key, key)
	}
	if err != nil {
		return InvalidCursor()
	}
	return nil
}

// InvalidCursor is the error of a cursor no list of this kind gave.
func InvalidCursor() *Error {
	return Errorf(EInvalid, "the cursor is not one this list gave").With("field", "cursor")
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec.Decode(v)
}

// CutPage makes a page of rows read with a limit of size+1: the first size rows,
// and, when there was one more, the cursor after the last row given.
func CutPage[T any](rows []T, size int, after func(last T) string) Page[T] {
	if len(rows) <= size {
		return Page[T]{Items: rows}
	}
	rows = rows[:size]
	return Page[T]{Items: rows, NextCursor: after(rows[size-1])}
}
