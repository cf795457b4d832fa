package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// nbsp joins a number to its unit in the app's sizes ("300 Ko").
const nbsp = "\u00a0"

// TestWebAppSchoolStorage: a school's local admin finds the school's storage in the
// side bar (the pool, each profile's space size, the fullest spaces); a teacher has
// no such entry, and the page's address leads them back to their documents.
func TestWebAppSchoolStorage(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	teacher := in.as("prof.martin")
	teacher.mustUpload(teacher.home(), "cours.txt", randomData(t, 300<<10))
	b := newBrowser(t, exe)

	admin := b.tab("admin.college")
	signIn(admin, in.url, "admin.college")
	admin.run("open the school's storage", chromedp.Click(`//nav//a[normalize-space()="Stockage de l'établissement"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Stockage de l'établissement"]`),
		chromedp.WaitVisible(`//section//h2[normalize-space()="Réserve de l'établissement"]/following-sibling::meter`),
		// Claire Martin's 300 Ko are among the fullest spaces, and a teacher's space size is said.
		chromedp.WaitVisible(`//table//tr[th[normalize-space()="Mes documents de Claire Martin"] and td[normalize-space()="300`+nbsp+`Ko"]]`),
		chromedp.WaitVisible(`//table//tr[th[normalize-space()="Enseignants"] and td[normalize-space()="5`+nbsp+`Go"]]`))
	admin.screenshot("desktop-school-storage")
	admin.axe("school storage")
	admin.phone()
	admin.screenshot("phone-school-storage")
	admin.checkLog()

	pupil := b.tab("eleve.6a.01")
	signIn(pupil, in.url, "eleve.6a.01")
	if n := js[int](pupil, "school entries", `document.querySelectorAll('#nav a[href^="/etablissement/"]').length`); n != 0 {
		t.Errorf("a pupil's side bar has %d school storage entries", n)
	}
	pupil.run("the page's address leads to their documents", chromedp.Navigate(in.url+"/etablissement/0600001A"),
		chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="eleve.6a.01"]`)))
	pick(pupil, "eleve.6a.01")
	pupil.run("Mes documents", chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`))
	pupil.checkLog()
}
