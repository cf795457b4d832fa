package main

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cartable/export"
)

// TestWebAppDownloadsMyData: a parent, on a phone, opens "Mes données" from the
// menu, reads the one sentence of what the zip holds, and downloads it with the
// one button: the zip holds their data sheet. A pupil, on a computer, gets their
// own documents in theirs. The collège's admin sees both exports in the activity
// log.
func TestWebAppDownloadsMyData(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	lea := in.as("eleve.6a.01")
	data := []byte("le poème de Léa")
	lea.mustUpload(lea.home(), "poème.txt", data)
	b := newBrowser(t, exe)

	parent := b.tab("parent.6a.01")
	parent.phone()
	signIn(parent, in.url, "parent.6a.01")
	parent.run("land in Mes documents", landed("Mes documents"))
	parent.run("open the menu, then Mes données", chromedp.Click(`//button[contains(@class,"menu-toggle")]`),
		chromedp.Click(`//nav//a[normalize-space()="Mes données"]`), arrive("Mes données"),
		chromedp.WaitVisible(`//p[contains(@class,"intro") and contains(., "un seul fichier (.zip)")]`))
	parent.screenshot("phone-mydata")
	parent.axe("my data, phone")
	zipped := parent.download("download all my data", chromedp.Click(button("Télécharger toutes mes données")))
	parent.run("the page says it started", chromedp.WaitVisible(`//p[@role="status" and contains(., "Le téléchargement a commencé")]`))
	parent.screenshot("phone-mydata-started")
	if d := unzipDocument(t, zipped, export.DocumentName); !bytes.Contains(d, []byte(`"id": "parent.6a.01"`)) {
		t.Errorf("the parent's zip holds %s", d)
	}
	parent.checkLog()

	pupil := b.tab("eleve.6a.01")
	signIn(pupil, in.url, "eleve.6a.01")
	pupil.run("land in Mes documents", landed("Mes documents"))
	pupil.run("open Mes données", chromedp.Click(`//nav//a[normalize-space()="Mes données"]`), arrive("Mes données"))
	if current := js[string](pupil, "the menu's current page", `document.querySelector('nav a[aria-current="page"]')?.getAttribute("href") || ""`); current != "/mes-donnees" {
		t.Errorf("the menu marks %q as the current page", current)
	}
	pupil.screenshot("desktop-mydata")
	pupil.axe("my data, desktop")
	zipped = pupil.download("download all my data", chromedp.Click(button("Télécharger toutes mes données")))
	if got := unzipDocument(t, zipped, "Mes documents/poème.txt"); !bytes.Equal(got, data) {
		t.Errorf("the pupil's zip holds %q for her poem", got)
	}
	pupil.checkLog()

	// The collège's admin reads both exports in the activity log.
	admin := b.tab("admin.college")
	signIn(admin, in.url, "admin.college")
	admin.run("land in Mes documents", landed("Mes documents"))
	admin.run("the school's page", chromedp.Click(`//nav//a[normalize-space()="Stockage de l'établissement"]`),
		arrive("Stockage de l'établissement"))
	admin.run("the activity log", chromedp.Click(`//a[normalize-space()="Journal d'activité"]`), arrive("Journal d'activité"),
		chromedp.WaitVisible(`//table[contains(@class,"journal")]//tr[td[contains(., "Export des données personnelles") and contains(., "données de eleve.6a.01")]]`),
		chromedp.WaitVisible(`//table[contains(@class,"journal")]//tr[td[contains(., "Export des données personnelles") and contains(., "données de parent.6a.01")]]`))
	admin.screenshot("desktop-mydata-journal")
	admin.checkLog()
}

// landed waits for the first view after signing in to be drawn and settled (the
// side bar and the quota come after it): a click before that may hit the menu
// while it is drawn again. As arrive, without the focus, which the first view
// does not move.
func landed(title string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.WaitVisible(`//h1[normalize-space()="`+title+`"]`),
		chromedp.Poll[chromedp.Void](`(() => {
			const m = document.getElementById("main"), nav = document.querySelector("nav");
			if (m.hasAttribute("aria-busy")) { window.__landed = ""; return false; }
			const now = [m.getElementsByTagName("*").length, nav ? nav.getElementsByTagName("*").length : 0, document.body.scrollHeight].join(":");
			const same = window.__landed === now;
			window.__landed = now;
			return same;
		})()`, chromedp.WithPollingInterval(150*time.Millisecond)))
}

// unzipDocument reads one file of a zip.
func unzipDocument(t *testing.T, zipped []byte, name string) []byte {
	t.Helper()
	zr, err := zipReader(zipped)
	if err != nil {
		t.Fatalf("read the downloaded zip: %v", err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("the zip has no %s: %v", name, err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
