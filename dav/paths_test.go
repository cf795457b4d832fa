package dav

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"cartable"
	"cartable/lock"
)

func TestSplitPath(t *testing.T) {
	cases := map[string][]string{
		"/dav":                      nil,
		"/dav/":                     nil,
		"/dav/Mes%20documents/":     {"Mes documents"},
		"/dav/Mes%20documents//a/b": {"Mes documents", "a", "b"},
		"/dav/Partag%C3%A9s%20avec%20moi/r%C3%A9sum%C3%A9%2B1.txt": {"Partagés avec moi", "résumé+1.txt"},
		"/dav/a%2Fb": {"a/b"}, // one segment, which no name may be: not found
	}
	for in, want := range cases {
		got, err := splitPath("/dav", in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, status := range map[string]int{"/davx/a": 404, "/other": 404, "/dav/a/../b": 400, "/dav/./a": 400, "/dav/%zz": 400} {
		if _, err := splitPath("/dav", in); statusOf(err) != status {
			t.Errorf("splitPath(%q) = %v, want %d", in, err, status)
		}
	}
}

func TestHref(t *testing.T) {
	if got := href("/dav", []string{"Mes documents", "été & co+.txt"}, false); got != "/dav/Mes%20documents/%C3%A9t%C3%A9%20&%20co%2B.txt" {
		t.Errorf("href = %s", got)
	}
	if got := href("/dav", []string{"Photos"}, true); got != "/dav/Photos/" {
		t.Errorf("collection href = %s", got)
	}
	if got := href("/dav", nil, true); got != "/dav/" {
		t.Errorf("root href = %s", got)
	}
	// What href writes, splitPath reads back.
	segs := []string{"Partagés avec moi", "100% [final] #2?.odt"}
	back, err := splitPath("/dav", href("/dav", segs, false))
	if err != nil || !reflect.DeepEqual(back, segs) {
		t.Errorf("round trip = %q, %v", back, err)
	}
}

func TestDistinct(t *testing.T) {
	got := distinct([]string{"6eA", "Mes documents", "6EA", "6ea"}, true)
	want := []string{"6eA", "Mes documents", "6EA (2)", "6ea (3)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("distinct folders = %q", got)
	}
	if got := distinct([]string{"cours.pdf", "Cours.pdf"}, false); got[1] != "Cours (2).pdf" {
		t.Errorf("distinct files = %q", got)
	}
}

func TestJunk(t *testing.T) {
	for name, want := range map[string]bool{".DS_Store": true, "._rapport.odt": true, "thumbs.db": true, "rapport.odt": false, ".bashrc": false, "_notes": false} {
		if junk([]string{"Mes documents", name}) != want {
			t.Errorf("junk(%q) = %v", name, !want)
		}
	}
}

func TestLockTTL(t *testing.T) {
	cases := map[string]time.Duration{
		"":                                  lock.DefaultTTL,
		"Infinite":                          lock.DefaultTTL,
		"Second-600":                        10 * time.Minute,
		"Infinite, Second-4100000000":       lock.MaxTTL,
		"Second-99999999999999999999999999": lock.MaxTTL,
		"Second-x":                          lock.DefaultTTL,
	}
	for header, want := range cases {
		if got := lockTTL(header); got != want {
			t.Errorf("lockTTL(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestStatusOf(t *testing.T) {
	cases := map[error]int{
		statusError(http.StatusBadGateway, "x"):                  http.StatusBadGateway,
		cartable.Errorf(cartable.EQuotaExceeded, "full"):         http.StatusInsufficientStorage,
		cartable.Errorf(cartable.ELocked, "locked"):              http.StatusLocked,
		cartable.Errorf(cartable.ENotAuthor, "not yours"):        http.StatusForbidden,
		cartable.Errorf(codeRateLimited, "wait"):                 http.StatusTooManyRequests,
		cartable.Errorf(cartable.EPreconditionFailed, "changed"): http.StatusPreconditionFailed,
		cartable.Errorf(cartable.ENameConflict, "taken"):         http.StatusConflict,
	}
	for err, want := range cases {
		if got := statusOf(err); got != want {
			t.Errorf("statusOf(%v) = %d, want %d", err, got, want)
		}
	}
}
