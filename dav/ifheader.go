package dav

import (
	"net/http"
	"strings"
)

// The If header (RFC 4918 10.4): lists of conditions, each a lock's state token or
// an entity tag, possibly negated with Not; a list holds when all its conditions
// do, the header when one of the lists that apply to a resource does. Lists may be
// tagged with the resource they apply to; untagged lists apply to the request URL.

// condition is one condition of a list.
type condition struct {
	not   bool
	token string // a state token (a lock token such as "opaquelocktoken:…"), or
	etag  string // an entity tag, quotes included
}

// ifList is one parenthesised list, with the resource it is tagged with ("" when
// untagged).
type ifList struct {
	tag   string
	conds []condition
}

// parseIf reads an If header. Tagged and untagged lists may not be mixed.
func parseIf(s string) ([]ifList, error) {
	bad := statusError(http.StatusBadRequest, "malformed If header")
	var lists []ifList
	tag, tagged, untagged := "", false, false
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		switch s[0] {
		case '<':
			end := strings.IndexByte(s, '>')
			if end < 0 {
				return nil, bad
			}
			tag, tagged, s = s[1:end], true, s[end+1:]
		case '(':
			end := closing(s)
			if end < 0 {
				return nil, bad
			}
			conds, err := parseConditions(s[1:end])
			if err != nil || len(conds) == 0 {
				return nil, bad
			}
			if tag == "" {
				untagged = true
			}
			lists = append(lists, ifList{tag: tag, conds: conds})
			s = s[end+1:]
		default:
			return nil, bad
		}
	}
	if len(lists) == 0 || (tagged && untagged) {
		return nil, bad
	}
	return lists, nil
}

// closing finds the ")" that ends the list s starts, skipping what is inside <…>
// and […] (a URL or an entity tag may hold a parenthesis).
func closing(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '<', '[':
			end := strings.IndexByte(s[i:], map[byte]byte{'<': '>', '[': ']'}[s[i]])
			if end < 0 {
				return -1
			}
			i += end
		case ')':
			return i
		}
	}
	return -1
}

func parseConditions(s string) ([]condition, error) {
	bad := statusError(http.StatusBadRequest, "malformed If header")
	var conds []condition
	not := false
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		if len(s) >= 3 && strings.EqualFold(s[:3], "not") {
			if not {
				return nil, bad
			}
			not, s = true, s[3:]
			continue
		}
		var c condition
		switch s[0] {
		case '<':
			end := strings.IndexByte(s, '>')
			if end < 0 {
				return nil, bad
			}
			c.token, s = s[1:end], s[end+1:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, bad
			}
			c.etag, s = s[1:end], s[end+1:]
		default:
			return nil, bad
		}
		c.not, not = not, false
		conds = append(conds, c)
	}
	if not {
		return nil, bad
	}
	return conds, nil
}

// state is what the conditions of a list are tested against: a resource's entity
// tag ("" when it has none, or does not exist) and the lock tokens that cover it.
type state struct {
	etag   string
	tokens []string
}

func (c condition) holds(st state) bool {
	var ok bool
	if c.token != "" {
		for _, t := range st.tokens {
			ok = ok || t == c.token
		}
	} else {
		ok = st.etag != "" && strings.TrimPrefix(c.etag, "W/") == strings.TrimPrefix(st.etag, "W/")
	}
	return ok != c.not
}

func (l ifList) holds(st state) bool {
	for _, c := range l.conds {
		if !c.holds(st) {
			return false
		}
	}
	return true
}

// submitted are the lock tokens an If header presents (the ones not negated):
// whoever sends a lock's token in it may write under the lock.
func submitted(lists []ifList) []string {
	var out []string
	for _, l := range lists {
		for _, c := range l.conds {
			if c.token != "" && !c.not && !strings.HasPrefix(c.token, "DAV:") {
				out = append(out, c.token)
			}
		}
	}
	return out
}
