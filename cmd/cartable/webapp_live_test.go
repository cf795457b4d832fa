package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"cartable/previewtest"
)

// TestWebLivePreview: a pupil uploads a photo into a folder while no node renders
// previews; its row shows the placeholder, and the page follows it on one stream
// (GET /api/v1/items/watch). A worker node then starts and makes the thumbnail:
// the placeholder becomes the thumbnail by itself, and the page never asked for the
// item again (polling GET /api/v1/items/{id} is the fallback only: the one request
// for it is the upload's own, which shows the new row).
func TestWebLivePreview(t *testing.T) {
	in, tb, path := livePhotoPage(t, "Sortie au musée", "tableau.jpg", 11, false)
	js[bool](tb, "remember each new row as drawn", `(() => {
		window.__rows = new Map();
		new MutationObserver((records) => {
			for (const r of records) for (const n of r.addedNodes) {
				if (n instanceof HTMLLIElement && n.dataset.id) window.__rows.set(n.dataset.id, { li: n, item: n.item, thumb: n.querySelector(".thumb") });
			}
		}).observe(document.body, { childList: true, subtree: true });
		return true;
	})()`)
	uploadFiles(tb, path)
	row := `//li[contains(@class,"item") and .//a[normalize-space()="tableau.jpg"]]`
	tb.run("the placeholder", chromedp.WaitVisible(row+`//div[contains(@class,"thumb") and contains(@class,"pending")]`))
	tb.run("the placeholder says what it waits for", chromedp.WaitVisible(row+`//span[@class="preparing" and contains(., "aperçu en préparation")]`))
	id := get(tb, "the photo's id", chromedp.AttributeValue(row, "data-id")).Value
	tb.run("the page follows the photo", chromedp.Poll[chromedp.Void](`window.__requests.includes("/api/v1/items/watch")`, byTimer))
	// The stream's first word on the photo (still pending) reaches the row: the
	// row keeps its placeholder, which a redraw would start shimmering again.
	drawn := `window.__rows.get("` + id + `")`
	tb.run("the stream's first word reaches the row", chromedp.Poll[chromedp.Void](drawn+`.li.item !== `+drawn+`.item`, byTimer))
	if !js[bool](tb, "the placeholder kept", drawn+`.li.querySelector(".thumb") === `+drawn+`.thumb`) {
		t.Error("the placeholder was drawn again for a word that changed nothing the row shows")
	}
	tb.screenshot("desktop-live-placeholder")

	in.startNode(t, func(cfg *Config) { cfg.Jobs = true })
	tb.run("the thumbnail replaces the placeholder", chromedp.WaitVisible(row+`//div[contains(@class,"thumb") and contains(@class,"loaded")]/img`))
	tb.screenshot("desktop-live-thumbnail")
	if n := js[int](tb, "captions left", `document.querySelectorAll("li.item .preparing").length`); n != 0 {
		t.Errorf("%d rows still say their preview is on its way once the thumbnail came", n)
	}
	asked := js[int](tb, "requests for the item", `window.__requests.filter((p) => p === "/api/v1/items/`+id+`").length`)
	if asked != 1 {
		t.Errorf("the page asked for the item %d times; want once (the upload's), the stream telling the rest", asked)
	}
	if n := js[int](tb, "streams", `window.__requests.filter((p) => p === "/api/v1/items/watch").length`); n < 1 {
		t.Errorf("%d streams opened", n)
	}
	tb.checkLog()
}

// TestWebLivePreviewFallsBackToPolling: when the server refuses the stream (429
// too_many_streams, as with many tabs open), the page asks for the photo again
// every few seconds instead, and its thumbnail still comes.
func TestWebLivePreviewFallsBackToPolling(t *testing.T) {
	in, tb, path := livePhotoPage(t, "Affiches", "affiche.jpg", 12, true)
	uploadFiles(tb, path)
	row := `//li[contains(@class,"item") and .//a[normalize-space()="affiche.jpg"]]`
	tb.run("the placeholder", chromedp.WaitVisible(row+`//div[contains(@class,"thumb") and contains(@class,"pending")]`))
	in.startNode(t, func(cfg *Config) { cfg.Jobs = true })
	tb.run("the thumbnail comes all the same", chromedp.WaitVisible(row+`//div[contains(@class,"thumb") and contains(@class,"loaded")]/img`))
	id := get(tb, "the photo's id", chromedp.AttributeValue(row, "data-id")).Value
	if n := js[int](tb, "requests for the item", `window.__requests.filter((p) => p === "/api/v1/items/`+id+`").length`); n < 2 {
		t.Errorf("the page asked for the item %d times; want the upload's and at least one poll", n)
	}
	tb.checkLog()
}

// livePhotoPage opens a new folder of Léa's in a browser, with a photo ready to
// upload and every request the page makes from then on counted in
// window.__requests (the watch stream refused with 429 when refuseWatch). The
// test's node runs no jobs: the photo's preview waits for a worker node the test
// starts.
func livePhotoPage(t *testing.T, folder, file string, seed uint64, refuseWatch bool) (*instance, *tab, string) {
	t.Helper()
	exe := chromiumPath(t)
	in := start(t)
	lea := in.as("eleve.6a.01")
	lea.mkdir(lea.home(), folder)
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, previewtest.Photo(900, 600, 0, seed), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := newBrowser(t, exe).tab("eleve.6a.01")
	signIn(tb, in.url, "eleve.6a.01")
	tb.run("open the folder", chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`),
		chromedp.Click(`//a[normalize-space()="`+folder+`"]`), arrive(folder))
	js[bool](tb, "count the requests", `((refuseWatch) => {
		window.__requests = [];
		const fetch = window.fetch;
		window.fetch = function (input, init) {
			const path = new URL(input instanceof Request ? input.url : String(input), location.href).pathname;
			window.__requests.push(path);
			if (refuseWatch && path === "/api/v1/items/watch") {
				return Promise.resolve(new Response(JSON.stringify({ code: "too_many_streams" }),
					{ status: 429, headers: { "Content-Type": "application/problem+json" } }));
			}
			return fetch.call(this, input, init);
		};
		return true;
	})(`+strconv.FormatBool(refuseWatch)+`)`)
	return in, tb, path
}
