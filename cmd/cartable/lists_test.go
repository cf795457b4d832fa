package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listPage is one page of any list: {"items": [...], "next_cursor": "..."}.
type listPage struct {
	Items      []json.RawMessage
	NextCursor string // empty when the answer has none
}

// page reads one page of a list and checks its envelope: an items array, a
// next_cursor that is a non-empty string when present, and nothing else.
func (u *user) page(path string, query url.Values) listPage {
	u.t.Helper()
	r := u.get(withQuery(path, query))
	wantStatus(u.t, r, http.StatusOK, "list "+path)
	var raw map[string]json.RawMessage
	r.json(u.t, &raw)
	var p listPage
	for key, v := range raw {
		switch key {
		case "items":
			if err := json.Unmarshal(v, &p.Items); err != nil || p.Items == nil {
				u.t.Fatalf("%s: items is not an array: %s", path, r.body)
			}
		case "next_cursor":
			if err := json.Unmarshal(v, &p.NextCursor); err != nil || p.NextCursor == "" {
				u.t.Fatalf("%s: next_cursor is not a non-empty string: %s", path, r.body)
			}
		default:
			u.t.Fatalf("%s: unexpected key %q in a list: %s", path, key, r.body)
		}
	}
	if p.Items == nil {
		u.t.Fatalf("%s: no items: %s", path, r.body)
	}
	return p
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + q.Encode()
}

// walk pages through a finite list, limit items at a time, and returns the key of
// each item in order. between runs after each page but the last, so that a test can
// change the list while a client pages through it.
func (u *user) walk(path string, limit int, key func(json.RawMessage) string, between func(page int)) []string {
	u.t.Helper()
	var keys []string
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	for n := 1; ; n++ {
		p := u.page(path, q)
		if len(p.Items) > limit {
			u.t.Fatalf("%s: page %d has %d items, limit %d", path, n, len(p.Items), limit)
		}
		for _, it := range p.Items {
			keys = append(keys, key(it))
		}
		if p.NextCursor == "" {
			return keys
		}
		if n > 50 {
			u.t.Fatalf("%s: still a next page after %d pages", path, n)
		}
		if between != nil {
			between(n)
		}
		q.Set("cursor", p.NextCursor)
	}
}

// field reads a value of a list item by its dotted path ("item.id") as a string.
func field(path string) func(json.RawMessage) string {
	return func(raw json.RawMessage) string {
		for _, name := range strings.Split(path, ".") {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return "?"
			}
			raw = m[name]
		}
		return strings.Trim(string(raw), `"`)
	}
}

var idOf = field("id")

// wantKeys checks that a list gave exactly want, in order, each once.
func wantKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, k := range got {
		if seen[k] {
			t.Errorf("%s: %s listed twice in %v", what, k, got)
		}
		seen[k] = true
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// wantPagingProblems checks that a list refuses a bad limit or cursor with a 400
// naming the parameter; foreign is a cursor of another list or sort.
func (u *user) wantPagingProblems(path, foreign string) {
	u.t.Helper()
	bad := []struct{ param, value string }{
		{"limit", "0"}, {"limit", "-1"}, {"limit", "1001"}, {"limit", "dix"},
		{"cursor", "garbage"}, {"cursor", "eyJsIjoieCJ9"}, {"cursor", foreign},
	}
	for _, b := range bad {
		what := fmt.Sprintf("%s with %s=%s", path, b.param, b.value)
		r := u.get(withQuery(path, url.Values{b.param: {b.value}}))
		wantProblem(u.t, r, http.StatusBadRequest, "invalid_request", what)
		var p struct {
			Fields map[string]any `json:"fields"`
		}
		r.json(u.t, &p)
		if p.Fields["field"] != b.param {
			u.t.Errorf("%s: fields = %v, want field %q", what, p.Fields, b.param)
		}
	}
}

// firstCursor is the next_cursor of a list's first page of one item.
func (u *user) firstCursor(path string) string {
	u.t.Helper()
	p := u.page(path, url.Values{"limit": {"1"}})
	if p.NextCursor == "" {
		u.t.Fatalf("%s: one item a page gives no next page", path)
	}
	return p.NextCursor
}

// TestWorkspaceListsPage pages through a folder, the trash and a file's versions
// while they change, with the one list shape.
func TestWorkspaceListsPage(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home := prof.home()

	// Children by name, folders first; a file added after the cursor is listed, a
	// folder added before it neither shifts the pages nor shows.
	binder := prof.mkdir(home, "Classeur")
	ids := map[string]string{}
	for _, name := range []string{"Dossier B", "Dossier D"} {
		ids[name] = prof.mkdir(binder.ID, name).ID
	}
	for _, name := range []string{"b.txt", "d.txt", "f.txt", "h.txt"} {
		ids[name] = prof.mustUpload(binder.ID, name, []byte(name)).ID
	}
	children := itemPath(binder.ID, "/children")
	got := prof.walk(children, 2, idOf, func(page int) {
		if page == 1 {
			prof.mkdir(binder.ID, "Dossier A")
			ids["c.txt"] = prof.mustUpload(binder.ID, "c.txt", []byte("c")).ID
		}
	})
	var want []string
	for _, name := range []string{"Dossier B", "Dossier D", "b.txt", "c.txt", "d.txt", "f.txt", "h.txt"} {
		want = append(want, ids[name])
	}
	wantKeys(t, "children by name", got, want)
	bySize := prof.firstCursor(withQuery(children, url.Values{"sort": {"size"}, "order": {"desc"}}))
	prof.wantPagingProblems(children, bySize)

	// The trash, newest first: what is trashed while a client pages comes before
	// its cursor and shifts nothing.
	want = nil
	for i := 1; i <= 5; i++ {
		it := prof.mustUpload(home, fmt.Sprintf("t%d.txt", i), []byte("t"))
		wantStatus(t, prof.trash(it.ID), http.StatusNoContent, "trash "+it.Name)
		want = append([]string{it.ID}, want...)
	}
	late := prof.mustUpload(home, "t6.txt", []byte("t"))
	got = prof.walk("/api/v1/trash", 2, idOf, func(page int) {
		if page == 1 {
			wantStatus(t, prof.trash(late.ID), http.StatusNoContent, "trash while paging")
		}
	})
	wantKeys(t, "trash", got, want)
	trashCursor := prof.firstCursor("/api/v1/trash")
	prof.wantPagingProblems("/api/v1/trash", bySize)

	// Versions, newest first: a version added while paging is newer than the cursor.
	file := prof.mustUpload(home, "cours.txt", []byte("v1"))
	for i := 2; i <= 5; i++ {
		wantStatus(t, prof.overwrite(file.ID, fmt.Sprintf("v%d", i)), http.StatusOK, "new version")
	}
	versions := itemPath(file.ID, "/versions")
	got = prof.walk(versions, 2, field("number"), func(page int) {
		if page == 1 {
			wantStatus(t, prof.overwrite(file.ID, "v6"), http.StatusOK, "new version while paging")
		}
	})
	wantKeys(t, "versions", got, []string{"5", "4", "3", "2", "1"})
	prof.wantPagingProblems(versions, trashCursor)
}

// TestSharingListsPage pages through "shared with me", a space's "shared by me", an
// item's permissions and its links while they change.
func TestSharingListsPage(t *testing.T) {
	in := start(t)
	prof, pupil := in.as("prof.martin"), in.as("eleve.6a.03")
	home := prof.home()
	folders := map[string]apiItem{}
	share := func(name string) {
		t.Helper()
		f := prof.mkdir(home, name)
		folders[name] = f
		wantStatus(t, prof.shareWith(f.ID, map[string]any{"kind": "user", "id": pupil.id}, "viewer", nil), http.StatusCreated, "share "+name)
	}
	idsOf := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, folders[n].ID)
		}
		return out
	}
	for i := 1; i <= 5; i++ {
		share(fmt.Sprintf("Partage %d", i))
	}

	// Shared with me, newest first: a new share comes before the cursor.
	got := pupil.walk("/api/v1/shared", 2, idOf, func(page int) {
		if page == 1 {
			share("Partage 6")
		}
	})
	wantKeys(t, "shared with me by date", got, idsOf("Partage 5", "Partage 4", "Partage 3", "Partage 2", "Partage 1"))
	// By name: a share named before the cursor shifts nothing.
	got = pupil.walk("/api/v1/shared?sort=name", 2, idOf, func(page int) {
		if page == 1 {
			share("Partage 0")
		}
	})
	wantKeys(t, "shared with me by name", got, idsOf("Partage 1", "Partage 2", "Partage 3", "Partage 4", "Partage 5", "Partage 6"))
	byName := pupil.firstCursor("/api/v1/shared?sort=name")
	pupil.wantPagingProblems("/api/v1/shared", byName)

	// The space's "shared by me", by name, each item with its grants.
	byMe := "/api/v1/spaces/" + folders["Partage 1"].SpaceID + "/shared"
	got = prof.walk(byMe, 3, field("item.id"), func(page int) {
		if page == 1 {
			share("Partage 05")
			share("Partage 9")
		}
	})
	wantKeys(t, "shared by me", got, idsOf("Partage 0", "Partage 1", "Partage 2", "Partage 3", "Partage 4", "Partage 5", "Partage 6", "Partage 9"))
	first := prof.page(byMe, url.Values{"limit": {"1"}})
	if perms := field("permissions")(first.Items[0]); !strings.Contains(perms, `"id":"eleve.6a.03"`) {
		t.Errorf("shared by me: the first item's permissions = %s", perms)
	}
	prof.wantPagingProblems(byMe, byName)

	// Permissions, oldest first: a grant given while paging comes after the cursor.
	target := folders["Partage 1"]
	for i := 4; i <= 7; i++ {
		wantStatus(t, prof.shareWith(target.ID, map[string]any{"kind": "user", "id": fmt.Sprintf("eleve.6a.%02d", i)}, "viewer", nil), http.StatusCreated, "share")
	}
	perms := itemPath(target.ID, "/permissions")
	got = prof.walk(perms, 2, field("grantee.id"), func(page int) {
		if page == 1 {
			wantStatus(t, prof.shareWith(target.ID, map[string]any{"kind": "user", "id": "eleve.6a.08"}, "viewer", nil), http.StatusCreated, "share while paging")
		}
	})
	wantKeys(t, "permissions", got, []string{"eleve.6a.03", "eleve.6a.04", "eleve.6a.05", "eleve.6a.06", "eleve.6a.07", "eleve.6a.08"})
	prof.wantPagingProblems(perms, byName)

	// Links, oldest first.
	outing := prof.mkdir(home, "Sortie")
	newLink := func() string {
		t.Helper()
		expires := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
		r := prof.sendJSON(http.MethodPost, itemPath(outing.ID, "/links"), map[string]any{"kind": "view", "expires_at": expires}, nil)
		wantStatus(t, r, http.StatusCreated, "create a link")
		return idOf(r.body)
	}
	var links []string
	for i := 0; i < 5; i++ {
		links = append(links, newLink())
	}
	linksPath := itemPath(outing.ID, "/links")
	got = prof.walk(linksPath, 2, idOf, func(page int) {
		if page == 1 {
			links = append(links, newLink())
		}
	})
	wantKeys(t, "links", got, links)
	prof.wantPagingProblems(linksPath, byName)
}

// TestEventsFeedPages: the feed is a list whose cursor never ends: every page,
// the empty one too, gives the position to poll from, and nothing is lost or
// repeated while events are written between pages.
func TestEventsFeedPages(t *testing.T) {
	in := start(t)
	prof, svc := in.as("prof.martin"), in.as("service.provisioning")
	home := prof.home()
	feed := "/api/v1/events"

	empty := svc.page(feed, nil)
	if len(empty.Items) != 0 || empty.NextCursor == "" {
		t.Fatalf("the feed before any event = %+v, want no item and a cursor", empty)
	}
	var folders []apiItem
	for i := 1; i <= 5; i++ {
		f := prof.mkdir(home, fmt.Sprintf("Partage %d", i))
		wantStatus(t, prof.shareWith(f.ID, map[string]any{"kind": "user", "id": "eleve.6a.03"}, "viewer", nil), http.StatusCreated, "share")
		folders = append(folders, f)
	}

	// Poll from the empty feed's cursor, writing an event between pages.
	var got []string
	cursor := empty.NextCursor
	for n := 1; ; n++ {
		p := svc.page(feed, url.Values{"limit": {"2"}, "cursor": {cursor}})
		if p.NextCursor == "" {
			t.Fatalf("feed page %d has no cursor", n)
		}
		if len(p.Items) > 2 {
			t.Fatalf("feed page %d has %d events", n, len(p.Items))
		}
		for _, e := range p.Items {
			got = append(got, field("item_name")(e)+" "+field("kind")(e))
		}
		cursor = p.NextCursor
		if len(p.Items) == 0 {
			break
		}
		if n == 1 {
			f := prof.mkdir(home, "Partage 6")
			wantStatus(t, prof.shareWith(f.ID, map[string]any{"kind": "user", "id": "eleve.6a.03"}, "viewer", nil), http.StatusCreated, "share while polling")
		}
		if n > 20 {
			t.Fatal("the feed never ends")
		}
	}
	wantKeys(t, "feed", got, []string{"Partage 1 share", "Partage 2 share", "Partage 3 share", "Partage 4 share", "Partage 5 share", "Partage 6 share"})

	// Nothing new: an empty page and a cursor; then the next event, once.
	again := svc.page(feed, url.Values{"cursor": {cursor}})
	if len(again.Items) != 0 || again.NextCursor == "" {
		t.Fatalf("polling an idle feed = %+v", again)
	}
	perms := prof.page(itemPath(folders[0].ID, "/permissions"), nil)
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folders[0].ID, "/permissions/", idOf(perms.Items[0])), nil, nil), http.StatusNoContent, "unshare")
	next := svc.page(feed, url.Values{"cursor": {again.NextCursor}})
	if len(next.Items) != 1 || field("kind")(next.Items[0]) != "unshare" || next.NextCursor == "" {
		t.Fatalf("the feed after an unshare = %+v", next)
	}
	var e map[string]any
	if err := json.Unmarshal(next.Items[0], &e); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "kind", "actor", "item_id", "item_name", "recipient", "role", "created_at"} {
		if _, ok := e[k]; !ok {
			t.Errorf("an event lacks %s: %v", k, e)
		}
	}
	if last := svc.page(feed, url.Values{"cursor": {next.NextCursor}}); len(last.Items) != 0 {
		t.Errorf("the unshare came twice: %+v", last)
	}

	svc.wantPagingProblems(feed, prof.firstCursor(itemPath(home, "/children")))
	r := svc.get(feed + "?after=0")
	wantProblem(t, r, http.StatusBadRequest, "invalid_request", "the old after parameter")
}
