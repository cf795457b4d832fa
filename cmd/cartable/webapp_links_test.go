package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebAppLinks goes through links in a real browser: a teacher makes a class
// folder, sees in its share dialog who has access (the class by its space, a grant
// inherited in a subfolder), makes a view link with a password and a drop box; a
// visitor with no account, at another window, opens the view link's page, gives a
// wrong password then the right one, sees the files and downloads one, then drops a
// file in the drop box; the teacher finds it in the folder, deletes the view link,
// and the visitor's page says the link no longer works. A pupil is offered no link.
func TestWebAppLinks(t *testing.T) {
	exe := chromiumPath(t)
	// A drop box takes files in one request, up to CARTABLE_MAX_UPLOAD_BYTES: 1 Mo here.
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true; cfg.MaxUploadBytes = 1 << 20 })
	b := newBrowser(t, exe)
	files := sampleFiles(t)
	homework := filepath.Join(t.TempDir(), "devoir-lea.txt")
	video := filepath.Join(t.TempDir(), "film-sortie.mp4")
	if err := os.WriteFile(homework, []byte("Mon compte rendu de la sortie.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(video, make([]byte, 3<<19), 0o644); err != nil {
		t.Fatal(err)
	}

	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("open 6A", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="6A"]`), arrive("6A"))
	newFolder(teacher, "Sortie au musée")
	teacher.run("open the folder", chromedp.Click(`//a[normalize-space()="Sortie au musée"]`), arrive("Sortie au musée"))
	uploadFiles(teacher, files...)
	newFolder(teacher, "Photos")
	photo := get(teacher, "the photo's id", chromedp.AttributeValue(`//li[.//a[normalize-space()="photo-classe.jpg"]]`, "data-id")).Value
	teacher.run("the photo's thumbnail", chromedp.WaitVisible(`//li[.//a[normalize-space()="photo-classe.jpg"]]//div[contains(@class,"thumb") and contains(@class,"loaded")]/img`))

	viewURL, dropURL := makeLinks(teacher, in.url)
	inheritedAccess(teacher)

	visitor := b.tab("visiteur")
	visitViewLink(visitor, viewURL)
	dropFile(visitor, dropURL, homework, video)
	visitFileLink(visitor, in.as("prof.martin"), photo)

	teacher.run("the dropped file is in the folder", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="6A"]`), arrive("6A"),
		chromedp.Click(`//a[normalize-space()="Sortie au musée"]`), arrive("Sortie au musée"), chromedp.WaitVisible(`//a[normalize-space()="devoir-lea.txt"]`))
	teacher.run("delete the view link", chromedp.Click(button("Partager")),
		chromedp.WaitVisible(`//ul[contains(@class,"access")]//span[normalize-space()="6A — parents"]`),
		chromedp.Click(`//dialog[@open]//button[@role="tab" and normalize-space()="Lien"]`),
		chromedp.Click(`//div[@id="tabpanel-view"]//button[normalize-space()="Supprimer le lien"]`),
		chromedp.WaitVisible(`//div[@id="tabpanel-view"]//li[normalize-space()="Aucun lien pour l'instant."]`),
		chromedp.WaitVisible(`//div[@id="tabpanel-view"]//p[@role="status" and normalize-space()="Lien supprimé : il ne fonctionne plus."]`),
		chromedp.Click(`//dialog[@open]//div[@class="buttons"]/button[normalize-space()="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog[open]`)))
	visitor.run("the deleted link's page", chromedp.Navigate(viewURL),
		chromedp.WaitVisible(`//h1[normalize-space()="Ce lien ne fonctionne plus"]`))
	visitor.axe("link gone")

	// A pupil manages their own folders, but makes no link: no tab for it.
	pupil := b.tab("eleve.6a.01")
	signIn(pupil, in.url, "eleve.6a.01")
	newFolder(pupil, "Mon exposé")
	pupil.run("the pupil's share dialog", chromedp.Click(`//a[normalize-space()="Mon exposé"]`), arrive("Mon exposé"),
		chromedp.Click(button("Partager")), chromedp.WaitVisible(chromedp.ID(`share-q`)))
	if js[bool](pupil, "link tabs", `document.querySelector('dialog[open] [role="tablist"]') !== null`) {
		t.Error("a pupil is offered links, which the API refuses them")
	}
	for _, tb := range []*tab{teacher, visitor, pupil} {
		tb.checkLog()
	}
}

// makeLinks makes a view link with a password and a drop box on the folder shown,
// through its share dialog, after checking the class is said to have access by its
// space and sharing it with the class's parents; it answers the two addresses.
func makeLinks(teacher *tab, base string) (view, drop string) {
	t := teacher.t
	t.Helper()
	teacher.run("open the share dialog", chromedp.Click(button("Partager")), chromedp.WaitVisible(chromedp.ID(`share-q`)),
		chromedp.WaitVisible(`//ul[contains(@class,"access")]//li[contains(@class,"implicit")][normalize-space()="Les membres de 6A ont accès par l'espace de la classe (enseignants et élèves)."]`),
		chromedp.SendKeys(chromedp.ID(`share-q`), "6A"),
		chromedp.Click(`//button[contains(@class,"candidate")][.//strong[normalize-space()="6A — parents"]]`),
		chromedp.Click(`//dialog[@open]//button[@type="submit" and normalize-space()="Partager"]`),
		chromedp.WaitVisible(`//ul[contains(@class,"access")]//span[normalize-space()="6A — parents"]`))

	// The tabs follow the keyboard: the arrows move to the next one and show it.
	teacher.run("a view link with a password", chromedp.Focus(chromedp.ID(`tab-people`)), chromedp.KeyEvent(kb.ArrowRight),
		chromedp.WaitVisible(chromedp.ID(`link-view-password`)),
		chromedp.Poll[chromedp.Void](`document.activeElement.id === "tab-view" && document.activeElement.getAttribute("aria-selected") === "true"`, byTimer),
		chromedp.Click(`//div[@id="tabpanel-view"]//button[normalize-space()="1 semaine"]`),
		chromedp.SendKeys(chromedp.ID(`link-view-password`), "musee2026"),
		chromedp.Click(`//div[@id="tabpanel-view"]//button[normalize-space()="Créer le lien"]`),
		chromedp.WaitVisible(chromedp.CSS(`#tabpanel-view .link-url`)),
		chromedp.WaitVisible(`//div[@id="tabpanel-view"]//ul[contains(@class,"links")]//span[contains(normalize-space(), "avec mot de passe")]`))
	view = js[string](teacher, "the view link", `document.querySelector("#tabpanel-view .link-url").value`)
	if !strings.HasPrefix(view, base+"/liens/") {
		t.Fatalf("the dialog gives %q, not the link's page", view)
	}
	if once := js[string](teacher, "the warning", `document.querySelector("#tabpanel-view .link-created .notice").textContent`); !strings.Contains(once, "il ne sera plus affiché") {
		t.Errorf("the new link comes with %q", once)
	}
	teacher.run("copy it", chromedp.Click(`//div[@id="tabpanel-view"]//button[normalize-space()="Copier le lien"]`),
		chromedp.WaitVisible(`//div[@id="tabpanel-view"]//p[@role="status" and (starts-with(normalize-space(), "Lien copié") or starts-with(normalize-space(), "Le lien est sélectionné"))]`))
	teacher.screenshot("desktop-share-links")
	// On a phone the rows still say what each link is (a rule hiding the top bar's
	// name hid them too).
	teacher.phone()
	if n := js[int](teacher, "the link rows' words on a phone", `[...document.querySelectorAll("#tabpanel-view .links .who")].filter((e) => e.getBoundingClientRect().width > 0).length`); n == 0 {
		t.Error("on a phone the share dialog's link rows show no words")
	}
	teacher.screenshot("phone-share-links")
	teacher.desktop()
	teacher.axe("share dialog, links")

	teacher.run("a drop box", chromedp.Click(`//dialog[@open]//button[@role="tab" and normalize-space()="Boîte de dépôt"]`),
		chromedp.WaitVisible(`//div[@id="tabpanel-upload"]//p[contains(., "sans voir ce qu'il y a dans le dossier")]`),
		chromedp.Click(`//div[@id="tabpanel-upload"]//button[normalize-space()="Créer la boîte de dépôt"]`),
		chromedp.WaitVisible(chromedp.CSS(`#tabpanel-upload .link-url`)),
		chromedp.WaitVisible(`//div[@id="tabpanel-upload"]//ul[contains(@class,"links")]//span[contains(normalize-space(), "sans mot de passe")]`))
	drop = js[string](teacher, "the drop box's link", `document.querySelector("#tabpanel-upload .link-url").value`)
	teacher.axe("share dialog, drop box")
	teacher.run("close the dialog", chromedp.Click(`//dialog[@open]//div[@class="buttons"]/button[normalize-space()="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog[open]`)))
	return view, drop
}

// inheritedAccess: in a subfolder, the parents' access is inherited, and leads to
// the folder where it is given.
func inheritedAccess(teacher *tab) {
	teacher.t.Helper()
	teacher.run("the subfolder's share dialog", chromedp.Click(`//a[normalize-space()="Photos"]`), arrive("Photos"),
		chromedp.Click(button("Partager")), chromedp.WaitVisible(chromedp.ID(`share-q`)),
		chromedp.WaitVisible(`//li[contains(@class,"inherited") and contains(., "6A — parents") and contains(., "hérité de")]//a[normalize-space()="« Sortie au musée »"]`))
	if n := js[int](teacher, "inherited rows' controls", `document.querySelectorAll("li.inherited select, li.inherited button").length`); n != 0 {
		teacher.t.Errorf("an inherited access offers %d controls to change it here", n)
	}
	teacher.screenshot("desktop-share-inherited")
	teacher.axe("share dialog, inherited")
	teacher.run("go to where it is given", chromedp.Click(`//li[contains(@class,"inherited")]//a[normalize-space()="« Sortie au musée »"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog[open]`)), arrive("Sortie au musée"))
}

// visitViewLink opens a view link's page with no account: the password (a wrong one
// first), the folder's files, a download, a subfolder and back.
func visitViewLink(visitor *tab, url string) {
	t := visitor.t
	t.Helper()
	visitor.run("open the link", chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID(`visit-password`)))
	visitor.axe("link password")
	visitor.run("a wrong password", chromedp.SendKeys(chromedp.ID(`visit-password`), "musee2025\r"),
		chromedp.WaitVisible(`//p[@id="visit-password-error" and normalize-space()="Ce mot de passe n'est pas le bon. Vérifiez-le et réessayez."]`))
	visitor.run("the right one", chromedp.SendKeys(chromedp.ID(`visit-password`), "musee2026\r"),
		chromedp.WaitVisible(`//h1[normalize-space()="Sortie au musée"]`),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//span[normalize-space()="consignes.txt"]`),
		chromedp.WaitVisible(`//li[.//span[normalize-space()="photo-classe.jpg"]]//img`))
	got := js[string](visitor, "download consignes.txt", `(async () => {
		const a = document.querySelector('a[aria-label="Télécharger « consignes.txt »"]');
		const r = await fetch(a.href, { credentials: "omit" });
		return r.status + " " + (r.headers.get("Content-Disposition") || "").split(";")[0] + " " + await r.text();
	})()`)
	if want := "200 attachment Lire le chapitre 3 pour vendredi.\n"; got != want {
		t.Errorf("the download gives %q, want %q", got, want)
	}
	visitor.run("download everything", chromedp.Click(`//button[normalize-space()="Tout télécharger (.zip)"]`),
		chromedp.WaitVisible(`//p[@role="status" and starts-with(normalize-space(), "Le téléchargement a commencé")]`))
	visitor.screenshot("desktop-link-page")
	visitor.axe("link page")
	visitor.run("a subfolder, and back", chromedp.Click(`//a[normalize-space()="Photos"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Photos"]`), chromedp.WaitVisible(`//p[normalize-space()="Ce dossier est vide."]`),
		chromedp.Click(`//nav[contains(@class,"crumbs")]//a[normalize-space()="Sortie au musée"]`),
		chromedp.WaitVisible(`//li[contains(@class,"item")]//span[normalize-space()="consignes.txt"]`))
}

// visitFileLink: a link to a file shows its preview and the button to download it.
func visitFileLink(visitor *tab, prof *user, photo string) {
	t := visitor.t
	t.Helper()
	r := prof.sendJSON(http.MethodPost, itemPath(photo, "/links"), map[string]any{"kind": "view", "expires_at": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}, nil)
	wantStatus(t, r, http.StatusCreated, "a link to the photo")
	var l struct {
		PageURL string `json:"page_url"`
	}
	r.json(t, &l)
	visitor.run("the photo's page", chromedp.Navigate(l.PageURL), chromedp.WaitVisible(`//h1[normalize-space()="photo-classe.jpg"]`),
		chromedp.WaitVisible(`//a[normalize-space()="Télécharger" and contains(@href, "download=1")]`),
		chromedp.Poll[chromedp.Void](`document.querySelector("img.preview")?.naturalWidth > 0`, byTimer))
	visitor.screenshot("desktop-link-file")
	visitor.axe("link page, a file")
	// Nine minutes later the signed URL may have expired: the page is read again, and
	// the download follows the fresh one (the clicks are caught, not followed).
	again := js[bool](visitor, "a stale download", `(async () => {
		const clicks = [];
		document.addEventListener("click", (e) => { if (e.target.closest("a[data-item]")) { clicks.push(e.target.closest("a").href); e.preventDefault(); } }, true);
		const now = Date.now();
		Date.now = () => now + 9 * 60 * 1000;
		const first = document.querySelector("a[data-item]");
		first.click();
		for (let i = 0; i < 400 && clicks.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
		return clicks.length === 2 && !first.isConnected && clicks[1].includes("download=1");
	})()`)
	if !again {
		t.Error("a download from a page shown long ago does not read the link again")
	}
}

// dropFile opens a drop box's page with no account and drops a file through its
// file chooser, then one too large, which is refused in plain words; the page shows
// nothing of the folder's content.
func dropFile(visitor *tab, url, file, tooLarge string) {
	t := visitor.t
	t.Helper()
	visitor.run("open the drop box", chromedp.Navigate(url),
		// The title's guillemets hold the name with non-breaking spaces, as French writes them.
		chromedp.WaitVisible("//h1[normalize-space()=\"Déposer des fichiers dans «\u00a0Sortie au musée\u00a0»\"]"))
	if text := get(visitor, "the page's text", chromedp.Text(chromedp.CSS(`main`))); strings.Contains(text, "consignes.txt") || strings.Contains(text, "Photos") {
		t.Errorf("the drop box shows the folder's content: %q", text)
	}
	chooseWith(visitor, `//button[normalize-space()="Choisir des fichiers"]`, []string{file})
	visitor.run("dropped", chromedp.WaitVisible(`//ul[contains(@class,"drops")]//li[@data-state="done"][.//span[normalize-space()="Fichier déposé"]]`))
	chooseWith(visitor, `//button[normalize-space()="Choisir des fichiers"]`, []string{tooLarge})
	visitor.run("too large", chromedp.WaitVisible("//ul[contains(@class,\"drops\")]//li[@data-state=\"failed\"]//span[normalize-space()=\"Ce fichier est trop gros (1,5\u00a0Mo, maximum 1\u00a0Mo).\"]"))
	visitor.screenshot("desktop-dropbox-page")
	visitor.axe("drop box page")
	visitor.phone()
	visitor.screenshot("phone-dropbox-page")
	visitor.axe("drop box page, phone")
	visitor.desktop()
}
