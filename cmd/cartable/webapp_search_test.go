package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebAppSearch: Léa types "eleve" in the top bar's search field and finds the
// class's file, with where it lies, and not her teacher's private file of the same
// word; the results page passes axe on a desktop and a phone.
func TestWebAppSearch(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof := in.as("prof.martin")
	prof.mustUpload(prof.home(), "Évaluation élève secrète.txt", []byte("notes"))
	seq := prof.mkdir(prof.space("group", "6A"), "Séquence 1")
	prof.mustUpload(seq.ID, "Élève modèle.txt", []byte("modèle"))
	in.as("eleve.6a.01").space("group", "6A")

	b := newBrowser(t, exe)
	lea := b.tab("eleve.6a.01")
	lea.desktop()
	signIn(lea, in.url, "eleve.6a.01")
	lea.run("search", chromedp.WaitVisible(`//input[@type="search" and @aria-label="Rechercher dans mes documents"]`),
		chromedp.SendKeys(`//input[@type="search"]`, "eleve\r"),
		arrive("Résultats pour « eleve »"))
	lea.run("the class's file, in its place", chromedp.WaitVisible(`//li[contains(@class,"item")]//a[normalize-space()="Élève modèle.txt"]`),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//a[@class="place" and normalize-space()="Dans 6A › Séquence 1"]`))
	if n := js[int](lea, "rows", `document.querySelectorAll("ul.items li.item").length`); n != 1 {
		t.Errorf("Léa's search shows %d rows, want 1 (never the teacher's private file)", n)
	}
	lea.screenshot("desktop-search")
	lea.axe("search results")

	lea.run("the place opens the folder", chromedp.Click(`//a[@class="place"]`), arrive("Séquence 1"))
	lea.run("search what nobody named", chromedp.SetValue(`//input[@type="search"]`, "secrete"), chromedp.SendKeys(`//input[@type="search"]`, "\r"),
		arrive("Résultats pour « secrete »"), chromedp.WaitVisible(`//p[normalize-space()="Aucun document ne porte ce nom."]`))
	lea.phone()
	lea.screenshot("phone-search-empty")
	lea.axe("search, nothing found, phone")
	lea.checkLog()
}
