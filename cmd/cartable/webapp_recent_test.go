package main

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebAppRecentAndFavorites: a teacher stars a file from its menu (the row then
// shows the star), finds it under "Favoris" in the side bar, sees what they opened
// and changed under "Récents" with where it is, and unstars it from the list.
func TestWebAppRecentAndFavorites(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	b := newBrowser(t, exe)
	prof := in.as("prof.martin")
	home := prof.home()
	prof.mustUpload(prof.mkdir(home, "Sciences").ID, "séquence 3.txt", []byte("séquence"))
	cours := prof.mustUpload(home, "cours.txt", []byte("le cours"))
	class := prof.space("group", "6A")
	fiche := prof.mustUpload(class, "fiche 6A.txt", []byte("fiche"))
	wantStatus(t, prof.get(itemPath(fiche.ID, "/content")), http.StatusOK, "open the class's file")
	wantStatus(t, prof.overwrite(cours.ID, "le cours, corrigé"), http.StatusOK, "change the course")

	teacher := b.tab("prof.martin")
	teacher.desktop()
	signIn(teacher, in.url, "prof.martin")
	teacher.run("home", chromedp.WaitVisible(`//ul[contains(@class,"items")]//a[normalize-space()="cours.txt"]`))
	openMenu(teacher, "cours.txt", "Ajouter aux favoris")
	teacher.run("starred", chromedp.WaitVisible(toastSaying("« cours.txt » ajouté aux favoris.")),
		chromedp.WaitVisible(`//li[contains(@class,"item")][.//a[normalize-space()="cours.txt"]]//span[contains(@class,"favorite")]`))

	teacher.run("open Favoris", chromedp.Click(`//nav//a[normalize-space()="Favoris"]`), arrive("Favoris"),
		chromedp.WaitVisible(`//ul[contains(@class,"items")]//a[normalize-space()="cours.txt"]`),
		chromedp.WaitVisible(`//li[.//a[normalize-space()="cours.txt"]]//div[@class="meta" and contains(normalize-space(), "dans Mes documents")]`))
	teacher.screenshot("desktop-favorites")
	teacher.axe("favorites")

	teacher.run("open Récents", chromedp.Click(`//nav//a[normalize-space()="Récents"]`), arrive("Récents"),
		chromedp.WaitVisible(`//li[.//a[normalize-space()="cours.txt"]]//div[@class="meta" and starts-with(normalize-space(), "Modifié")]`),
		chromedp.WaitVisible(`//li[.//a[normalize-space()="fiche 6A.txt"]]//div[@class="meta" and contains(normalize-space(), "dans 6A")]`))
	if got := js[[]string](teacher, "recent rows", `[...document.querySelectorAll("ul.items li.item a.name")].map(a => a.textContent)`); len(got) != 3 || got[0] != "cours.txt" {
		t.Errorf("Récents lists %q, want cours.txt first of three", got)
	}
	teacher.screenshot("desktop-recent")
	teacher.axe("recent")

	teacher.run("back to Favoris", chromedp.Click(`//nav//a[normalize-space()="Favoris"]`), arrive("Favoris"))
	openMenu(teacher, "cours.txt", "Retirer des favoris")
	teacher.run("unstarred", chromedp.WaitVisible(toastSaying("« cours.txt » retiré des favoris.")),
		chromedp.WaitNotPresent(`//ul[contains(@class,"items")]//a[normalize-space()="cours.txt"]`),
		chromedp.WaitVisible(`//p[contains(@class,"empty-title") and starts-with(normalize-space(), "Aucun favori.")]`))
	teacher.phone()
	teacher.run("the menu on a phone", chromedp.Click(`//button[contains(@class,"menu-toggle")]`),
		chromedp.WaitVisible(`//nav//a[normalize-space()="Récents"]`))
	teacher.screenshot("phone-nav")
	teacher.checkLog()
}
