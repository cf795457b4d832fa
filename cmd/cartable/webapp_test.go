package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebApp goes through a teacher's and a pupil's day in a real browser: the
// teacher signs in, creates a folder, uploads a photo and a text file (the photo's
// thumbnail appears), shares the folder with 6A's pupils, keeps a private folder,
// trashes a file and restores it; the pupil finds the shared folder and not the
// private one. axe-core checks each main screen, screenshots are saved for the
// README (CARTABLE_SCREENSHOTS=docs/screenshots), and the first screen's time and
// the app's JavaScript size are logged.
func TestWebApp(t *testing.T) {
	exe := chromiumPath(t)
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	b := newBrowser(t, exe)
	files := sampleFiles(t)

	teacher := b.tab("prof.martin")
	openSignIn(teacher, in.url, "prof.martin")
	loaded := js[float64](teacher, "page load time", `performance.getEntriesByType("navigation")[0].loadEventEnd`)
	t.Logf("sign-in page loaded in %.0f ms", loaded)
	teacher.screenshot("desktop-sign-in")
	teacher.axe("sign-in")
	start := time.Now()
	pick(teacher, "prof.martin")
	teacher.run("home", chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`),
		chromedp.WaitVisible(chromedp.CSS(`.empty`)))
	t.Logf("first screen (a user picked to Mes documents listed): %v", time.Since(start).Round(time.Millisecond))
	teacher.screenshot("desktop-empty-folder")
	teacher.axe("empty folder")

	// A private folder, then the folder to share.
	newFolder(teacher, "Brouillons perso")
	newFolder(teacher, "Séquence 1")
	private := get(teacher, "private folder's id", chromedp.AttributeValue(`//li[.//a[normalize-space()="Brouillons perso"]]`, "data-id")).Value
	teacher.run("open Séquence 1", chromedp.Click(`//a[normalize-space()="Séquence 1"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Séquence 1"]`))

	uploadFiles(teacher, files...)
	teacher.run("the files are listed", chromedp.WaitVisible(`//li[contains(@class,"item")]//a[normalize-space()="photo-classe.jpg"]`),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//a[normalize-space()="consignes.txt"]`))
	teacher.run("the photo's thumbnail appears", chromedp.WaitVisible(`//li[.//a[normalize-space()="photo-classe.jpg"]]//div[contains(@class,"thumb") and contains(@class,"loaded")]/img`))
	teacher.screenshot("desktop-folder-list")
	teacher.axe("folder, list")

	// The same file again: the app asks, and "Garder les deux" keeps both.
	choose(teacher, files[1:])
	teacher.run("the app asks", chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="« consignes.txt » existe déjà ici"]`))
	teacher.screenshot("desktop-upload-clash")
	teacher.axe("name clash")
	teacher.run("keep both", chromedp.Click(`//dialog[@open]//button[normalize-space()="Garder les deux"]`),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//a[normalize-space()="consignes (2).txt"]`))

	teacher.run("grid view", chromedp.Click(`//button[@aria-pressed and .//span[normalize-space()="Vignettes"]]`),
		chromedp.WaitVisible(chromedp.CSS(`ul.items.grid .thumb.loaded img`)))
	teacher.screenshot("desktop-folder-grid")
	teacher.axe("folder, grid")

	// Share with 6A's pupils.
	teacher.run("open the share dialog", chromedp.Click(button("Partager")),
		chromedp.WaitVisible(chromedp.ID(`#share-q`)), chromedp.SendKeys(chromedp.ID(`#share-q`), "6A"),
		chromedp.WaitVisible(`//button[contains(@class,"candidate")][.//strong[normalize-space()="6A — élèves"]]`))
	teacher.screenshot("desktop-share-search")
	teacher.axe("share dialog, search")
	teacher.run("share with 6A's pupils", chromedp.Click(`//button[contains(@class,"candidate")][.//strong[normalize-space()="6A — élèves"]]`),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Partager"]`),
		chromedp.WaitVisible(`//ul[contains(@class,"access")]//span[normalize-space()="6A — élèves"]`))
	teacher.screenshot("desktop-share-done")
	teacher.axe("share dialog, shared")
	teacher.run("close the dialog", chromedp.Click(`//dialog[@open]//div[@class="buttons"]/button[normalize-space()="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog[open]`)))

	// A class folder of lessons: the pupils only look.
	teacher.run("open 6A", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="6A"]`), arrive("6A"))
	newFolder(teacher, "Cours")
	teacher.run("what pupils may do in Cours", chromedp.Click(`//button[@aria-label="Actions pour « Cours »"]`),
		chromedp.Click(`//dialog[contains(@class,"menu")]//button[normalize-space()="Ce que les élèves peuvent faire"]`),
		chromedp.WaitVisible(`//dialog[@open]//input[@value="read_only"]`))
	teacher.screenshot("desktop-folder-mode")
	teacher.axe("folder mode")
	teacher.run("only look", chromedp.Click(`//dialog[@open]//label[.//input[@value="read_only"]]`),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Enregistrer"]`),
		chromedp.WaitVisible(`//li[.//a[normalize-space()="Cours"]]//span[contains(@class,"badge") and normalize-space()="Lecture seule"]`))

	// The pupil, at another window, finds the folder and not the private one.
	pupil := b.tab("eleve.6a.01")
	signIn(pupil, in.url, "eleve.6a.01")
	pupil.run("shared with me", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Partagés avec moi"]`),
		arrive("Partagés avec moi"), chromedp.WaitVisible(`//a[normalize-space()="Séquence 1"]`))
	pupil.run("who shared it", chromedp.WaitVisible(`//li[.//a[normalize-space()="Séquence 1"]]//div[@class="meta" and starts-with(normalize-space(), "Partagé par Claire Martin · ")]`))
	sharedNames := get(pupil, "read the shared list", chromedp.Text(chromedp.CSS(`ul.items`)))
	if strings.Contains(sharedNames, "Brouillons perso") {
		t.Errorf("the pupil sees the teacher's private folder among what is shared: %q", sharedNames)
	}
	pupil.screenshot("desktop-pupil-shared")
	pupil.axe("shared with me")
	pupil.run("open the shared folder", chromedp.Click(`//a[normalize-space()="Séquence 1"]`), arrive("Séquence 1"),
		chromedp.WaitVisible(`//a[normalize-space()="photo-classe.jpg"]`),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	toolbar := get(pupil, "the pupil's toolbar", chromedp.Text(chromedp.CSS(`.toolbar`)))
	if strings.Contains(toolbar, "Ajouter des fichiers") || strings.Contains(toolbar, "Partager") {
		t.Errorf("a viewer is offered what they may not do: %q", toolbar)
	}
	pupil.axe("shared folder, read-only")
	pupil.run("the class's lessons", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="6A"]`), arrive("6A"),
		chromedp.Click(`//a[normalize-space()="Cours"]`), arrive("Cours"),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	if toolbar := get(pupil, "the pupil's toolbar in Cours", chromedp.Text(chromedp.CSS(`.toolbar`))); strings.Contains(toolbar, "Ajouter des fichiers") {
		t.Errorf("a pupil is offered to add files to a read-only class folder: %q", toolbar)
	}
	// A full space is said plainly, in the pupil's words (the sizes' spaces are
	// non-breaking, as the app writes them).
	admin := in.as("service.provisioning")
	wantStatus(t, admin.sendJSON(http.MethodPut, "/api/v1/admin/quota/users/eleve.6a.01", map[string]any{"limit_bytes": 10000}, nil),
		http.StatusNoContent, "a small cap for the pupil")
	pupil.run("Mes documents", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Mes documents"]`), arrive("Mes documents"),
		chromedp.WaitVisible(`//div[@class="quota"]//p[normalize-space()="0 o sur 9,8 Ko"]`))
	choose(pupil, files[:1])
	pupil.run("the upload is refused", chromedp.WaitVisible(`//section[contains(@class,"uploads")]//li[@data-state="failed"]//span[normalize-space()="Ce fichier est plus gros que tout l'espace disponible ici (9,8 Ko)."]`))
	pupil.screenshot("desktop-pupil-quota")
	pupil.axe("upload refused, quota")
	pupil.run("close the uploads", chromedp.Click(`//section[contains(@class,"uploads")]//button[@aria-label="Fermer"]`))

	pupil.run("back to the shared folder", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Partagés avec moi"]`),
		arrive("Partagés avec moi"), chromedp.Click(`//a[normalize-space()="Séquence 1"]`), arrive("Séquence 1"))
	pupil.phone()
	pupil.screenshot("phone-pupil-folder")
	pupil.axe("shared folder, phone")
	pupil.desktop()
	// A page load forgets the token: the app asks again, then shows the address asked for.
	pupil.run("the private folder by its address", chromedp.Navigate(in.url+"/dossiers/"+private),
		chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="eleve.6a.01"]`)))
	pick(pupil, "eleve.6a.01")
	pupil.run("not found", chromedp.WaitVisible(`//p[@role="alert" and contains(., "vous n'y avez pas accès")]`))
	pupil.checkLog()

	// Trash and restore.
	teacher.run("back to Séquence 1", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Mes documents"]`),
		arrive("Mes documents"), chromedp.Click(`//a[normalize-space()="Séquence 1"]`), arrive("Séquence 1"))
	teacher.run("list view", chromedp.Click(`//button[@aria-pressed and .//span[normalize-space()="Liste"]]`),
		chromedp.WaitVisible(chromedp.CSS(`ul.items.list`)))
	teacher.run("trash consignes.txt", chromedp.Click(`//button[@aria-label="Actions pour « consignes.txt »"]`),
		chromedp.WaitVisible(chromedp.CSS(`dialog.menu`)))
	teacher.screenshot("desktop-item-menu")
	teacher.run("trash it", chromedp.Click(`//dialog[contains(@class,"menu")]//button[normalize-space()="Mettre à la corbeille"]`),
		chromedp.WaitNotPresent(`//ul[contains(@class,"items")]//a[normalize-space()="consignes.txt"]`),
		chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Corbeille"]`), arrive("Corbeille"),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//span[normalize-space()="consignes.txt"]`))
	teacher.screenshot("desktop-trash")
	teacher.axe("trash")
	teacher.run("restore it", chromedp.Click(`//li[.//span[normalize-space()="consignes.txt"]]//button[contains(@class,"restore")]`),
		chromedp.WaitNotPresent(`//li[contains(@class,"item")]//span[normalize-space()="consignes.txt"]`))
	teacher.run("back to Mes documents", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="Mes documents"]`), arrive("Mes documents"))
	teacher.run("into Séquence 1", chromedp.Click(`//a[normalize-space()="Séquence 1"]`), arrive("Séquence 1"))
	teacher.run("the file is back", chromedp.WaitVisible(`//a[normalize-space()="consignes.txt"]`))

	// The keyboard walks the rows: one row in the Tab order, the arrows move.
	teacher.run("focus the first row", chromedp.Focus(`(//ul[contains(@class,"items")]//a[contains(@class,"name")])[1]`),
		chromedp.KeyEvent(kb.ArrowDown))
	if focused := js[string](teacher, "focused row", `document.activeElement.textContent`); focused != "consignes.txt" {
		t.Errorf("ArrowDown from the first row focuses %q, want the second row, consignes.txt", focused)
	}
	if tabbable := js[int](teacher, "rows in the Tab order", `document.querySelectorAll("ul.items a.name[tabindex='0']").length`); tabbable != 1 {
		t.Errorf("%d rows in the Tab order, want 1", tabbable)
	}

	teacher.phone()
	teacher.screenshot("phone-teacher-folder")
	teacher.axe("folder, phone")
	teacher.desktop()
	teacher.checkLog()

	// English on demand, and back.
	teacher.run("switch to English", chromedp.Click(`//header//button[@aria-label="English"]`),
		chromedp.WaitVisible(`//nav[@id="nav"]//a[normalize-space()="Shared with me"]`),
		chromedp.WaitVisible(`//div[@class="toolbar"]//button[normalize-space()="Add files"]`))
	if l := js[string](teacher, "the page's language", `document.documentElement.lang`); l != "en" {
		t.Errorf("lang %q after the switch", l)
	}
	teacher.run("back to French", chromedp.Click(`//header//button[@aria-label="Français"]`),
		chromedp.WaitVisible(`//nav[@id="nav"]//a[normalize-space()="Partagés avec moi"]`))

	// Log-out on a shared computer leaves nothing: no token (a fresh page asks who
	// you are), nothing in the browser's storage.
	teacher.run("log out", chromedp.Click(button("Se déconnecter")), chromedp.WaitVisible(chromedp.CSS(`button.user`)))
	if left := js[string](teacher, "what the browser keeps", `indexedDB.databases().then(dbs => JSON.stringify({local: localStorage.length, session: sessionStorage.length, idb: dbs.length, cookies: document.cookie}))`); left != `{"local":0,"session":0,"idb":0,"cookies":""}` {
		t.Errorf("after log-out the browser keeps %s", left)
	}
	if js[bool](teacher, "the nav after log-out", `document.getElementById("nav") !== null`) {
		t.Error("after log-out the app still shows a signed-in page")
	}

	jsBytes := js[int](teacher, "the app's JavaScript size", `Promise.all(performance.getEntriesByType("resource").filter(e => e.name.includes("/assets/js/")).map(e => e.encodedBodySize)).then(s => s.reduce((a, b) => a + b, 0))`)
	t.Logf("app JavaScript as sent (gzip): %d bytes", jsBytes)
}

// signIn opens the app and picks a demo user on the dev sign-in page.
func signIn(tb *tab, url, user string) {
	tb.t.Helper()
	openSignIn(tb, url, user)
	pick(tb, user)
}

func openSignIn(tb *tab, url, user string) {
	tb.t.Helper()
	tb.run("open the app", chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.CSS(`button.user[data-user="`+user+`"]`)))
}

func pick(tb *tab, user string) {
	tb.t.Helper()
	tb.run("pick "+user, chromedp.Click(chromedp.CSS(`button.user[data-user="`+user+`"]`)), chromedp.WaitVisible(chromedp.CSS(`header.topbar`)))
}

func newFolder(tb *tab, name string) {
	tb.t.Helper()
	tb.run("new folder "+name, chromedp.Click(button("Nouveau dossier")),
		chromedp.WaitVisible(chromedp.ID(`#new-folder-name`)),
		chromedp.SendKeys(chromedp.ID(`new-folder-name`), name+"\r"),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//a[normalize-space()="`+name+`"]`))
}

// uploadFiles picks files through the app's "Ajouter des fichiers" button: the file
// chooser is intercepted and given the files, as a person would choose them.
func uploadFiles(tb *tab, paths ...string) {
	tb.t.Helper()
	choose(tb, paths)
	tb.run("uploads finish", chromedp.WaitVisible(`//section[contains(@class,"uploads")]//span[@class="summary" and normalize-space()="Envoyés : `+
		strconv.Itoa(len(paths))+` sur `+strconv.Itoa(len(paths))+`"]`))
}

// choose clicks "Ajouter des fichiers" and answers the file chooser it opens
// with the files, as a person's choice would (chooseWith).
func choose(tb *tab, paths []string) {
	tb.t.Helper()
	chooseWith(tb, `//div[@class="toolbar"]//button[normalize-space()="Ajouter des fichiers"]`, paths)
}

// chooseWith clicks the button at xpath and answers the file chooser it opens.
func chooseWith(tb *tab, xpath string, paths []string) {
	tb.t.Helper()
	opened := chromedp.Events(tb.ctx, page.FileChooserOpened)
	tb.run("open the file chooser", chromedp.Click(xpath))
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	for ev, err := range opened {
		if err != nil {
			tb.t.Fatalf("%s: no file chooser: %v", tb.name, err)
		}
		if _, err := chromedp.Call(ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: paths, BackendNodeID: ev.BackendNodeID}); err != nil {
			tb.t.Fatalf("%s: choose %v: %v", tb.name, paths, err)
		}
		return
	}
}

// sampleFiles writes a photo (a JPEG with a gradient) and a text file.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 4), uint8(y / 3), 160, 255})
		}
	}
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	paths := []string{filepath.Join(dir, "photo-classe.jpg"), filepath.Join(dir, "consignes.txt")}
	if err := os.WriteFile(paths[0], photo.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths[1], []byte("Lire le chapitre 3 pour vendredi.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return paths
}

// TestWebAppBigFolder measures a class folder of 2,000 files in the browser: the
// first page's time, the time to scroll to the end (ten pages read with
// next_cursor as the list comes into view), and the longest task the page ran
// meanwhile (what a person feels as a freeze).
func TestWebAppBigFolder(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof := in.as("prof.martin")
	big := prof.mkdir(prof.home(), "Photos de la sortie")
	const n = 2000
	created := time.Now()
	work := make(chan int)
	done := make(chan struct{})
	for w := 0; w < 8; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range work {
				prof.mustUpload(big.ID, fmt.Sprintf("photo-%04d.txt", i), []byte("x"))
			}
		}()
	}
	for i := 1; i <= n; i++ {
		work <- i
	}
	close(work)
	for w := 0; w < 8; w++ {
		<-done
	}
	t.Logf("%d files made through the API in %v", n, time.Since(created).Round(time.Millisecond))

	b := newBrowser(t, exe)
	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("the folder", chromedp.WaitVisible(`//a[normalize-space()="Photos de la sortie"]`))
	js[bool](teacher, "watch long tasks", `(window.longest = 0, new PerformanceObserver(l => { for (const e of l.getEntries()) window.longest = Math.max(window.longest, e.duration) }).observe({type: "longtask", buffered: true}), true)`)
	start := time.Now()
	teacher.run("open it", chromedp.Click(`//a[normalize-space()="Photos de la sortie"]`),
		chromedp.WaitVisible(`//a[normalize-space()="photo-0001.txt"]`))
	t.Logf("first page of the %d-file folder shown in %v", n, time.Since(start).Round(time.Millisecond))
	all := js[float64](teacher, "scroll to the end", `new Promise((resolve, reject) => {
		const t0 = performance.now();
		const tick = () => {
			if (document.querySelectorAll("ul.items li.item").length >= `+strconv.Itoa(n)+`) return resolve(performance.now() - t0);
			if (performance.now() - t0 > 40000) return reject(new Error("only " + document.querySelectorAll("ul.items li.item").length + " rows"));
			window.scrollTo(0, document.body.scrollHeight);
			setTimeout(tick, 20);
		};
		tick();
	})`)
	longest := js[float64](teacher, "longest task", `window.longest`)
	t.Logf("all %d rows after scrolling to the end: %.0f ms; longest task: %.0f ms", n, all, longest)
	// The figures are logged, not held to a time (a loaded machine stretches them
	// all): rows drawn in small tasks keep the longest one a small part of the
	// whole scroll, where drawing them in one task would make it most of it.
	if longest > all/2 {
		t.Errorf("the page froze for %.0f ms of the %.0f ms the folder took to scroll", longest, all)
	}
	teacher.run("End goes to the last row", chromedp.Focus(`(//ul[contains(@class,"items")]//a[contains(@class,"name")])[1]`), chromedp.KeyEvent(kb.End))
	if last := js[string](teacher, "focused row", `document.activeElement.textContent`); last != fmt.Sprintf("photo-%04d.txt", n) {
		t.Errorf("End focuses %q", last)
	}
	teacher.checkLog()
}
