package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"cartable/previewtest"
)

// downloadOriginOf is a second origin for the same test server: the same port under
// the name localhost, which a browser and the API take for another origin.
func downloadOriginOf(publicURL string) string {
	return strings.Replace(publicURL, "127.0.0.1", "localhost", 1)
}

// TestWebAppViewer: a teacher uploads three pictures, a PDF and a text file, opens
// the first picture (Enter on its row), goes to the next and the next with the
// arrow keys over the pictures and the PDF only (the text file is left out), sees
// the PDF's first page and "Ouvrir le PDF", and Escape puts her back on the row of
// the file shown last. On a phone the viewer fills the window and a swipe goes on.
// "Ouvrir le PDF" opens a tab on the download origin, where the browser's reader
// shows the file. axe-core checks the viewer; screenshots desktop-viewer-image,
// desktop-viewer-pdf and phone-viewer.
func TestWebAppViewer(t *testing.T) {
	exe := chromiumPath(t)
	in := startWith(t, func(cfg *Config) {
		cfg.Jobs = true
		cfg.DownloadOrigin = downloadOriginOf(cfg.PublicURL)
	})
	b := newBrowser(t, exe)
	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	newFolder(teacher, "Sortie au musée")
	teacher.run("open the folder", chromedp.Click(`//a[normalize-space()="Sortie au musée"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Sortie au musée"]`))
	uploadFiles(teacher, viewerFiles(t)...)
	// The panel of uploads (over the list on a phone) is closed, or has folded away
	// by itself already.
	teacher.run("close the uploads", chromedp.Evaluate[chromedp.Void](`document.querySelector("section.uploads button[aria-label='Fermer']")?.click()`),
		chromedp.WaitNotPresent(chromedp.CSS(`section.uploads`)))
	// Uploads come first in the list as they finish; the folder read again lists
	// them by name: affiche.png, carte.jpg, consignes.txt, cours.pdf, sortie.png.
	teacher.run("read the folder again", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Mes documents"]`),
		chromedp.Click(`//a[normalize-space()="Sortie au musée"]`), chromedp.WaitVisible(`//h1[normalize-space()="Sortie au musée"]`))
	for _, name := range []string{"affiche.png", "carte.jpg", "cours.pdf", "sortie.png"} {
		teacher.run("the preview of "+name, chromedp.WaitVisible(`//li[.//a[normalize-space()="`+name+`"]]//div[contains(@class,"thumb") and contains(@class,"loaded")]/img`))
	}

	teacher.run("Enter on affiche.png opens the viewer", chromedp.Focus(`//a[normalize-space()="affiche.png"]`), chromedp.KeyEvent(kb.Enter))
	wantShown(teacher, "affiche.png", "1 / 4")
	if name := js[string](teacher, "the viewer's accessible name", `(() => { const d = document.querySelector("dialog.viewer");
		return d.matches(":modal") ? document.getElementById(d.getAttribute("aria-labelledby")).textContent : "not modal" })()`); name != "affiche.png" {
		t.Errorf("the viewer is labelled %q, want the file's name", name)
	}
	// What is shown is the thumbnail worker's rendition, from the app's origin: the
	// file's own bytes never are. (A new file's large rendition comes after its
	// smaller ones: the medium one is shown meanwhile.)
	teacher.run("the large rendition", chromedp.WaitVisible(chromedp.CSS(`dialog.viewer figure img[src*="/thumbnails/large?"]`)))
	if src := js[string](teacher, "the picture's URL", `document.querySelector("dialog.viewer figure img").src`); !strings.HasPrefix(src, in.url+"/api/v1/signed/") || !strings.Contains(src, "/thumbnails/large?") {
		t.Errorf("the viewer shows %s, want the large thumbnail", src)
	}
	teacher.screenshot("desktop-viewer-image")
	teacher.axe("viewer, image")

	teacher.run("ArrowRight", chromedp.KeyEvent(kb.ArrowRight))
	wantShown(teacher, "carte.jpg", "2 / 4")
	teacher.run("ArrowRight again", chromedp.KeyEvent(kb.ArrowRight))
	wantShown(teacher, "cours.pdf", "3 / 4")
	teacher.run("the PDF's first page and its words", chromedp.WaitVisible(`//dialog[@open]//img[@alt="Première page de « cours.pdf »"]`),
		chromedp.WaitVisible(`//dialog[@open]//figcaption[normalize-space()="Première page. « Ouvrir le PDF » le montre en entier."]`),
		chromedp.WaitVisible(`//dialog[@open]//button[normalize-space()="Ouvrir le PDF"]`))
	teacher.screenshot("desktop-viewer-pdf")
	teacher.axe("viewer, PDF")
	teacher.run("ArrowLeft goes back", chromedp.KeyEvent(kb.ArrowLeft))
	wantShown(teacher, "carte.jpg", "2 / 4")
	teacher.run("the button goes on", chromedp.Click(`//dialog[@open]//button[@aria-label="Suivant"]`))
	wantShown(teacher, "cours.pdf", "3 / 4")

	teacher.run("Escape closes", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`dialog.viewer`)))
	if focused := js[string](teacher, "focus after the viewer", `document.activeElement.closest("li.item") ? document.activeElement.textContent : document.activeElement.outerHTML`); focused != "cours.pdf" {
		t.Errorf("after Escape the focus is on %q, want the row of cours.pdf", focused)
	}

	// On a phone: the whole window, and a swipe to the left shows the next file.
	teacher.phone()
	tap(teacher, `//a[normalize-space()="carte.jpg"]`)
	wantShown(teacher, "carte.jpg", "2 / 4")
	if fills := js[bool](teacher, "the viewer's size", `(() => { const r = document.querySelector("dialog.viewer").getBoundingClientRect();
		return r.left === 0 && r.top === 0 && r.width === innerWidth && r.height === innerHeight })()`); !fills {
		t.Error("on a phone the viewer does not fill the window")
	}
	teacher.screenshot("phone-viewer")
	teacher.axe("viewer, phone")
	swipeLeft(teacher)
	wantShown(teacher, "cours.pdf", "3 / 4")
	teacher.run("Fermer closes", chromedp.Click(`//dialog[@open]//div[@class="buttons"]/button[normalize-space()="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog.viewer`)))
	teacher.desktop()
	teacher.checkLog()

	// "Ouvrir le PDF" opens the file in a tab of its own, on the download origin,
	// where the browser shows it (served inline there, and only there).
	teacher.run("open the PDF's viewer", chromedp.Click(`//a[normalize-space()="cours.pdf"]`))
	wantShown(teacher, "cours.pdf", "3 / 4")
	download := downloadOriginOf(in.url)
	opened := chromedp.WaitNewTarget(teacher.ctx, func(i *target.Info) bool { return strings.HasPrefix(i.URL, download+"/api/v1/signed/") })
	teacher.run("Ouvrir le PDF", chromedp.Click(`//dialog[@open]//button[normalize-space()="Ouvrir le PDF"]`))
	var id target.ID
	select {
	case id = <-opened:
	case <-time.After(45 * time.Second):
		t.Fatal("Ouvrir le PDF opened no tab on the download origin")
	}
	pdfTab, cancel := chromedp.NewContext(teacher.ctx, chromedp.WithTargetID(id))
	defer cancel()
	shown := &tab{browser: b, ctx: pdfTab, name: "the PDF's tab"}
	if kind := get(shown, "the document of the PDF's tab", chromedp.Poll[string](`document.readyState === "complete" && document.contentType`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(40*time.Second))); kind != "application/pdf" {
		t.Errorf("the PDF's tab shows a %q document, want the browser's PDF reader", kind)
	}
}

// TestWebAppViewerWhilePending: a picture whose preview is not made yet shows its
// type's icon and "Aperçu en préparation…" in the viewer, which asks again and shows
// the picture once the preview worker (started only then) has made it.
func TestWebAppViewerWhilePending(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t) // no jobs: the preview waits in the queue
	files := viewerFiles(t)
	photo, err := os.ReadFile(files[slices.IndexFunc(files, func(p string) bool { return strings.HasSuffix(p, "carte.jpg") })])
	if err != nil {
		t.Fatal(err)
	}
	prof := in.as("prof.martin")
	prof.mustUpload(prof.home(), "carte.jpg", photo)

	b := newBrowser(t, exe)
	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("open carte.jpg", chromedp.Click(`//a[normalize-space()="carte.jpg"]`),
		chromedp.WaitVisible(`//dialog[@open and contains(@class,"viewer")]//div[@class="viewer-placeholder"][.//*[local-name()="svg"]]/p[normalize-space()="Aperçu en préparation…"]`))
	teacher.screenshot("desktop-viewer-pending")
	teacher.axe("viewer, preview on its way")

	jobs, stop := context.WithCancel(context.Background())
	if err := in.app.startJobs(jobs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopJobs(in.app.river.Stop, in.app.log); stop() })
	wantShown(teacher, "carte.jpg", "1 / 1")
	// Its large rendition comes after the smaller ones: the viewer swaps it in.
	teacher.run("the large rendition", chromedp.WaitVisible(chromedp.CSS(`dialog.viewer figure img[src*="/thumbnails/large?"]`)))
	large := js[string](teacher, "the large picture's URL", `document.querySelector("dialog.viewer figure img").src`)

	// A URL that no longer holds (expired; here its signature spoiled) is asked
	// for again.
	teacher.run("close, the row's thumbnail shown", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`dialog.viewer`)),
		chromedp.WaitVisible(chromedp.CSS(`li.item .thumb.loaded img`)))
	spoiled := strings.Replace(large, "sig=", "sig=0", 1)
	js[bool](teacher, "spoil the listing's URL", `(document.querySelector("li.item").item.thumbnails.large = {url: `+strconv.Quote(spoiled)+`, width: 800, height: 600}, true)`)
	teacher.run("open carte.jpg again", chromedp.Click(`//a[normalize-space()="carte.jpg"]`))
	wantShown(teacher, "carte.jpg", "1 / 1")
	if src := js[string](teacher, "the picture's URL", `document.querySelector("dialog.viewer figure img").src`); src == spoiled {
		t.Errorf("the viewer shows the spoiled URL %s", src)
	}
	teacher.checkLog()
}

// wantShown waits until the viewer shows a file at a position ("2 / 4"), its
// picture or its placeholder in place.
func wantShown(tb *tab, name, position string) {
	tb.t.Helper()
	tb.run("the viewer shows "+name, chromedp.WaitVisible(`//dialog[@open and contains(@class,"viewer")]//h2[normalize-space()="`+name+`"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[contains(@class,"viewer-position") and normalize-space()="`+position+`"]`),
		chromedp.Poll[chromedp.Void](`(img => img && img.complete && img.naturalWidth > 0)(document.querySelector("dialog.viewer figure img"))`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(40*time.Second)))
}

// touch is one event of a finger on the screen, at x, y (CSS pixels of the window).
func touch(kind input.DispatchTouchEventType, x, y float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var points []*input.TouchPoint
		if kind != input.DispatchTouchEventTypeTouchEnd {
			points = []*input.TouchPoint{{X: x, Y: y}}
		}
		_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: kind, TouchPoints: points})
		return err
	})
}

// tap puts a finger on the middle of an element (XPath) and lifts it, as on a phone.
func tap(tb *tab, xpath string) {
	tb.t.Helper()
	tb.run("scroll to "+xpath, chromedp.ScrollIntoView(xpath))
	at := js[[]float64](tb, "where "+xpath+" is", `(() => { const r = document.evaluate(`+strconv.Quote(xpath)+`, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE).singleNodeValue.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2] })()`)
	tb.run("tap "+xpath, touch(input.DispatchTouchEventTypeTouchStart, at[0], at[1]), touch(input.DispatchTouchEventTypeTouchEnd, 0, 0))
}

// swipeLeft drags a finger from right to left across the middle of the window.
func swipeLeft(tb *tab) {
	tb.t.Helper()
	tb.run("swipe to the left", touch(input.DispatchTouchEventTypeTouchStart, 320, 400), touch(input.DispatchTouchEventTypeTouchMove, 200, 400),
		touch(input.DispatchTouchEventTypeTouchMove, 80, 400), touch(input.DispatchTouchEventTypeTouchEnd, 0, 0))
}

// viewerFiles writes three pictures (two PNG, one JPEG, each its own colours), a
// two-page PDF and a text file.
func viewerFiles(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	picture := func(w, h int, c color.RGBA) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, color.RGBA{c.R ^ uint8(x/8), c.G ^ uint8(y/8), c.B, 255})
			}
		}
		return img
	}
	var affiche, carte, sortie bytes.Buffer
	if err := png.Encode(&affiche, picture(900, 1200, color.RGBA{200, 40, 60, 255})); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&carte, picture(1200, 800, color.RGBA{30, 120, 200, 255}), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&sortie, picture(1000, 700, color.RGBA{40, 160, 70, 255})); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"affiche.png":   affiche.Bytes(),
		"carte.jpg":     carte.Bytes(),
		"sortie.png":    sortie.Bytes(),
		"cours.pdf":     previewtest.PDF(2),
		"consignes.txt": []byte("Apporter un carnet et un crayon.\n"),
	}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// TestDownloadOrigin: with CARTABLE_DOWNLOAD_ORIGIN, items' download URLs are made on
// it; a PDF is inline there, under a policy that lets the browser's reader show it
// and nothing run, while the app's origin serves the same PDF as a sandboxed
// attachment, whatever the route. The download origin serves nothing but signed
// downloads, and HTML stays a sandboxed attachment even there.
func TestDownloadOrigin(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.DownloadOrigin = downloadOriginOf(cfg.PublicURL) })
	download := downloadOriginOf(in.url)
	prof := in.as("prof.martin")
	pdf := prof.mustUpload(prof.home(), "cours.pdf", previewtest.PDF(1))
	page := prof.mustUpload(prof.home(), "page.html", []byte("<!doctype html><script>alert(1)</script>"))
	var item struct {
		DownloadURL string `json:"download_url"`
	}
	prof.get("/api/v1/items/"+pdf.ID).json(t, &item)
	if !strings.HasPrefix(item.DownloadURL, download+"/api/v1/signed/items/") {
		t.Fatalf("download_url %q, want it on the download origin %s", item.DownloadURL, download)
	}
	signedPath := strings.TrimPrefix(item.DownloadURL, download)

	wantFile := func(r response, what, disposition string, sandboxed bool) {
		t.Helper()
		csp := r.Header.Get("Content-Security-Policy")
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Disposition"), disposition+";") ||
			strings.Contains(csp, "sandbox") != sandboxed || !strings.HasPrefix(csp, "default-src 'none'") {
			t.Errorf("%s: %d, Content-Disposition %q, CSP %q; want %s, sandboxed %v", what, r.StatusCode,
				r.Header.Get("Content-Disposition"), csp, disposition, sandboxed)
		}
	}
	onDownload := in.on(download)
	inline := onDownload.do(http.MethodGet, signedPath, "", nil, nil)
	wantFile(inline, "a PDF on the download origin", "inline", false)
	if csp := inline.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "object-src 'self'") || strings.Contains(csp, "script-src") {
		t.Errorf("a PDF on the download origin: CSP %q, want the reader allowed and no script", csp)
	}
	wantFile(onDownload.do(http.MethodGet, signedPath+"&download=1", "", nil, nil), "a PDF on the download origin, ?download=1", "attachment", true)
	wantFile(in.do(http.MethodGet, signedPath, "", nil, nil), "the signed URL of a PDF on the app's origin", "attachment", true)
	wantFile(prof.get("/api/v1/items/"+pdf.ID+"/content"), "a PDF's content on the app's origin", "attachment", true)
	var htmlItem struct {
		DownloadURL string `json:"download_url"`
	}
	prof.get("/api/v1/items/"+page.ID).json(t, &htmlItem)
	wantFile(onDownload.do(http.MethodGet, strings.TrimPrefix(htmlItem.DownloadURL, download), "", nil, nil), "HTML on the download origin", "attachment", true)

	// Nothing else on the download origin: not the API, not the app, not thumbnails.
	thumbnail := strings.Replace(signedPath, "/content?", "/thumbnails/small?", 1)
	for _, path := range []string{"/api/v1/items/" + pdf.ID, "/", "/dossiers/" + pdf.ID, thumbnail} {
		if r := onDownload.do(http.MethodGet, path, prof.token, nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s%s: %d, want 404", download, path, r.StatusCode)
		}
	}
}

// on is the same test server reached at another of its origins (the download origin).
func (in *instance) on(origin string) *instance {
	other := *in
	other.url = origin
	return &other
}
