package main

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebAppParentOnAPhone: a parent of 6A, on a phone, finds the outing's photos
// the teacher shared with the class's parents, sees them, and is offered nothing
// that would change them.
func TestWebAppParentOnAPhone(t *testing.T) {
	exe := chromiumPath(t)
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	prof := in.as("prof.martin")
	outing := prof.mkdir(prof.home(), "Sortie au musée")
	photo, err := os.ReadFile(sampleFiles(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	prof.mustUpload(outing.ID, "photo-classe.jpg", photo)
	wantStatus(t, prof.shareWith(outing.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Relative"}, "viewer", nil),
		http.StatusCreated, "share with 6A's parents")
	poster := prof.mustUpload(prof.home(), "affiche-kermesse.jpg", photo)
	wantStatus(t, prof.shareWith(poster.ID, map[string]any{"kind": "group", "id": "0600001A-6A", "profile": "Relative"}, "viewer", nil),
		http.StatusCreated, "share the poster with 6A's parents")

	b := newBrowser(t, exe)
	parent := b.tab("parent.6a.01")
	parent.phone()
	signIn(parent, in.url, "parent.6a.01")
	parent.run("open the menu, then Partagés avec moi", chromedp.Click(`//button[contains(@class,"menu-toggle")]`),
		chromedp.Click(`//nav//a[normalize-space()="Partagés avec moi"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Partagés avec moi"]`))

	// A picture shared on its own opens in the viewer, as in a folder.
	parent.run("open the poster", chromedp.Click(`//li[contains(@class,"item")]//a[normalize-space()="affiche-kermesse.jpg"]`),
		chromedp.WaitVisible(chromedp.CSS(`dialog.viewer[open] figure img`)),
		chromedp.Click(`//dialog[contains(@class,"viewer")]//button[normalize-space()="Fermer"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`dialog.viewer[open]`)))

	// The whole folder, as one zip, to keep the photos.
	zip := parent.download("download the folder as a zip", chromedp.Click(`//li[.//a[normalize-space()="Sortie au musée"]]//button[contains(@class,"more")]`),
		chromedp.Click(`//*[@role="menu"]//*[normalize-space()="Télécharger (.zip)"]`))
	if zr, err := zipReader(zip); err != nil || len(zr.File) != 2 || zr.File[1].Name != "Sortie au musée/photo-classe.jpg" {
		t.Errorf("the downloaded zip: %v", err)
	}

	parent.run("open the folder", chromedp.Click(`//li[contains(@class,"item")]//a[normalize-space()="Sortie au musée"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Sortie au musée"]`),
		chromedp.WaitVisible(`//li[.//a[normalize-space()="photo-classe.jpg"]]//div[contains(@class,"thumb") and contains(@class,"loaded")]/img`))
	parent.screenshot("phone-parent-shared-folder")
	parent.axe("parent, shared folder on a phone")
	if n := js[int](parent, "upload buttons", `[...document.querySelectorAll("main button")].filter(b => /Ajouter|Nouveau dossier/.test(b.textContent)).length`); n != 0 {
		t.Errorf("a parent who may only look is offered %d upload or new-folder buttons", n)
	}
	parent.checkLog()
}

// TestWebAppKeyboardOnly: a pupil who uses no mouse signs in, reaches the class
// space from the side bar, walks its list with the arrows, opens a folder, opens a
// file's menu and closes it, and goes back up by the breadcrumbs: every step by
// the keyboard, with the focus always visible.
func TestWebAppKeyboardOnly(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	prof := in.as("prof.martin")
	class := prof.space("group", "6A")
	prof.mkdir(class, "Anglais")
	lesson := prof.mkdir(class, "Mathématiques")
	prof.mustUpload(lesson.ID, "fractions.txt", []byte("1/2 + 1/4"))

	b := newBrowser(t, exe)
	pupil := b.tab("eleve.6a.01")
	pupil.run("open the app", chromedp.Navigate(in.url+"/"), chromedp.WaitVisible(chromedp.CSS(`button.user`)))
	pupil.wantFocus("the name filter has the focus", "")
	pupil.run("type a name", chromedp.KeyEvent("Léa"), chromedp.WaitNotPresent(chromedp.CSS(`button.user[data-user="prof.martin"]`)))
	pupil.tabTo("the pupil on the sign-in list", `document.activeElement.dataset.user === "eleve.6a.01"`, 3)
	pupil.press("pick them", kb.Enter)
	pupil.run("signed in", chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`))

	pupil.tabTo("6A in the side bar", `document.activeElement.matches("#nav a") && document.activeElement.textContent.trim() === "6A"`, 20)
	pupil.press("open 6A", kb.Enter)
	pupil.run("6A", arrive("6A"))
	pupil.tabTo("the first row", `document.activeElement.matches("li.item a.name")`, 20)
	pupil.wantFocus("the first row is Anglais", "Anglais")
	pupil.press("next row", kb.ArrowDown)
	pupil.wantFocus("the arrow moves to Mathématiques", "Mathématiques")
	pupil.press("open it", kb.Enter)
	pupil.run("Mathématiques", arrive("Mathématiques"))

	pupil.tabTo("the file's actions", `document.activeElement.matches("li.item button.more")`, 20)
	pupil.press("open the menu", kb.Enter)
	pupil.run("the menu", chromedp.WaitVisible(`//*[@role="menu"]//*[normalize-space()="Télécharger"]`))
	pupil.wantFocus("the menu's first entry has the focus", "Télécharger")
	pupil.screenshot("desktop-keyboard-menu")
	pupil.press("close it", kb.Escape)
	pupil.wantFocus("the focus is back on the actions button", "")
	if js[bool](pupil, "the menu is gone", `!!document.querySelector('[role="menu"]:not([hidden])')`) {
		t.Error("Escape left the menu open")
	}

	pupil.tabTo("6A in the breadcrumbs", `!!document.activeElement.closest("[aria-label='Vous êtes ici']") && document.activeElement.textContent.trim() === "6A"`, 20)
	pupil.press("go up", kb.Enter)
	pupil.run("back in 6A", chromedp.WaitVisible(`//h1[normalize-space()="6A"]`))
	pupil.checkLog()
}

// press sends one key to the focused element.
func (tb *tab) press(what, key string) {
	tb.t.Helper()
	tb.run(what, chromedp.KeyEvent(key))
}

// tabTo presses Tab until the focused element matches (a JavaScript condition),
// at most max times, and checks the focus can be seen there.
func (tb *tab) tabTo(what, condition string, max int) {
	tb.t.Helper()
	var trail []string
	for i := 0; i < max; i++ {
		if js[bool](tb, what, condition) {
			tb.wantVisibleFocus(what)
			return
		}
		tb.press("Tab towards "+what, kb.Tab)
		trail = append(trail, js[string](tb, "focused", `(e => e.tagName + "." + e.className + " " + e.textContent.trim().slice(0, 40))(document.activeElement)`))
	}
	tb.t.Fatalf("%s: not reached in %d presses of Tab; the focus went:\n%s", what, max, strings.Join(trail, "\n"))
}

// wantFocus checks the focused element's words (none: any element but the page).
func (tb *tab) wantFocus(what, words string) {
	tb.t.Helper()
	got := js[string](tb, what, `document.activeElement === document.body ? "<body>" : document.activeElement.textContent.trim()`)
	if (words == "" && got == "<body>") || (words != "" && got != words) {
		tb.t.Fatalf("%s: the focus is on %q", what, got)
	}
	tb.wantVisibleFocus(what)
}

// wantVisibleFocus checks the focused element draws a focus ring (an outline or
// a box shadow), so that a keyboard user sees where they are.
func (tb *tab) wantVisibleFocus(what string) {
	tb.t.Helper()
	style := js[string](tb, what+": focus style", `(() => { const s = getComputedStyle(document.activeElement);
		return s.outlineStyle + " " + s.outlineWidth + " | " + s.boxShadow; })()`)
	outline, shadow, _ := strings.Cut(style, " | ")
	if (strings.HasPrefix(outline, "none") || strings.HasSuffix(outline, " 0px")) && shadow == "none" {
		tb.t.Errorf("%s: the focus cannot be seen (%s)", what, style)
	}
}

// download runs actions that start a download and answers the file the browser
// saved (downloads are allowed into a temporary folder, with their events).
func (tb *tab) download(what string, actions ...chromedp.Action[chromedp.Void]) []byte {
	tb.t.Helper()
	dir := tb.t.TempDir()
	c := chromedp.FromContext(tb.ctx)
	done := make(chan *cdpbrowser.EventDownloadProgress, 1)
	chromedp.ListenBrowser(tb.ctx, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && (e.State == cdpbrowser.DownloadProgressStateCompleted || e.State == cdpbrowser.DownloadProgressStateCanceled) {
			select {
			case done <- e:
			default:
			}
		}
	})
	events := true
	tb.run("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := cdp.Call(ctx, c.Browser, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: c.BrowserContextID, DownloadPath: dir, EventsEnabled: &events})
		return err
	}))
	tb.run(what, actions...)
	select {
	case e := <-done:
		if e.State != cdpbrowser.DownloadProgressStateCompleted {
			tb.t.Fatalf("%s: the download was %s", what, e.State)
		}
		data, err := os.ReadFile(filepath.Join(dir, e.GUID))
		if err != nil {
			tb.t.Fatal(err)
		}
		return data
	case <-time.After(45 * time.Second):
		tb.t.Fatalf("%s: no download finished", what)
		return nil
	}
}

func zipReader(data []byte) (*zip.Reader, error) {
	return zip.NewReader(bytes.NewReader(data), int64(len(data)))
}
