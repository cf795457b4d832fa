package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cartable/previewtest"
)

// apiMedium is an entry of the media picker as a client reads it.
type apiMedium struct {
	apiFound
	Preview    string `json:"preview"`
	Download   string `json:"download_url"`
	ModifiedAt string `json:"modified_at"`
	Thumbnails map[string]struct {
		URL    string `json:"url"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	} `json:"thumbnails"`
	Width  int `json:"width"`
	Height int `json:"height"`
}

type apiMediaPage struct {
	Items      []apiMedium `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

// media runs GET /api/v1/media with the query parameters, expecting a page.
func (u *user) media(params ...string) apiMediaPage {
	u.t.Helper()
	r := u.mediaRaw(params...)
	wantStatus(u.t, r, http.StatusOK, u.id+" lists media")
	var page apiMediaPage
	r.json(u.t, &page)
	return page
}

func (u *user) mediaRaw(params ...string) response {
	u.t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return u.get("/api/v1/media?" + v.Encode())
}

func mediaNames(page apiMediaPage) []string {
	out := make([]string, len(page.Items))
	for i, m := range page.Items {
		out[i] = m.Name
	}
	return out
}

// mp4 is the start of an MP4 file: enough for the type sniffed to be video/mp4.
var mp4 = []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41\x00\x00\x00\x08free")

// TestMediaPickerListsWhatTheCallerMayRead: a pupil's picker lists the class's
// images and videos, what is shared with them and their own assignment copy, newest
// first, with thumbnails a browser loads and the photo's upright size; never the
// teacher's private images, another pupil's copy, the trash or documents. Type and
// space filters, pages and bad parameters.
func TestMediaPickerListsWhatTheCallerMayRead(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof, lea, hugo := in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	parent, other := in.as("parent.6a.01"), in.as("eleve.5b.01")

	// The teacher's personal space: a private photo, and a folder shared with Léa.
	home := prof.home()
	secret := prof.mustUpload(home, "Photo privée.jpg", previewtest.Photo(320, 240, 0, 3))
	prof.mustUpload(home, "Notes.txt", []byte("notes"))
	forLea := prof.mkdir(home, "Pour Léa")
	sharedPhoto := prof.mustUpload(forLea.ID, "Schéma partagé.png", previewtest.PNG16Alpha(300, 150))
	wantStatus(t, prof.shareWith(forLea.ID, map[string]any{"kind": "user", "id": lea.id}, "viewer", nil), http.StatusCreated, "share with Léa")

	// The class: a phone photo taken sideways (EXIF orientation 6), a video, a
	// document, a trashed photo, and an image template handed out to each pupil.
	class, classID := prof.space("group", "6A"), prof.spaceID("group", "6A")
	trip := prof.mkdir(class, "Sortie")
	photo := prof.mustUpload(trip.ID, "Musée.jpg", previewtest.Photo(1200, 900, 6, 1))
	video := prof.mustUpload(trip.ID, "Visite.mp4", mp4)
	prof.mustUpload(class, "Cours.pdf", previewtest.PDF(1))
	gone := prof.mustUpload(class, "Floue.jpg", previewtest.Photo(64, 64, 0, 2))
	wantStatus(t, prof.trash(gone.ID), http.StatusNoContent, "trash the blurred photo")
	template := prof.mustUpload(class, "Carte à compléter.png", previewtest.PNG16Alpha(200, 100))
	body := fields("Carte", time.Hour, 2*time.Hour, true)
	body["space_id"] = classID
	a := prof.assignment(http.MethodPost, "", body, http.StatusCreated)
	prof.assignment(http.MethodPost, "/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, http.StatusOK)
	prof.assignment(http.MethodPost, "/"+a.ID+"/publish", nil, http.StatusOK)
	lea.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK)
	hugo.assignment(http.MethodGet, "/"+a.ID, nil, http.StatusOK)
	for _, id := range []string{secret.ID, sharedPhoto.ID, photo.ID, video.ID, template.ID} {
		waitForPreview(t, prof, id)
	}

	// Léa: the class's media, the shared image and her own copy, newest first.
	got := lea.media("limit", "200")
	names := mediaNames(got)
	isLeas := func(s string) bool { return strings.Contains(s, "Léa") }
	isHugos := func(s string) bool { return strings.Contains(s, "Hugo") }
	for _, want := range []string{"Musée.jpg", "Visite.mp4", "Schéma partagé.png", "Carte à compléter.png"} {
		if !slices.Contains(names, want) {
			t.Errorf("Léa's media lack %s: %v", want, names)
		}
	}
	if !slices.ContainsFunc(names, isLeas) {
		t.Errorf("Léa's media lack her own copy: %v", names)
	}
	for _, never := range []string{"Photo privée.jpg", "Notes.txt", "Cours.pdf", "Floue.jpg"} {
		if slices.Contains(names, never) {
			t.Errorf("Léa's media hold %s: %v", never, names)
		}
	}
	if slices.ContainsFunc(names, isHugos) {
		t.Errorf("Léa's media hold Hugo's copy: %v", names)
	}
	for i := 1; i < len(got.Items); i++ {
		if got.Items[i-1].ModifiedAt < got.Items[i].ModifiedAt {
			t.Errorf("not newest first: %s (%s) before %s (%s)", got.Items[i-1].Name, got.Items[i-1].ModifiedAt, got.Items[i].Name, got.Items[i].ModifiedAt)
		}
	}
	for _, m := range got.Items {
		switch m.Name {
		case "Musée.jpg":
			// Upright: the sensor's 1200 × 900, turned a quarter.
			if m.Preview != "ready" || m.Width != 900 || m.Height != 1200 || m.SpaceName != "6A" || !slices.Equal(m.Path, []string{"Sortie"}) {
				t.Errorf("the class photo = %+v", m)
			}
			for _, size := range []string{"small", "medium"} {
				th, ok := m.Thumbnails[size]
				if !ok {
					t.Fatalf("the class photo has no %s thumbnail: %+v", size, m.Thumbnails)
				}
				r := in.fetch(th.URL, map[string]string{"Accept": "image/webp"})
				wantStatus(t, r, http.StatusOK, size+" thumbnail without a token")
				if ct := r.Header.Get("Content-Type"); ct != "image/webp" {
					t.Errorf("%s thumbnail: %s", size, ct)
				}
			}
			wantStatus(t, in.fetch(m.Download, nil), http.StatusOK, "the photo's download URL without a token")
		case "Schéma partagé.png":
			if m.SpaceName != "" || m.Width != 300 || m.Height != 150 || m.Thumbnails["small"].URL == "" {
				t.Errorf("the shared image = %+v", m)
			}
		case "Visite.mp4":
			if m.MimeType != "video/mp4" || m.Preview == "" || m.Download == "" {
				t.Errorf("the video = %+v", m)
			}
		}
	}

	// Filters: videos only, images only, one space.
	if n := mediaNames(lea.media("type", "video")); !slices.Equal(n, []string{"Visite.mp4"}) {
		t.Errorf("Léa's videos = %v", n)
	}
	images := mediaNames(lea.media("type", "images", "limit", "200"))
	if slices.Contains(images, "Visite.mp4") || !slices.Contains(images, "Musée.jpg") {
		t.Errorf("Léa's images = %v", images)
	}
	for _, m := range lea.media("space", classID, "limit", "200").Items {
		if m.SpaceID != classID {
			t.Errorf("Léa's media of 6A hold %s of space %s", m.Name, m.SpaceID)
		}
	}

	// Pages of one walk the same order, and a cursor serves no other listing.
	var walked []string
	cursor := ""
	for {
		params := []string{"limit", "2"}
		if cursor != "" {
			params = append(params, "cursor", cursor)
		}
		page := lea.media(params...)
		walked = append(walked, mediaNames(page)...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
		if len(walked) > 100 {
			t.Fatal("the pages never end")
		}
	}
	if !slices.Equal(walked, names) {
		t.Errorf("pages of 2 = %v, one page = %v", walked, names)
	}
	first := lea.media("limit", "1")
	wantSearchField(t, lea.mediaRaw("type", "video", "cursor", first.NextCursor), "cursor", "another listing's cursor")
	wantSearchField(t, lea.mediaRaw("type", "photos"), "type", "an unknown type")
	wantSearchField(t, lea.mediaRaw("space", "6A"), "space", "a space that is not an id")

	// Hugo: his copy, not Léa's, and nothing shared with Léa.
	hugos := mediaNames(hugo.media("limit", "200"))
	if slices.ContainsFunc(hugos, isLeas) || !slices.ContainsFunc(hugos, isHugos) || slices.Contains(hugos, "Schéma partagé.png") || slices.Contains(hugos, "Photo privée.jpg") {
		t.Errorf("Hugo's media = %v", hugos)
	}

	// A parent and a pupil of 5B see nothing of 6A nor of the teacher; 6A's space filter gives them nothing.
	for _, u := range []*user{parent, other} {
		for _, n := range [][]string{mediaNames(u.media("limit", "200")), mediaNames(u.media("space", classID))} {
			if slices.ContainsFunc(n, func(s string) bool {
				return slices.Contains([]string{"Musée.jpg", "Visite.mp4", "Photo privée.jpg", "Schéma partagé.png", "Carte à compléter.png"}, s) || isLeas(s) || isHugos(s)
			}) {
				t.Errorf("%s's media = %v", u.id, n)
			}
		}
	}

	// The teacher: their private photo and every pupil's copy.
	profs := mediaNames(prof.media("limit", "200"))
	if !slices.Contains(profs, "Photo privée.jpg") || !slices.ContainsFunc(profs, isLeas) || !slices.ContainsFunc(profs, isHugos) || slices.Contains(profs, "Floue.jpg") {
		t.Errorf("the teacher's media = %v", profs)
	}
}
