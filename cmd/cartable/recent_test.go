package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// recentEntry is an item of /recent or /favorites.
type recentEntry struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	SpaceName string    `json:"space_name"`
	Action    string    `json:"action"`
	At        time.Time `json:"at"`
	Favorite  bool      `json:"favorite"`
	Download  string    `json:"download_url"`
}

// personalList reads a whole personal list (recent or favorites), limit items a page.
func (u *user) personalList(path string, limit int) []recentEntry {
	u.t.Helper()
	var out []recentEntry
	u.walk(path, limit, func(raw json.RawMessage) string {
		var e recentEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			u.t.Fatalf("%s: %v in %s", path, err, raw)
		}
		out = append(out, e)
		return e.ID
	}, nil)
	return out
}

func names(list []recentEntry) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Name
	}
	return out
}

func wantNames(t *testing.T, got []recentEntry, want []string, what string) {
	t.Helper()
	if !slices.Equal(names(got), want) {
		t.Fatalf("%s = %q, want %q", what, names(got), want)
	}
}

// recordedAt is when the database last recorded (user, item) in the recent list.
func (in *instance) recordedAt(userID, itemID string) (time.Time, string) {
	in.t.Helper()
	var at time.Time
	var action string
	err := in.app.pool.QueryRow(in.t.Context(), `SELECT at, action FROM recent_items WHERE user_id = $1 AND item_id = $2`, userID, itemID).Scan(&at, &action)
	if err != nil {
		in.t.Fatalf("recent record of %s for %s: %v", itemID, userID, err)
	}
	return at, action
}

// TestRecentFiles: what a user opens or changes comes to the top of their recent
// list, across spaces, once per file, with where it is; the chunks of one read
// write once; what they can no longer read leaves the list.
func TestRecentFiles(t *testing.T) {
	in := start(t)
	prof, pupil := in.as("prof.martin"), in.as("eleve.6a.03")
	home := prof.home()
	folder := prof.mkdir(home, "Sciences 6A")
	fiche := prof.mustUpload(folder.ID, "fiche.txt", []byte("fiche d'exercices"))
	video := prof.mustUpload(folder.ID, "video.txt", []byte(strings.Repeat("0123456789", 100)))
	later := prof.mustUpload(folder.ID, "plus tard.txt", []byte("plus tard"))
	moved := prof.mustUpload(folder.ID, "déplacé.txt", []byte("déplacé"))
	r := prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "viewer", nil)
	wantStatus(t, r, http.StatusCreated, "share with 6A students")
	var perm struct{ ID string }
	r.json(t, &perm)

	// The teacher's own uploads (changes), newest first; a new version moves one up.
	wantNames(t, prof.personalList("/api/v1/recent", 100), []string{"déplacé.txt", "plus tard.txt", "video.txt", "fiche.txt"}, "prof's recent after uploads")
	wantStatus(t, prof.overwrite(fiche.ID, "fiche corrigée"), http.StatusOK, "new version")
	got := prof.personalList("/api/v1/recent", 2)
	if got[0].Name != "fiche.txt" || got[0].Action != "changed" || got[0].SpaceName != "Mes documents" {
		t.Fatalf("prof's recent after a new version starts with %+v", got[0])
	}

	// A HEAD asks about the bytes and reads none: not an open.
	wantStatus(t, pupil.do(http.MethodHead, itemPath(fiche.ID, "/content"), nil, nil), http.StatusOK, "pupil's HEAD")
	wantNames(t, pupil.personalList("/api/v1/recent", 100), []string{}, "pupil's recent after a HEAD")

	// The pupil's opens: a download, a signed download URL, Range requests.
	if r := pupil.get(itemPath(fiche.ID, "/content")); r.StatusCode != http.StatusOK {
		t.Fatalf("pupil downloads: %d %s", r.StatusCode, r.body)
	}
	var signed struct {
		DownloadURL string `json:"download_url"`
	}
	pupil.get(itemPath(later.ID)).json(t, &signed)
	wantStatus(t, in.fetch(signed.DownloadURL, nil), http.StatusOK, "signed download")
	wantStatus(t, pupil.do(http.MethodGet, itemPath(video.ID, "/content"), nil, map[string]string{"Range": "bytes=0-99"}), http.StatusPartialContent, "first chunk")
	first, _ := in.recordedAt(pupil.id, video.ID)
	for _, chunk := range []string{"bytes=100-199", "bytes=200-299", "bytes=300-"} {
		wantStatus(t, pupil.do(http.MethodGet, itemPath(video.ID, "/content"), nil, map[string]string{"Range": chunk}), http.StatusPartialContent, chunk)
	}
	if again, _ := in.recordedAt(pupil.id, video.ID); !again.Equal(first) {
		t.Errorf("the next chunks of a read wrote again: %v then %v", first, again)
	}
	wantStatus(t, pupil.get(itemPath(moved.ID, "/content")), http.StatusOK, "pupil opens déplacé")
	// Their own file in the class space, sent by tus: a change.
	class := pupil.space("group", "6A")
	data := []byte("mon exposé")
	path, r := pupil.tus().create(len(data), metadata("filename", "exposé.txt", "parent", class))
	wantStatus(t, r, http.StatusCreated, "tus create")
	pupil.tus().send(path, data, 0, len(data))

	list := pupil.personalList("/api/v1/recent", 2)
	wantNames(t, list, []string{"exposé.txt", "déplacé.txt", "video.txt", "plus tard.txt", "fiche.txt"}, "pupil's recent")
	if e := list[0]; e.Action != "changed" || e.SpaceName != "6A" {
		t.Errorf("pupil's tus upload listed as %+v", e)
	}
	if e := list[1]; e.Action != "opened" || e.SpaceName != "Claire Martin" {
		t.Errorf("a file of the teacher's space listed as %+v", e)
	}
	for _, e := range list {
		if e.Download == "" {
			t.Errorf("%s has no download URL in the recent list", e.Name)
		}
	}

	// Out of reach: a file moved out of the shared folder, a trashed one, a class left.
	wantStatus(t, prof.sendJSON(http.MethodPatch, itemPath(moved.ID), map[string]any{"parent_id": home}, nil), http.StatusOK, "move out")
	wantStatus(t, prof.trash(later.ID), http.StatusNoContent, "trash")
	wantNames(t, pupil.personalList("/api/v1/recent", 1), []string{"exposé.txt", "video.txt", "fiche.txt"}, "pupil's recent after a move and a trash")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folder.ID, "/permissions/", perm.ID), nil, nil), http.StatusNoContent, "unshare")
	wantNames(t, pupil.personalList("/api/v1/recent", 1), []string{"exposé.txt"}, "pupil's recent after the unshare")
	pupilLeaves(t, in, pupil.id)
	wantNames(t, pupil.personalList("/api/v1/recent", 1), []string{}, "pupil's recent after leaving 6A")

	// A cursor of another list is refused.
	q := url.Values{"cursor": {"garbage"}}
	wantProblem(t, pupil.get(withQuery("/api/v1/recent", q)), http.StatusBadRequest, "invalid_request", "bad cursor")
}

// pupilLeaves takes a pupil out of 6A, as the ENT's directory does.
func pupilLeaves(t *testing.T, in *instance, pupilID string) {
	t.Helper()
	svc := in.as("service.provisioning")
	r := svc.get("/api/v1/admin/groups/0600001A-6A")
	wantStatus(t, r, http.StatusOK, "get group")
	var group map[string]any
	r.json(t, &group)
	var members []any
	for _, m := range group["members"].([]any) {
		if m.(map[string]any)["user_id"] != pupilID {
			members = append(members, m)
		}
	}
	group["members"] = members
	wantStatus(t, svc.sendJSON(http.MethodPut, "/api/v1/admin/groups/0600001A-6A", group, nil), http.StatusOK, pupilID+" leaves 6A")
}

// TestRecentIsBounded: a user's list keeps their latest files only.
func TestRecentIsBounded(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	home := prof.home()
	var first string
	for i := range 205 {
		it := prof.mustUpload(home, "f"+strings.Repeat("x", i%7)+uuid.NewString()[:8]+".txt", []byte("x"))
		if i == 0 {
			first = it.ID
		}
	}
	var n int
	if err := in.app.pool.QueryRow(t.Context(), `SELECT count(*) FROM recent_items WHERE user_id = $1`, prof.id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 200 {
		t.Errorf("%d recent rows kept, want 200", n)
	}
	for _, e := range prof.personalList("/api/v1/recent", 1000) {
		if e.ID == first {
			t.Errorf("the oldest file is still listed")
		}
	}
}

// TestFavorites: star and unstar what one may read, idempotently; the star shows
// on the item and its listing; another's private item is not found; an item one
// can no longer read leaves the list and comes back with access.
func TestFavorites(t *testing.T) {
	in := start(t)
	prof, pupil := in.as("prof.martin"), in.as("eleve.6a.03")
	home := prof.home()
	folder := prof.mkdir(home, "Cours")
	file := prof.mustUpload(folder.ID, "cours.pdf", []byte("%PDF-1.4 cours"))
	secret := prof.mustUpload(home, "notes.txt", []byte("privé"))

	star := func(u *user, id string) response { return u.do(http.MethodPut, itemPath(id, "/favorite"), nil, nil) }
	unstar := func(u *user, id string) response { return u.do(http.MethodDelete, itemPath(id, "/favorite"), nil, nil) }
	wantStatus(t, star(prof, file.ID), http.StatusNoContent, "star a file")
	wantStatus(t, star(prof, folder.ID), http.StatusNoContent, "star a folder")
	wantStatus(t, star(prof, folder.ID), http.StatusNoContent, "star a folder again")
	wantNames(t, prof.personalList("/api/v1/favorites", 1), []string{"Cours", "cours.pdf"}, "prof's favourites")

	var it struct {
		Favorite bool `json:"favorite"`
	}
	prof.get(itemPath(file.ID)).json(t, &it)
	if !it.Favorite {
		t.Errorf("a starred item does not say so")
	}
	var children struct {
		Items []struct {
			Name     string `json:"name"`
			Favorite bool   `json:"favorite"`
		} `json:"items"`
	}
	prof.get(itemPath(home, "/children")).json(t, &children)
	for _, c := range children.Items {
		if c.Favorite != (c.Name == "Cours") {
			t.Errorf("listing: %s favorite = %v", c.Name, c.Favorite)
		}
	}

	// Others' ids: not found, starred or not, and nothing is written.
	for _, id := range []string{secret.ID, file.ID, uuid.NewString()} {
		wantProblem(t, star(pupil, id), http.StatusNotFound, "not_found", "pupil stars "+id)
		wantProblem(t, unstar(pupil, id), http.StatusNotFound, "not_found", "pupil unstars "+id)
	}
	wantProblem(t, star(pupil, "not-an-id"), http.StatusNotFound, "not_found", "bad id")
	wantNames(t, pupil.personalList("/api/v1/favorites", 10), []string{}, "pupil's favourites")

	// Shared: the pupil stars it; it leaves with the share and comes back with it.
	share := func() string {
		r := prof.shareWith(folder.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Student"}, "viewer", nil)
		wantStatus(t, r, http.StatusCreated, "share")
		var perm struct{ ID string }
		r.json(t, &perm)
		return perm.ID
	}
	perm := share()
	wantStatus(t, star(pupil, file.ID), http.StatusNoContent, "pupil stars the shared file")
	wantNames(t, pupil.personalList("/api/v1/favorites", 10), []string{"cours.pdf"}, "pupil's favourites")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folder.ID, "/permissions/", perm), nil, nil), http.StatusNoContent, "unshare")
	wantNames(t, pupil.personalList("/api/v1/favorites", 10), []string{}, "pupil's favourites after the unshare")
	share()
	wantNames(t, pupil.personalList("/api/v1/favorites", 10), []string{"cours.pdf"}, "pupil's favourites shared again")

	// Unstar, twice; a trashed item leaves the list.
	wantStatus(t, unstar(prof, file.ID), http.StatusNoContent, "unstar")
	wantStatus(t, unstar(prof, file.ID), http.StatusNoContent, "unstar again")
	it.Favorite = false
	prof.get(itemPath(file.ID)).json(t, &it)
	if it.Favorite {
		t.Errorf("an unstarred item still says favorite")
	}
	wantStatus(t, prof.trash(folder.ID), http.StatusNoContent, "trash the folder")
	wantNames(t, prof.personalList("/api/v1/favorites", 10), []string{}, "prof's favourites after the trash")
	wantNames(t, pupil.personalList("/api/v1/favorites", 10), []string{}, "pupil's favourites after the trash")
}

// TestRecentFromOfficeAndDAV: the office editor reading a document is an open for
// the user whose session it is, and its save a change; a WebDAV PUT is a change.
func TestRecentFromOfficeAndDAV(t *testing.T) {
	in, office := startOffice(t, false)
	_, _, hugo, doc := classDocument(t, in, []byte("premier jet"))

	s := hugo.mustOpen(office, doc.ID)
	wantStatus(t, s.getFile(), http.StatusOK, "GetFile")
	got := hugo.personalList("/api/v1/recent", 10)
	if len(got) != 1 || got[0].ID != doc.ID || got[0].Action != "opened" || got[0].SpaceName != "6A" {
		t.Fatalf("Hugo's recent after GetFile = %+v", got)
	}
	wantStatus(t, s.lock("L1"), http.StatusOK, "Lock")
	wantStatus(t, s.putFile("L1", []byte("deuxième jet")), http.StatusOK, "PutFile")
	if got = hugo.personalList("/api/v1/recent", 10); len(got) != 1 || got[0].Action != "changed" {
		t.Fatalf("Hugo's recent after PutFile = %+v", got)
	}

	wantStatus(t, hugo.davDo("PUT", davHome+"notes%20WebDAV.txt", []byte("notes"), nil), http.StatusCreated, "DAV PUT")
	wantNames(t, hugo.personalList("/api/v1/recent", 10), []string{"notes WebDAV.txt", "Exposé.odt"}, "Hugo's recent after a WebDAV PUT")
}
