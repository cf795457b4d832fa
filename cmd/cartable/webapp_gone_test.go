package main

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebDeletingAFileAlreadyGone: a deletion answered 404 means the file is gone
// already — deleted from another tab, or by this very request, cut by a dying node
// and sent again by the load balancer (make chaos saw it). The page then says the
// file was already deleted and takes it off the list, instead of an error a pupil
// cannot act on; the same for a deletion for good from the trash (the file deleted
// for good elsewhere, or restored).
func TestWebDeletingAFileAlreadyGone(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	lea := in.as("eleve.6a.01")
	draft := lea.mustUpload(lea.home(), "brouillon.txt", []byte("premier jet"))
	old := lea.mustUpload(lea.home(), "ancien.txt", []byte("à jeter"))
	wantStatus(t, lea.trash(old.ID), http.StatusNoContent, "trash ancien.txt")

	tb := newBrowser(t, exe).tab("eleve.6a.01")
	signIn(tb, in.url, "eleve.6a.01")
	row := `//ul[contains(@class,"items")]//a[normalize-space()="brouillon.txt"]`
	tb.run("Mes documents", chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`), chromedp.WaitVisible(row))
	tb.run("the file's menu", chromedp.Click(`//button[@aria-label="Actions pour « brouillon.txt »"]`),
		chromedp.WaitVisible(chromedp.CSS(`dialog.menu`)))
	wantStatus(t, lea.trash(draft.ID), http.StatusNoContent, "trash brouillon.txt from another tab")
	tb.run("trash it from the menu", chromedp.Click(`//dialog[contains(@class,"menu")]//button[normalize-space()="Mettre à la corbeille"]`),
		chromedp.WaitVisible(`//div[contains(@class,"toast")][contains(., "« brouillon.txt » n'est plus là : il a déjà été mis à la corbeille ou supprimé.")]`),
		chromedp.WaitNotPresent(row))
	tb.screenshot("desktop-trash-already-gone")
	if n := js[int](tb, "error toasts", `document.querySelectorAll(".toast.error").length`); n != 0 {
		t.Errorf("%d error toasts for a file already in the trash", n)
	}

	trashed := `//li[contains(@class,"item")]//span[normalize-space()="ancien.txt"]`
	tb.run("the trash", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Corbeille"]`), arrive("Corbeille"),
		chromedp.WaitVisible(trashed),
		chromedp.Click(`//button[@aria-label="Actions pour « ancien.txt »"]`), chromedp.WaitVisible(chromedp.CSS(`dialog.menu`)),
		chromedp.Click(`//dialog[contains(@class,"menu")]//button[normalize-space()="Supprimer définitivement"]`),
		chromedp.WaitVisible(`//dialog[not(contains(@class,"menu"))]//button[normalize-space()="Supprimer définitivement"]`))
	wantStatus(t, lea.do(http.MethodDelete, "/api/v1/trash/"+old.ID, nil, nil), http.StatusNoContent, "purge ancien.txt from another tab")
	tb.run("confirm", chromedp.Click(`//dialog[not(contains(@class,"menu"))]//button[normalize-space()="Supprimer définitivement"]`),
		chromedp.WaitVisible(`//div[contains(@class,"toast")][contains(., "« ancien.txt » n'est plus dans la corbeille : il a déjà été supprimé ou restauré.")]`),
		chromedp.WaitNotPresent(trashed))
	tb.checkLog()
}
