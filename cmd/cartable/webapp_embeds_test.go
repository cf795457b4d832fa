package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestWebAppEmbedInABlog: a teacher publishes a class film and a photo through
// "Intégrer dans un blog…", copies the HTML, and a blog on another site shows
// them to a reader without an account: the photo loads, the film seeks (Range
// requests). Removing the video's embed makes its URL a 404.
func TestWebAppEmbedInABlog(t *testing.T) {
	exe := chromiumPath(t)
	film := webmClip(t)
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	b := newBrowser(t, exe)
	photo := sampleFiles(t)[0]

	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("open 6A", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="6A"]`), arrive("6A"))
	newFolder(teacher, "Blog de la classe")
	teacher.run("open the folder", chromedp.Click(`//a[normalize-space()="Blog de la classe"]`), arrive("Blog de la classe"))
	uploadFiles(teacher, photo, film)

	videoHTML := embedThrough(teacher, "film-sortie.webm")
	if !strings.HasPrefix(videoHTML, `<video controls preload="metadata" src="`+in.url+`/embed/`) {
		t.Fatalf("the video's code is %q", videoHTML)
	}
	teacher.screenshot("desktop-embed-video")
	teacher.axe("embed dialog")
	teacher.phone()
	teacher.run("scroll to the list", chromedp.Evaluate[chromedp.Void](`document.getElementById("embed-existing").scrollIntoView()`))
	teacher.screenshot("phone-embed-video")
	teacher.desktop()
	teacher.run("close", chromedp.Click(`//dialog[@open]//div[@class="buttons"]/button[normalize-space()="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog[open]`)))
	imgHTML := embedThrough(teacher, "photo-classe.jpg")
	if !strings.HasPrefix(imgHTML, `<img src="`+in.url+`/embed/`) || !strings.HasSuffix(imgHTML, `alt="photo-classe">`) {
		t.Fatalf("the photo's code is %q", imgHTML)
	}
	teacher.run("the photo shows in the dialog", chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector("dialog[open] img.embed-preview"); return i && i.complete && i.naturalWidth > 0; })()`, byTimer))
	teacher.screenshot("desktop-embed-photo")

	// The blog: another site (localhost, not 127.0.0.1), a page with the code pasted,
	// and a second player that asks for CORS (crossorigin), as a script-driven one does.
	var ranges atomic.Int32
	videoURL := strings.TrimSuffix(strings.TrimPrefix(videoHTML, `<video controls preload="metadata" src="`), `"></video>`)
	blog := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Blog de la 6A</title>
<style>img, video { width: 320px; display: block; margin: .5rem 0; }</style></head><body>
<h1>Notre sortie au musée</h1>%s<p>Le film :</p>%s
<video id="cors" crossorigin="anonymous" preload="metadata" src="%s"></video></body></html>`, imgHTML, videoHTML, videoURL)
	}))
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	blog.Listener = ln
	blog.Start()
	defer blog.Close()
	blogURL := strings.Replace(blog.URL, "127.0.0.1", "localhost", 1)

	reader := b.tab("lecteur")
	countRanges(reader, in.url+"/embed/", &ranges)
	reader.run("open the blog", chromedp.Navigate(blogURL), chromedp.WaitVisible(`//h1[normalize-space()="Notre sortie au musée"]`))
	if origin := js[string](reader, "the blog's origin", `location.origin`); origin == in.url {
		t.Fatalf("the blog runs on Cartable's origin %s", origin)
	}
	reader.run("the photo loads", chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector("img"); return i.complete && i.naturalWidth > 0; })()`, byTimer))
	for _, sel := range []string{`video:not(#cors)`, `#cors`} {
		seek := fmt.Sprintf(`(async () => {
			const v = document.querySelector(%q);
			if (v.readyState < 1) await new Promise((ok, ko) => { v.addEventListener("loadedmetadata", ok, { once: true }); v.addEventListener("error", () => ko(new Error("video error " + (v.error && v.error.code))), { once: true }); });
			const seeked = new Promise((ok) => v.addEventListener("seeked", ok, { once: true }));
			v.currentTime = 2.5;
			await seeked;
			if (v.readyState < 2) await new Promise((ok) => v.addEventListener("loadeddata", ok, { once: true }));
			return { duration: v.duration, at: v.currentTime, ready: v.readyState, width: v.videoWidth };
		})()`, sel)
		type state struct {
			Duration, At float64
			Ready        int
			Width        int
		}
		got := js[state](reader, "seek "+sel, seek)
		t.Logf("%s after seeking to 2.5 s: %+v", sel, got)
		if got.Duration < 3.5 || got.At < 2 || got.At > 3 || got.Ready < 2 || got.Width != 320 {
			t.Errorf("%s after seeking: %+v", sel, got)
		}
	}
	t.Logf("206 answers to the reader: %d", ranges.Load())
	if ranges.Load() == 0 {
		t.Error("the players asked for no byte range")
	}
	reader.screenshot("blog-embed")

	// Removed: the URL is a 404 at once (the reader's cache may keep it 5 minutes).
	teacher.run("remove the video's embed", chromedp.Click(`//dialog[@open]//div[@class="buttons"]/button[normalize-space()="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog[open]`)))
	openMenu(teacher, "film-sortie.webm", "Intégrer dans un blog…")
	teacher.run("the list", chromedp.WaitVisible(`//ul[@aria-labelledby="embed-existing"]//button[normalize-space()="Retirer"]`),
		chromedp.Click(`//ul[@aria-labelledby="embed-existing"]//button[normalize-space()="Retirer"]`),
		chromedp.WaitVisible(`//ul[@aria-labelledby="embed-existing"]//li[normalize-space()="Aucune intégration pour l'instant."]`),
		chromedp.WaitVisible(`//dialog[@open]//p[@role="status" and starts-with(normalize-space(), "Intégration retirée")]`))
	wantStatus(t, in.read(http.MethodGet, videoURL, nil), http.StatusNotFound, "the removed video")
	for _, tb := range []*tab{teacher, reader} {
		tb.checkLog()
	}
}

// embedThrough opens a file's "Intégrer dans un blog…", makes the embed, copies
// its code and answers it.
func embedThrough(teacher *tab, name string) string {
	teacher.t.Helper()
	openMenu(teacher, name, "Intégrer dans un blog…")
	teacher.run("make the embed of "+name, chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Intégrer « `+name+` » dans un blog"]`),
		chromedp.WaitVisible(`//ul[@aria-labelledby="embed-existing"]/li`),
		chromedp.Click(`//dialog[@open]//button[@type="submit" and normalize-space()="Créer le code d'intégration"]`),
		chromedp.WaitVisible(chromedp.CSS(`dialog[open] textarea.embed-code`)),
		chromedp.WaitVisible(`//ul[@aria-labelledby="embed-existing"]//button[normalize-space()="Retirer"]`),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Copier le code"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[@role="status" and (starts-with(normalize-space(), "Code copié") or starts-with(normalize-space(), "Le code est sélectionné"))]`))
	return js[string](teacher, "the code", `document.querySelector("dialog[open] textarea.embed-code").value`)
}

// webmClip makes a four-second 320 × 240 VP8 film of ffmpeg's test pattern, with a
// key frame every half second, so that a player seeks anywhere.
func webmClip(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		missing(t, "ffmpeg is not installed (apt-get install ffmpeg): it makes the film the blog plays")
	}
	path := filepath.Join(t.TempDir(), "film-sortie.webm")
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=4:size=320x240:rate=10",
		"-c:v", "libvpx", "-b:v", "200k", "-g", "5", "-y", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("no film made: %v", err)
	}
	return path
}

// countRanges counts the 206 answers the tab receives from URLs under prefix.
func countRanges(tb *tab, prefix string, n *atomic.Int32) {
	err := chromedp.Listen(tb.ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && e.Response.Status == http.StatusPartialContent && strings.HasPrefix(e.Response.URL, prefix) {
			n.Add(1)
		}
	})
	if err != nil {
		tb.t.Fatal(err)
	}
}
