package main

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable/presign"
	"cartable/previewtest"
)

// signedItem is an item with its URLs that need no Authorization header.
type signedItem struct {
	previewItem
	CurrentVersionID string `json:"current_version_id"`
	DownloadURL      string `json:"download_url"`
}

// readItem reads an item as a user, into the fields a test looks at.
func readItem[T any](u *user, id string) T {
	u.t.Helper()
	r := u.get(itemPath(id))
	wantStatus(u.t, r, http.StatusOK, u.id+" reads "+id)
	var out T
	r.json(u.t, &out)
	return out
}

// local turns a signed URL of the instance into the path its client requests.
func (in *instance) local(url string) string {
	in.t.Helper()
	if !strings.HasPrefix(url, in.url+"/api/v1/signed/items/") {
		in.t.Fatalf("%q is not a signed URL of %s", url, in.url)
	}
	return strings.TrimPrefix(url, in.url)
}

// fetch GETs a signed URL as a browser's <img> or <video> does: no Authorization,
// no link password.
func (in *instance) fetch(url string, header map[string]string) response {
	in.t.Helper()
	return in.do(http.MethodGet, in.local(url), "", nil, header)
}

var signedCache = regexp.MustCompile(`^private, max-age=(\d+)$`)

// renderToken is the ?v= of a thumbnail URL: it names the render.
func renderToken(url string) string {
	m := regexp.MustCompile(`[?&]v=([^&]+)`).FindStringSubmatch(url)
	if m == nil {
		return ""
	}
	return m[1]
}

// wantSignedHeaders checks what every answer of a signed URL says: never cached
// longer than the URL lives, the token not sent on.
func wantSignedHeaders(t *testing.T, r response, what string) {
	t.Helper()
	m := signedCache.FindStringSubmatch(r.Header.Get("Cache-Control"))
	if m == nil {
		t.Fatalf("%s: Cache-Control %q", what, r.Header.Get("Cache-Control"))
	}
	if age, _ := strconv.Atoi(m[1]); age <= 0 || age > 600 {
		t.Errorf("%s: max-age %d, want within the URL's 10 minutes", what, age)
	}
	if rp := r.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("%s: Referrer-Policy %q", what, rp)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: no nosniff", what)
	}
}

// wantGone checks that a signed URL is dead: a 404 like any unknown item.
func wantGone(t *testing.T, in *instance, path, what string) {
	t.Helper()
	r := in.do(http.MethodGet, path, "", nil, nil)
	wantProblem(t, r, http.StatusNotFound, "not_found", what)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: a refusal is cached (%q)", what, cc)
	}
}

// TestSignedDownload: a file's download_url works without any header, with Range
// (a video seeking, a download resumed), ETag and the download's headers.
func TestSignedDownload(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	data := []byte(strings.Repeat("0123456789", 10))
	file := prof.mustUpload(prof.home(), "leçon 1.txt", data)
	it := readItem[signedItem](prof, file.ID)
	want := fmt.Sprintf("%s/api/v1/signed/items/%s/versions/%s/content?sig=", in.url, file.ID, it.CurrentVersionID)
	if !strings.HasPrefix(it.DownloadURL, want) {
		t.Fatalf("download_url %q, want it under %s", it.DownloadURL, want)
	}

	whole := in.fetch(it.DownloadURL, nil)
	wantStatus(t, whole, http.StatusOK, "signed download")
	if !bytes.Equal(whole.body, data) {
		t.Fatalf("signed download gave %q", whole.body)
	}
	wantSignedHeaders(t, whole, "signed download")
	if cd := whole.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''le%C3%A7on%201.txt") {
		t.Errorf("Content-Disposition %q", cd)
	}

	part := in.fetch(it.DownloadURL, map[string]string{"Range": "bytes=10-19"})
	wantStatus(t, part, http.StatusPartialContent, "signed range")
	if !bytes.Equal(part.body, data[10:20]) || part.Header.Get("Content-Range") != "bytes 10-19/100" {
		t.Errorf("range: %q, Content-Range %q", part.body, part.Header.Get("Content-Range"))
	}
	wantSignedHeaders(t, part, "signed range")
	wantStatus(t, in.fetch(it.DownloadURL, map[string]string{"If-None-Match": whole.Header.Get("ETag")}), http.StatusNotModified, "revalidation")
	head := in.do(http.MethodHead, in.local(it.DownloadURL), "", nil, nil)
	if head.StatusCode != http.StatusOK || head.Header.Get("Content-Length") != "100" || len(head.body) != 0 {
		t.Errorf("HEAD: %d, length %q, %d bytes", head.StatusCode, head.Header.Get("Content-Length"), len(head.body))
	}
	if cd := in.fetch(it.DownloadURL+"&download=1", nil).Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("?download=1: Content-Disposition %q", cd)
	}

	// Listings give the URLs too; folders have none; JSON answers are never stored
	// (a browser revalidating one would hand back dead URLs).
	r := prof.get(itemPath(prof.home(), "/children"))
	var page struct{ Items []signedItem }
	r.json(t, &page)
	for _, listed := range page.Items {
		if listed.ID == file.ID && !strings.HasPrefix(listed.DownloadURL, want) {
			t.Errorf("listed download_url %q", listed.DownloadURL)
		}
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("a listing is Cache-Control %q", cc)
	}
	folder := prof.mkdir(prof.home(), "Cours")
	if got := readItem[signedItem](prof, folder.ID); got.DownloadURL != "" {
		t.Errorf("a folder has a download_url: %s", got.DownloadURL)
	}
}

// TestSignedURLRefusals: a token that does not hold for its URL is a 404, always the
// same one, and so is a valid token whose holder may not read the file.
func TestSignedURLRefusals(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	a := readItem[signedItem](prof, prof.mustUpload(prof.home(), "a.txt", []byte("fichier a")).ID)
	b := readItem[signedItem](prof, prof.mustUpload(prof.home(), "b.txt", []byte("fichier b")).ID)
	aPath, aSig, _ := strings.Cut(in.local(a.DownloadURL), "?sig=")
	signer, err := in.app.cfg.signer()
	if err != nil {
		t.Fatal(err)
	}
	itemA, versionA := uuid.MustParse(a.ID), uuid.MustParse(a.CurrentVersionID)
	sign := func(s *presign.Signer, h presign.Holder, target presign.Target) string {
		sig, _ := s.Sign(h, target)
		return sig
	}
	fileA := presign.Target{ItemID: itemA, VersionID: versionA}
	profH := presign.Holder{UserID: "prof.martin"}
	// A token the test makes itself works: the refusals below are not the test's own mistakes.
	wantStatus(t, in.do(http.MethodGet, aPath+"?sig="+sign(signer, profH, fileA), "", nil, nil), http.StatusOK, "a token made like the service's")

	otherSecret, err := presign.New(10*time.Minute, strings.Repeat("x", 32))
	if err != nil {
		t.Fatal(err)
	}
	past := signer.WithClock(func() time.Time { return time.Now().Add(-time.Hour) })
	tampered := []byte(aSig)
	tampered[len(tampered)-3] ^= 1
	for _, tc := range []struct{ name, path string }{
		{"no sig", aPath},
		{"empty sig", aPath + "?sig="},
		{"tampered", aPath + "?sig=" + string(tampered)},
		{"another item's path", fmt.Sprintf("/api/v1/signed/items/%s/versions/%s/content?sig=%s", b.ID, b.CurrentVersionID, aSig)},
		{"another version", fmt.Sprintf("/api/v1/signed/items/%s/versions/%s/content?sig=%s", a.ID, b.CurrentVersionID, aSig)},
		{"a thumbnail's token on the content", aPath + "?sig=" + sign(signer, profH, presign.Target{ItemID: itemA, VersionID: versionA, Rendition: "small"})},
		{"the content's token on a thumbnail", fmt.Sprintf("/api/v1/signed/items/%s/versions/%s/thumbnails/small?sig=%s", a.ID, a.CurrentVersionID, aSig)},
		{"expired", aPath + "?sig=" + sign(past, profH, fileA)},
		{"another secret", aPath + "?sig=" + sign(otherSecret, profH, fileA)},
		{"a user the directory does not know", aPath + "?sig=" + sign(signer, presign.Holder{UserID: "nobody"}, fileA)},
		{"a link that does not exist", aPath + "?sig=" + sign(signer, presign.Holder{LinkID: uuid.New()}, fileA)},
		{"a malformed id", "/api/v1/signed/items/x/versions/y/content?sig=" + aSig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := in.do(http.MethodGet, tc.path, "", nil, nil)
			wantProblem(t, r, http.StatusNotFound, "not_found", tc.name)
			var p struct{ Detail string }
			r.json(t, &p)
			if p.Detail != "no such file" {
				t.Errorf("detail %q gives a hint", p.Detail)
			}
			if rp := r.Header.Get("Referrer-Policy"); rp != "no-referrer" {
				t.Errorf("Referrer-Policy %q", rp)
			}
		})
	}
	// A genuine token for a pupil who may not read the teacher's file.
	wantGone(t, in, aPath+"?sig="+sign(signer, presign.Holder{UserID: "eleve.6a.01"}, fileA), "a pupil's token on the teacher's file")
}

// TestSignedURLAfterUnshare: revoking a share ends the pupil's URL at once.
func TestSignedURLAfterUnshare(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	file := prof.mustUpload(prof.home(), "corrigé.txt", []byte("le corrigé"))
	r := prof.shareWith(file.ID, map[string]any{"kind": "user", "id": "eleve.6a.01"}, "viewer", nil)
	wantStatus(t, r, http.StatusCreated, "share with a pupil")
	var perm struct{ ID string }
	r.json(t, &perm)

	pupil := in.as("eleve.6a.01")
	url := readItem[signedItem](pupil, file.ID).DownloadURL
	if got := in.fetch(url, nil); !bytes.Equal(got.body, []byte("le corrigé")) {
		t.Fatalf("the pupil's signed URL: %d %s", got.StatusCode, got.body)
	}
	profURL := readItem[signedItem](prof, file.ID).DownloadURL
	wantStatus(t, prof.do(http.MethodDelete, itemPath(file.ID, "/permissions/", perm.ID), nil, nil), http.StatusNoContent, "unshare")
	wantGone(t, in, in.local(url), "the pupil's URL after unsharing")
	wantStatus(t, in.fetch(profURL, nil), http.StatusOK, "the teacher's URL after unsharing")

	// Trashing ends every URL of the file.
	wantStatus(t, prof.do(http.MethodDelete, itemPath(file.ID), nil, nil), http.StatusNoContent, "trash")
	wantGone(t, in, in.local(profURL), "the teacher's URL after trashing")
}

// TestSignedURLAfterNewVersion: a URL serves the version it was signed for. After a
// new version the old URL keeps serving the old bytes (the reader may still read the
// file: a video playing does not switch files), and answers give a new URL.
func TestSignedURLAfterNewVersion(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	file := prof.mustUpload(prof.home(), "sujet.txt", []byte("version une"))
	old := readItem[signedItem](prof, file.ID).DownloadURL
	r := prof.do(http.MethodPut, itemPath(file.ID, "/content"), strings.NewReader("version deux, plus longue"), nil)
	wantStatus(t, r, http.StatusOK, "new version")
	current := readItem[signedItem](prof, file.ID).DownloadURL
	if current == old {
		t.Fatal("a new version kept the same download_url")
	}
	if got := in.fetch(old, nil); got.StatusCode != http.StatusOK || string(got.body) != "version une" {
		t.Errorf("the old URL after a new version: %d %q", got.StatusCode, got.body)
	}
	if got := in.fetch(old, map[string]string{"Range": "bytes=8-"}); got.StatusCode != http.StatusPartialContent || string(got.body) != "une" {
		t.Errorf("a range of the old URL: %d %q", got.StatusCode, got.body)
	}
	if got := in.fetch(current, nil); string(got.body) != "version deux, plus longue" {
		t.Errorf("the new URL: %d %q", got.StatusCode, got.body)
	}
}

// TestSignedThumbnails: thumbnail URLs work in an <img> (no header), per version and
// size; a password-protected view link's URLs work without the password and die with
// the link.
func TestSignedThumbnails(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof := in.as("prof.martin")
	folder := prof.mkdir(prof.home(), "Sortie")
	photo := prof.mustUpload(folder.ID, "photo.jpg", previewtest.Photo(640, 480, 0, 11))
	waitForPreviews(t, prof, folder.ID)
	first := readItem[signedItem](prof, photo.ID)
	small := first.Thumbnails["small"].URL
	webp := in.fetch(small, map[string]string{"Accept": "image/avif,image/webp,*/*"})
	wantStatus(t, webp, http.StatusOK, "signed thumbnail")
	if ct := webp.Header.Get("Content-Type"); ct != "image/webp" || !bytes.HasPrefix(webp.body, []byte("RIFF")) {
		t.Errorf("signed thumbnail: %s", ct)
	}
	wantSignedHeaders(t, webp, "signed thumbnail")
	if jpg := in.fetch(small, map[string]string{"Accept": "image/jpeg"}); jpg.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("without WebP: %s", jpg.Header.Get("Content-Type"))
	}
	wantStatus(t, in.fetch(small, map[string]string{"Accept": "image/webp", "If-None-Match": webp.Header.Get("ETag")}), http.StatusNotModified, "revalidation")
	wantGone(t, in, strings.Replace(in.local(small), "/thumbnails/small?", "/thumbnails/large?", 1), "the small size's token on the large")

	// A new version: the old URL keeps its version's thumbnail, the new one differs.
	r := prof.do(http.MethodPut, itemPath(photo.ID, "/content"), bytes.NewReader(previewtest.Photo(300, 600, 0, 12)), nil)
	wantStatus(t, r, http.StatusOK, "new version")
	waitForPreviews(t, prof, folder.ID)
	second := readItem[signedItem](prof, photo.ID)
	again := in.fetch(small, map[string]string{"Accept": "image/webp"})
	wantStatus(t, again, http.StatusOK, "the old version's thumbnail")
	now := in.fetch(second.Thumbnails["small"].URL, map[string]string{"Accept": "image/webp"})
	wantStatus(t, now, http.StatusOK, "the new version's thumbnail")
	if again.Header.Get("ETag") != webp.Header.Get("ETag") || now.Header.Get("ETag") == webp.Header.Get("ETag") {
		t.Errorf("ETags: first %s, old URL now %s, new URL %s", webp.Header.Get("ETag"), again.Header.Get("ETag"), now.Header.Get("ETag"))
	}

	// A password-protected view link: its visitors' URLs need no password.
	expires := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	viaLink := func() (string, signedItem) {
		r := prof.sendJSON(http.MethodPost, itemPath(folder.ID, "/links"), map[string]any{"kind": "view", "expires_at": expires, "password": "sortie2026"}, nil)
		wantStatus(t, r, http.StatusCreated, "create a view link")
		var l struct{ ID, Token string }
		r.json(t, &l)
		var page struct{ Items []signedItem }
		listing := in.visit("/api/v1/links/"+l.Token+"/items/"+folder.ID+"/children", "sortie2026", nil, nil)
		wantStatus(t, listing, http.StatusOK, "list through the link")
		listing.json(t, &page)
		if len(page.Items) != 1 || page.Items[0].DownloadURL == "" || page.Items[0].Thumbnails["small"].URL == "" {
			t.Fatalf("listing through the link: %s", listing.body)
		}
		return l.ID, page.Items[0]
	}
	linkID, visited := viaLink()
	if visited.Thumbnails["small"].URL == second.Thumbnails["small"].URL {
		t.Error("the link's visitors get the teacher's URL")
	}
	wantStatus(t, in.fetch(visited.Thumbnails["small"].URL, map[string]string{"Accept": "image/webp"}), http.StatusOK, "the link's thumbnail, no password")
	wantStatus(t, in.fetch(visited.DownloadURL, nil), http.StatusOK, "the link's download, no password")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(folder.ID, "/links/", linkID), nil, nil), http.StatusNoContent, "revoke")
	wantGone(t, in, in.local(visited.Thumbnails["small"].URL), "the thumbnail of a revoked link")
	wantGone(t, in, in.local(visited.DownloadURL), "the download of a revoked link")

	linkID, visited = viaLink()
	wantStatus(t, in.fetch(visited.DownloadURL, nil), http.StatusOK, "a second link's download")
	if _, err := in.app.pool.Exec(t.Context(), `UPDATE links SET expires_at = now() - interval '1 second' WHERE id = $1`, linkID); err != nil {
		t.Fatal(err)
	}
	wantGone(t, in, in.local(visited.Thumbnails["small"].URL), "the thumbnail of an expired link")
}
