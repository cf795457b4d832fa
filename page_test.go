package cartable_test

import (
	"testing"
	"time"

	"cartable"
)

func TestParseLimit(t *testing.T) {
	for raw, want := range map[string]int{"": cartable.DefaultPageSize, "1": 1, "1000": 1000} {
		if got, err := cartable.ParseLimit(raw); err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", raw, got, err, want)
		}
	}
	for _, raw := range []string{"0", "-1", "1001", "dix", "1e2", " 5"} {
		_, err := cartable.ParseLimit(raw)
		wantField(t, err, "limit", "limit="+raw)
	}
}

func TestCursorsComeBackOnlyToTheirList(t *testing.T) {
	type key struct {
		At time.Time `json:"t"`
		N  int       `json:"n"`
	}
	at := time.Date(2026, 9, 1, 8, 0, 0, 123456000, time.UTC)
	c := cartable.EncodeCursor("trash", key{At: at, N: 7})
	var got key
	size, resumed, err := cartable.PageRequest{Cursor: c}.Keyset("trash", &got)
	if err != nil || !resumed || size != cartable.DefaultPageSize || !got.At.Equal(at) || got.N != 7 {
		t.Fatalf("Keyset = %d, %v, %+v, %v", size, resumed, got, err)
	}
	if _, resumed, err := (cartable.PageRequest{Limit: 5}).Keyset("trash", &got); err != nil || resumed {
		t.Errorf("a first page: resumed %v, %v", resumed, err)
	}
	for what, cursor := range map[string]string{
		"another list":      cartable.EncodeCursor("links", key{N: 7}),
		"garbage":           "not a cursor!",
		"base64 of no JSON": "bm9wZQ",
		"an unknown key":    cartable.EncodeCursor("trash", map[string]int{"x": 1}),
	} {
		_, _, err := cartable.PageRequest{Cursor: cursor}.Keyset("trash", &got)
		wantField(t, err, "cursor", what)
	}
	_, _, err = cartable.PageRequest{Limit: 1001, Cursor: c}.Keyset("trash", &got)
	wantField(t, err, "limit", "a limit over the maximum")
}

func TestCutPage(t *testing.T) {
	after := func(n int) string { return string(rune('a' + n)) }
	if p := cartable.CutPage([]int{0, 1, 2}, 3, after); len(p.Items) != 3 || p.NextCursor != "" {
		t.Errorf("all rows fit: %+v", p)
	}
	if p := cartable.CutPage([]int{0, 1, 2, 3}, 3, after); len(p.Items) != 3 || p.NextCursor != "c" {
		t.Errorf("one row more: %+v", p)
	}
}

func wantField(t *testing.T, err error, field, what string) {
	t.Helper()
	e, ok := err.(*cartable.Error)
	if !ok || e.Code != cartable.EInvalid || e.Fields["field"] != field {
		t.Errorf("%s: error %v, want invalid_request naming %s", what, err, field)
	}
}
