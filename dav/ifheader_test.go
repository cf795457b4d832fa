package dav

import (
	"reflect"
	"testing"
)

func TestParseIf(t *testing.T) {
	cases := []struct {
		header string
		want   []ifList
	}{
		{`(<opaquelocktoken:a>)`, []ifList{{conds: []condition{{token: "opaquelocktoken:a"}}}}},
		{`(<urn:uuid:1> ["7"]) (Not <DAV:no-lock> ["8"])`, []ifList{
			{conds: []condition{{token: "urn:uuid:1"}, {etag: `"7"`}}},
			{conds: []condition{{not: true, token: "DAV:no-lock"}, {etag: `"8"`}}},
		}},
		{`<http://h/dav/a%20b> (<opaquelocktoken:x>) <http://h/dav/c> ([W/"3"])`, []ifList{
			{tag: "http://h/dav/a%20b", conds: []condition{{token: "opaquelocktoken:x"}}},
			{tag: "http://h/dav/c", conds: []condition{{etag: `W/"3"`}}},
		}},
		{`(NOT<urn:x>)`, []ifList{{conds: []condition{{not: true, token: "urn:x"}}}}},
		{`(["a(b)"])`, []ifList{{conds: []condition{{etag: `"a(b)"`}}}}},
	}
	for _, c := range cases {
		got, err := parseIf(c.header)
		if err != nil {
			t.Errorf("parseIf(%q): %v", c.header, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseIf(%q) = %+v, want %+v", c.header, got, c.want)
		}
	}
	for _, bad := range []string{``, `()`, `(<a>`, `<http://h/> `, `(<a>) <http://h/> (<b>)`, `(Not)`, `(Not Not <a>)`, `x`, `([etag)`} {
		if _, err := parseIf(bad); err == nil {
			t.Errorf("parseIf(%q) took a malformed header", bad)
		}
	}
}

func TestIfListHolds(t *testing.T) {
	st := state{etag: `"5"`, tokens: []string{"opaquelocktoken:mine"}}
	cases := map[string]bool{
		`(<opaquelocktoken:mine>)`:                      true,
		`(<opaquelocktoken:other>)`:                     false,
		`(<opaquelocktoken:mine> ["5"])`:                true,
		`(<opaquelocktoken:mine> ["6"])`:                false,
		`(Not <DAV:no-lock>)`:                           true,
		`(<DAV:no-lock>)`:                               false,
		`(<DAV:no-lock>) (["5"])`:                       true,
		`([W/"5"])`:                                     true,
		`(Not ["5"])`:                                   false,
		`(<opaquelocktoken:other>) (Not <DAV:no-lock>)`: true,
	}
	for header, want := range cases {
		lists, err := parseIf(header)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, l := range lists {
			got = got || l.holds(st)
		}
		if got != want {
			t.Errorf("%s holds = %v, want %v", header, got, want)
		}
	}
	// A resource that does not exist has no entity tag to match.
	lists, _ := parseIf(`(["5"])`)
	if lists[0].holds(state{}) {
		t.Error("an entity tag matched a missing resource")
	}
}

func TestSubmitted(t *testing.T) {
	lists, err := parseIf(`(<opaquelocktoken:a> ["1"]) (Not <opaquelocktoken:b>) (<DAV:no-lock>) (<urn:uuid:c>)`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := submitted(lists), []string{"opaquelocktoken:a", "urn:uuid:c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("submitted = %v, want %v", got, want)
	}
}
