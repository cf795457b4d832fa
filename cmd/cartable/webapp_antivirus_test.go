package main

import (
	"testing"

	"github.com/chromedp/chromedp"

	"cartable/antivirus"
	"cartable/antivirus/clamdtest"
	"cartable/previewtest"
)

// TestWebAntivirus: in a pupil's folder, a file the antivirus blocked says so in
// its row, and a click on it explains instead of opening an error page; a file
// sent while clamd is down shows it is being checked, and loses the badge by
// itself (the page asks again) once clamd is back.
func TestWebAntivirus(t *testing.T) {
	exe := chromiumPath(t)
	in, clamd := startScanning(t, nil)
	lea := in.as("eleve.6a.01")
	virus := lea.mustUpload(lea.home(), "jeu.exe", clamdtest.EICAR)
	waitForScan(t, lea, virus.ID, antivirus.Infected)
	drawing := lea.mustUpload(lea.home(), "dessin.jpg", previewtest.Photo(640, 480, 0, 8))
	waitForScan(t, lea, drawing.ID, "")
	clamd.Stop()
	late := lea.mustUpload(lea.home(), "exposé.txt", []byte("Les volcans d'Auvergne"))
	waitForScan(t, lea, late.ID, antivirus.Pending)

	b := newBrowser(t, exe)
	tb := b.tab("eleve.6a.01")
	signIn(tb, in.url, "eleve.6a.01")
	tb.run("the blocked file's badge", chromedp.WaitVisible(`//li[.//a[normalize-space()="jeu.exe"]]//span[contains(@class,"badge infected") and normalize-space()="Virus détecté : fichier bloqué"]`),
		chromedp.WaitVisible(`//li[.//a[normalize-space()="exposé.txt"]]//span[contains(@class,"badge scanning")]`))
	tb.screenshot("desktop-antivirus")
	tb.axe("antivirus badges")
	tb.run("a click on the blocked file explains", chromedp.Click(`//a[normalize-space()="jeu.exe"]`),
		chromedp.WaitVisible(`//*[contains(@class,"toast") and contains(., "l'antivirus y a trouvé un virus")]`))
	tb.phone()
	tb.screenshot("phone-antivirus")

	clamd.Restart()
	tb.run("the checked file loses its badge", chromedp.WaitNotPresent(`//li[.//a[normalize-space()="exposé.txt"]]//span[contains(@class,"badge scanning")]`))
	tb.checkLog()
}

// TestWebActivityLog: the collège's local admin opens the activity log from the
// school's storage page: a pupil's download of a shared file and the file the
// antivirus blocked are there, in words, with names; picking "Virus détecté"
// leaves only the quarantine.
func TestWebActivityLog(t *testing.T) {
	exe := chromiumPath(t)
	in, _ := startScanning(t, nil)
	prof, lea := in.as("prof.martin"), in.as("eleve.6a.01")
	course := prof.mustUpload(prof.space("group", "6A"), "Cours volcans.txt", []byte("Les volcans"))
	waitForScan(t, prof, course.ID, "")
	wantStatus(t, lea.get(itemPath(course.ID, "/content")), 200, "the pupil reads the course")
	virus := lea.mustUpload(lea.space("group", "6A"), "jeu.exe", clamdtest.EICAR)
	waitForScan(t, lea, virus.ID, antivirus.Infected)

	b := newBrowser(t, exe)
	tb := b.tab("admin.college")
	signIn(tb, in.url, "admin.college")
	tb.run("the school's page", chromedp.Click(`//nav//a[normalize-space()="Stockage de l'établissement"]`),
		arrive("Stockage de l'établissement"))
	tb.run("the activity log", chromedp.Click(`//a[normalize-space()="Journal d'activité"]`), arrive("Journal d'activité"),
		chromedp.WaitVisible(`//table[contains(@class,"journal")]//tr[td[normalize-space()="Ouverture ou téléchargement"] and td[contains(., "Léa")] and th[normalize-space()="Cours volcans.txt"]]`),
		chromedp.WaitVisible(`//table[contains(@class,"journal")]//tr[contains(@class,"quarantine") and th[normalize-space()="jeu.exe"] and td[normalize-space()="Antivirus"]]`))
	tb.screenshot("desktop-activity-log")
	tb.axe("activity log")
	js[bool](tb, "pick the quarantines", `(() => { const s = document.getElementById("journal-action"); s.value = "quarantine"; s.dispatchEvent(new Event("change")); return true; })()`)
	tb.run("only the quarantines",
		chromedp.WaitNotPresent(`//table[contains(@class,"journal")]//td[normalize-space()="Ouverture ou téléchargement"]`),
		chromedp.WaitVisible(`//table[contains(@class,"journal")]//tr[contains(@class,"quarantine")]`))
	tb.phone()
	tb.screenshot("phone-activity-log")
	tb.checkLog()
}
