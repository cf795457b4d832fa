package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cartable/previewtest"
)

// apiEmbed is an embed as the API gives it.
type apiEmbed struct {
	ID            string            `json:"id"`
	VersionID     string            `json:"version_id"`
	MimeType      string            `json:"mime_type"`
	CreatedBy     string            `json:"created_by"`
	URL           string            `json:"url"`
	ThumbnailURLs map[string]string `json:"thumbnail_urls"`
}

// embedOf publishes a file and decodes the embed.
func (u *user) embedOf(id string) apiEmbed {
	u.t.Helper()
	r := u.do(http.MethodPost, itemPath(id, "/embeds"), nil, nil)
	wantStatus(u.t, r, http.StatusCreated, "create an embed")
	var e apiEmbed
	r.json(u.t, &e)
	return e
}

// read fetches an embed's URL as a blog's reader does: no account, from a page
// of another origin.
func (in *instance) read(method, url string, header map[string]string) response {
	in.t.Helper()
	h := map[string]string{"Origin": "https://blog.example.org"}
	for k, v := range header {
		h[k] = v
	}
	if !strings.HasPrefix(url, in.url+"/embed/") {
		in.t.Fatalf("%q is not an embed URL of %s", url, in.url)
	}
	return in.do(method, strings.TrimPrefix(url, in.url), "", nil, h)
}

// clip is a file sniffed as video/mp4, long enough for ranges, with bytes that
// say which version it is.
func clip(version byte) []byte {
	body := bytes.Repeat([]byte{version}, 64<<10)
	for i := range body {
		body[i] ^= byte(i)
	}
	return append(fakeMP4(), body...)
}

// TestEmbedsPublishAVersion: a teacher publishes a class video and a photo for
// the class blog; anyone reads them without an account, from another origin, with
// ranges, ETags and thumbnails; a new version changes nothing the blog shows;
// pupils and another school's teacher cannot publish (nor see); removal, the
// trash and a purge end the URL at once.
func TestEmbedsPublishAVersion(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	secondCollege(t, in)
	prof, pupil, stranger := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("prof.hugo")
	folder := prof.mkdir(prof.space("group", "6A"), "Sortie au musée")
	v1 := clip(1)
	video := prof.mustUpload(folder.ID, "film-sortie.mp4", v1)
	photoBytes := previewtest.Photo(640, 480, 0, 1)
	photo := prof.mustUpload(folder.ID, "photo-classe.jpg", photoBytes)
	notes := prof.mustUpload(folder.ID, "notes.txt", []byte("à rendre lundi"))
	private := prof.mustUpload(prof.home(), "perso.jpg", previewtest.Photo(64, 64, 0, 2))

	// Who may publish: teachers who may change the file; others are refused, and
	// what they cannot see is a 404.
	wantProblem(t, prof.do(http.MethodPost, itemPath(notes.ID, "/embeds"), nil, nil), http.StatusUnsupportedMediaType, "not_embeddable", "a text file")
	wantProblem(t, prof.do(http.MethodPost, itemPath(folder.ID, "/embeds"), nil, nil), http.StatusUnsupportedMediaType, "not_embeddable", "a folder")
	wantProblem(t, pupil.do(http.MethodPost, itemPath(photo.ID, "/embeds"), nil, nil), http.StatusForbidden, "forbidden", "a pupil publishing a class photo")
	wantProblem(t, pupil.do(http.MethodPost, itemPath(private.ID, "/embeds"), nil, nil), http.StatusNotFound, "not_found", "a pupil probing a teacher's file")
	wantProblem(t, stranger.do(http.MethodPost, itemPath(video.ID, "/embeds"), nil, nil), http.StatusNotFound, "not_found", "another school's teacher")

	e := prof.embedOf(video.ID)
	if !strings.HasPrefix(e.URL, in.url+"/embed/") || e.MimeType != "video/mp4" || e.CreatedBy != "prof.martin" || e.VersionID == "" {
		t.Fatalf("embed = %+v", e)
	}
	if e.ThumbnailURLs["small"] != e.URL+"/thumbnails/small" || len(e.ThumbnailURLs) != 3 {
		t.Errorf("thumbnail URLs %v", e.ThumbnailURLs)
	}

	whole := in.read(http.MethodGet, e.URL, nil)
	wantStatus(t, whole, http.StatusOK, "the embed, no account")
	if !bytes.Equal(whole.body, v1) {
		t.Fatalf("the embed serves %d bytes, not the file's %d", len(whole.body), len(v1))
	}
	wantEmbedHeaders(t, whole, "video/mp4", "the whole file")
	part := in.read(http.MethodGet, e.URL, map[string]string{"Range": "bytes=1000-1999"})
	wantStatus(t, part, http.StatusPartialContent, "a range")
	if cr := part.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes 1000-1999/%d", len(v1)) || !bytes.Equal(part.body, v1[1000:2000]) {
		t.Errorf("range: %q, %d bytes", cr, len(part.body))
	}
	wantEmbedHeaders(t, part, "video/mp4", "a range")
	tail := in.read(http.MethodGet, e.URL, map[string]string{"Range": "bytes=-100"})
	if tail.StatusCode != http.StatusPartialContent || !bytes.Equal(tail.body, v1[len(v1)-100:]) {
		t.Errorf("suffix range: %d, %d bytes", tail.StatusCode, len(tail.body))
	}
	wantProblem(t, in.read(http.MethodGet, e.URL, map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(v1)+10)}), http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable", "a range past the end")
	head := in.read(http.MethodHead, e.URL, nil)
	if head.StatusCode != http.StatusOK || head.Header.Get("Content-Length") != fmt.Sprint(len(v1)) || len(head.body) != 0 {
		t.Errorf("HEAD: %d, Content-Length %q, %d bytes", head.StatusCode, head.Header.Get("Content-Length"), len(head.body))
	}
	wantEmbedHeaders(t, head, "video/mp4", "HEAD")
	etag := whole.Header.Get("ETag")
	wantStatus(t, in.read(http.MethodGet, e.URL, map[string]string{"If-None-Match": etag}), http.StatusNotModified, "revalidation")

	// A new version: the file changes, the blog does not.
	v2 := clip(2)
	wantStatus(t, prof.do(http.MethodPut, itemPath(video.ID, "/content"), bytes.NewReader(v2), nil), http.StatusOK, "a new version")
	if got := prof.get(itemPath(video.ID, "/content")); !bytes.Equal(got.body, v2) {
		t.Fatal("the file did not change")
	}
	if got := in.read(http.MethodGet, e.URL, nil); !bytes.Equal(got.body, v1) || got.Header.Get("ETag") != etag {
		t.Errorf("after a new version the embed serves %d bytes with ETag %q (want the first version's, %q)", len(got.body), got.Header.Get("ETag"), etag)
	}
	if again := prof.embedOf(video.ID); again.VersionID == e.VersionID {
		t.Error("a new embed still names the old version")
	}

	// The list: for who may publish, without tokens; never for a pupil or a stranger.
	var page struct{ Items []apiEmbed }
	listed := prof.get(itemPath(video.ID, "/embeds"))
	wantStatus(t, listed, http.StatusOK, "list")
	listed.json(t, &page)
	token := strings.TrimPrefix(e.URL, in.url+"/embed/")
	if len(page.Items) != 2 || bytes.Contains(listed.body, []byte(token)) || page.Items[0].URL != "" {
		t.Errorf("list = %s", listed.body)
	}
	wantProblem(t, pupil.get(itemPath(video.ID, "/embeds")), http.StatusForbidden, "forbidden", "a pupil listing")
	wantProblem(t, stranger.get(itemPath(video.ID, "/embeds")), http.StatusNotFound, "not_found", "a stranger listing")
	wantProblem(t, stranger.do(http.MethodDelete, itemPath(video.ID, "/embeds/", e.ID), nil, nil), http.StatusNotFound, "not_found", "a stranger revoking")
	wantProblem(t, pupil.do(http.MethodDelete, itemPath(video.ID, "/embeds/", e.ID), nil, nil), http.StatusForbidden, "forbidden", "a pupil revoking")

	// Thumbnails of the photo's embed, once its preview is made.
	waitForPreview(t, prof, photo.ID)
	pe := prof.embedOf(photo.ID)
	img := in.read(http.MethodGet, pe.URL, nil)
	if !bytes.Equal(img.body, photoBytes) {
		t.Errorf("photo embed: %d, %d bytes", img.StatusCode, len(img.body))
	}
	wantEmbedHeaders(t, img, "image/jpeg", "the photo")
	for size, url := range pe.ThumbnailURLs {
		th := in.read(http.MethodGet, url, map[string]string{"Accept": "image/avif,image/webp,*/*"})
		wantStatus(t, th, http.StatusOK, size+" thumbnail")
		if th.Header.Get("Content-Type") != "image/webp" || !bytes.HasPrefix(th.body, []byte("RIFF")) ||
			th.Header.Get("Access-Control-Allow-Origin") != "*" || th.Header.Get("Cache-Control") != "public, max-age=300" {
			t.Errorf("%s thumbnail: %v", size, th.Header)
		}
		wantStatus(t, in.read(http.MethodGet, url, map[string]string{"Accept": "image/webp", "If-None-Match": th.Header.Get("ETag")}), http.StatusNotModified, size+" thumbnail revalidated")
	}
	wantProblem(t, in.read(http.MethodGet, pe.URL+"/thumbnails/huge", nil), http.StatusBadRequest, "invalid_request", "an unknown size")

	// Removal ends the URL at once; unknown tokens are plain 404s.
	wantStatus(t, prof.do(http.MethodDelete, itemPath(video.ID, "/embeds/", e.ID), nil, nil), http.StatusNoContent, "revoke")
	gone := in.read(http.MethodGet, e.URL, nil)
	wantProblem(t, gone, http.StatusNotFound, "not_found", "a removed embed")
	if cc := gone.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("a 404 is cached: %q", cc)
	}
	wantProblem(t, prof.do(http.MethodDelete, itemPath(video.ID, "/embeds/", e.ID), nil, nil), http.StatusNotFound, "not_found", "revoked twice")
	wantProblem(t, in.read(http.MethodGet, in.url+"/embed/"+strings.Repeat("A", 43), nil), http.StatusNotFound, "not_found", "a guessed token")
	wantProblem(t, in.read(http.MethodGet, in.url+"/embed/nope", nil), http.StatusNotFound, "not_found", "a malformed token")

	// The trash hides the file from its embeds (restored, it is back); a purge ends them.
	wantStatus(t, prof.do(http.MethodDelete, itemPath(photo.ID), nil, nil), http.StatusNoContent, "trash the photo")
	wantProblem(t, in.read(http.MethodGet, pe.URL, nil), http.StatusNotFound, "not_found", "a trashed photo")
	wantStatus(t, in.read(http.MethodGet, pe.ThumbnailURLs["small"], nil), http.StatusNotFound, "a trashed photo's thumbnail")
	wantStatus(t, prof.do(http.MethodPost, itemPath(photo.ID, "/restore"), nil, nil), http.StatusOK, "restore")
	wantStatus(t, in.read(http.MethodGet, pe.URL, nil), http.StatusOK, "a restored photo")
	wantStatus(t, prof.do(http.MethodDelete, itemPath(photo.ID), nil, nil), http.StatusNoContent, "trash again")
	wantStatus(t, prof.do(http.MethodDelete, "/api/v1/trash/"+photo.ID, nil, nil), http.StatusNoContent, "purge")
	wantProblem(t, in.read(http.MethodGet, pe.URL, nil), http.StatusNotFound, "not_found", "a purged photo")
	if n := in.count(t, `SELECT count(*) FROM embeds WHERE item_id = '`+photo.ID+`'`); n != 0 {
		t.Errorf("%d embeds left of a purged file", n)
	}

	feed := in.as("service.provisioning").get("/api/v1/events?limit=100")
	for _, kind := range []string{"embed_created", "embed_revoked"} {
		if !strings.Contains(string(feed.body), `"kind":"`+kind+`"`) {
			t.Errorf("the feed has no %s: %s", kind, feed.body)
		}
	}
}

// wantEmbedHeaders checks what a page of any origin needs to show an embed, and
// what keeps it safe.
func wantEmbedHeaders(t *testing.T, r response, mimeType, what string) {
	t.Helper()
	want := map[string]string{
		"Content-Type":                 mimeType,
		"Content-Disposition":          "inline",
		"X-Content-Type-Options":       "nosniff",
		"Accept-Ranges":                "bytes",
		"Access-Control-Allow-Origin":  "*",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"Cache-Control":                "public, max-age=300",
		"Referrer-Policy":              "no-referrer",
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if r.Header.Get("ETag") == "" {
		t.Errorf("%s: no ETag", what)
	}
}

// TestEmbedLivesWhileItsCreatorReads: a colleague who may only read a folder
// cannot publish from it; given the contributor role, they can; when the share is
// taken back, their embed is a 404 (it is served on their behalf), while the
// owner's own embed of the same file goes on. The owner may remove the
// colleague's embed, and the colleague their own.
func TestEmbedLivesWhileItsCreatorReads(t *testing.T) {
	in := start(t)
	owner, colleague := in.as("prof.martin"), in.as("prof.bernard")
	folder := owner.mkdir(owner.home(), "Photos du voyage")
	photo := owner.mustUpload(folder.ID, "groupe.jpg", previewtest.Photo(64, 48, 0, 1))

	r := owner.shareWith(folder.ID, map[string]any{"kind": "user", "id": "prof.bernard"}, "viewer", nil)
	wantStatus(t, r, http.StatusCreated, "share to read")
	var perm struct{ ID string }
	r.json(t, &perm)
	wantProblem(t, colleague.do(http.MethodPost, itemPath(photo.ID, "/embeds"), nil, nil), http.StatusForbidden, "forbidden", "a reader publishing")
	wantProblem(t, colleague.get(itemPath(photo.ID, "/embeds")), http.StatusForbidden, "forbidden", "a reader listing")
	wantStatus(t, owner.sendJSON(http.MethodPatch, itemPath(folder.ID, "/permissions/", perm.ID), map[string]any{"role": "contributor"}, nil), http.StatusOK, "contributor now")

	theirs, mine := colleague.embedOf(photo.ID), owner.embedOf(photo.ID)
	wantStatus(t, in.read(http.MethodGet, theirs.URL, nil), http.StatusOK, "the colleague's embed")
	// Served on the colleague's behalf, but they did not open it: nothing in their recent files.
	if got := colleague.personalList("/api/v1/recent", 100); len(got) != 0 {
		t.Errorf("the embed's readers fill its creator's recent files: %v", names(got))
	}
	wantStatus(t, owner.do(http.MethodDelete, itemPath(folder.ID, "/permissions/", perm.ID), nil, nil), http.StatusNoContent, "unshare")
	wantProblem(t, in.read(http.MethodGet, theirs.URL, nil), http.StatusNotFound, "not_found", "the colleague's embed after unsharing")
	wantStatus(t, in.read(http.MethodGet, mine.URL, nil), http.StatusOK, "the owner's embed after unsharing")
	wantStatus(t, owner.do(http.MethodDelete, itemPath(photo.ID, "/embeds/", theirs.ID), nil, nil), http.StatusNoContent, "the owner removes the colleague's embed")

	// Shared again as contributor, the colleague removes an embed they made.
	wantStatus(t, owner.shareWith(folder.ID, map[string]any{"kind": "user", "id": "prof.bernard"}, "contributor", nil), http.StatusCreated, "share again")
	again := colleague.embedOf(photo.ID)
	wantStatus(t, colleague.do(http.MethodDelete, itemPath(photo.ID, "/embeds/", again.ID), nil, nil), http.StatusNoContent, "the colleague removes theirs")
	wantProblem(t, in.read(http.MethodGet, again.URL, nil), http.StatusNotFound, "not_found", "a removed embed")
}
