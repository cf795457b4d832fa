package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestWebAppMoveCopyVersions: a teacher moves a file with the folder picker (from
// the keyboard), drags a folder onto another, copies a file, sends a second
// version of a file ("Remplacer") and brings the first one back from the versions
// dialog; a pupil is not offered to move the teacher's file in the class space.
func TestWebAppMoveCopyVersions(t *testing.T) {
	exe := chromiumPath(t)
	in := start(t)
	b := newBrowser(t, exe)
	files := sampleFiles(t)
	prof := in.as("prof.martin")

	teacher := b.tab("prof.martin")
	signIn(teacher, in.url, "prof.martin")
	teacher.run("home", chromedp.WaitVisible(`//h1[normalize-space()="Mes documents"]`))
	newFolder(teacher, "Archives")
	newFolder(teacher, "Fractions")
	uploadFiles(teacher, files...)
	archives := rowID(teacher, "Archives")
	fractions := rowID(teacher, "Fractions")
	consignes := rowID(teacher, "consignes.txt")

	// Move with the picker, from the keyboard only.
	teacher.run("open the menu of consignes.txt", chromedp.Focus(`//button[@aria-label="Actions pour « consignes.txt »"]`),
		chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`//dialog[contains(@class,"menu")]`))
	menuTo(teacher, "Déplacer…")
	teacher.run("the picker opens on the folder shown", chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Déplacer « consignes.txt »"]`),
		chromedp.WaitVisible(`//dialog[@open]//nav//span[@aria-current="location" and normalize-space()="Mes documents"]`),
		chromedp.WaitVisible(`//dialog[@open]//button[contains(@class,"picker-folder") and normalize-space()="Fractions"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[@role="status" and normalize-space()="« consignes.txt » est déjà dans ce dossier : choisissez-en un autre."]`))
	if !js[bool](teacher, "the move button", `document.querySelector("dialog[open] .buttons .primary").disabled`) {
		t.Error("the picker offers to move the file where it already is")
	}
	teacher.screenshot("desktop-move-picker")
	teacher.axe("move picker")
	waitFocus(teacher, "Archives")
	teacher.run("Tab to Fractions, open it", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`//dialog[@open]//nav//span[@aria-current="location" and normalize-space()="Fractions"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[@role="status" and normalize-space()="« consignes.txt » ira dans « Fractions »."]`))
	waitFocus(teacher, "Déplacer ici")
	teacher.run("move it there", chromedp.KeyEvent(kb.Enter),
		chromedp.WaitNotPresent(`//ul[contains(@class,"items")]//a[normalize-space()="consignes.txt"]`),
		chromedp.WaitVisible(toastSaying("« consignes.txt » est maintenant dans « Fractions ».")))
	wantParent(t, prof, consignes, fractions)
	if !js[bool](teacher, "the focus after the move", `document.activeElement.closest("ul.items") !== null`) {
		t.Error("after the move the focus is not back in the list")
	}

	// Drag Fractions onto Archives: Archives is highlighted while Fractions is over it.
	drag(teacher, rowThumb("Fractions"), rowThumb("Archives"), func() {
		if !js[bool](teacher, "the drop target", `document.querySelector('li[data-id="`+archives+`"]').classList.contains("drop-target")`) {
			t.Error("the folder under the dragged one is not highlighted")
		}
	})
	teacher.run("Fractions went into Archives", chromedp.WaitNotPresent(`//ul[contains(@class,"items")]//a[normalize-space()="Fractions"]`),
		chromedp.WaitVisible(toastSaying("« Fractions » est maintenant dans « Archives ».")))
	wantParent(t, prof, fractions, archives)

	// Copy to a folder with the picker, then a copy beside the original.
	openMenu(teacher, "photo-classe.jpg", "Copier vers…")
	teacher.run("copy into Archives", chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Copier « photo-classe.jpg »"]`),
		chromedp.Click(`//dialog[@open]//button[contains(@class,"picker-folder") and normalize-space()="Archives"]`),
		chromedp.WaitVisible(`//dialog[@open]//nav//span[@aria-current="location" and normalize-space()="Archives"]`),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Copier ici"]`),
		chromedp.WaitVisible(toastSaying("Copie « photo-classe.jpg » ajoutée dans « Archives ».")))
	openMenu(teacher, "photo-classe.jpg", "Faire une copie")
	teacher.run("the copy beside it", chromedp.WaitVisible(`//ul[contains(@class,"items")]//a[normalize-space()="photo-classe (2).jpg"]`))

	// Moved where its name is taken (the copy is there): keep both.
	openMenu(teacher, "photo-classe.jpg", "Déplacer…")
	teacher.run("move it into Archives", chromedp.Click(`//dialog[@open]//button[contains(@class,"picker-folder") and normalize-space()="Archives"]`),
		chromedp.WaitVisible(`//dialog[@open]//p[@role="status" and normalize-space()="« photo-classe.jpg » ira dans « Archives »."]`),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Déplacer ici"]`),
		chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="« photo-classe.jpg » existe déjà dans « Archives »"]`))
	teacher.axe("move, name taken")
	teacher.run("keep both", chromedp.Click(`//dialog[@open]//button[normalize-space()="Garder les deux"]`),
		chromedp.WaitVisible(toastSaying("« photo-classe (2).jpg » est maintenant dans « Archives ».")),
		chromedp.WaitNotPresent(`//ul[contains(@class,"items")]//a[normalize-space()="photo-classe.jpg"]`))

	// A second version of consignes.txt, then the first one back.
	v1, err := os.ReadFile(files[1])
	if err != nil {
		t.Fatal(err)
	}
	v2 := []byte("Lire le chapitre 4 pour lundi, et faire l'exercice 2.\n")
	second := filepath.Join(t.TempDir(), "consignes.txt")
	if err := os.WriteFile(second, v2, 0o644); err != nil {
		t.Fatal(err)
	}
	teacher.run("open Archives", chromedp.Click(`//a[normalize-space()="Archives"]`), chromedp.WaitVisible(`//h1[normalize-space()="Archives"]`),
		chromedp.WaitVisible(`//ul[contains(@class,"items")]//a[normalize-space()="Fractions"]`))
	teacher.run("open Fractions", chromedp.Click(`//ul[contains(@class,"items")]//a[normalize-space()="Fractions"]`),
		chromedp.WaitVisible(`//h1[normalize-space()="Fractions"]`), chromedp.WaitVisible(`//a[normalize-space()="consignes.txt"]`))
	choose(teacher, []string{second})
	teacher.run("replace it", chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="« consignes.txt » existe déjà ici"]`),
		chromedp.Click(`//dialog[@open]//button[normalize-space()="Remplacer"]`),
		chromedp.WaitVisible(rowSized("consignes.txt", len(v2))))
	openMenu(teacher, "consignes.txt", "Versions")
	teacher.run("the versions", chromedp.WaitVisible(`//dialog[@open]//h2[normalize-space()="Versions de « consignes.txt »"]`),
		chromedp.WaitVisible(`//dialog[@open]//li[contains(@class,"current")][.//strong[normalize-space()="Version 2"]]`),
		chromedp.WaitVisible(`//dialog[@open]//li[.//strong[normalize-space()="Version 1"]]//div[@class="meta" and contains(., "Claire Martin")]`))
	teacher.screenshot("desktop-versions")
	teacher.axe("versions")
	teacher.run("restore version 1", chromedp.Click(`//dialog[@open]//li[.//strong[normalize-space()="Version 1"]]//button[starts-with(normalize-space(), "Restaurer cette version")]`),
		chromedp.WaitVisible(`//dialog[@open]//li[contains(@class,"current")][.//strong[normalize-space()="Version 3"]]`),
		chromedp.WaitVisible(`//dialog[@open]//p[@role="status" and normalize-space()="La version 1 est remise : c'est maintenant la version 3."]`),
		chromedp.Click(`//dialog[@open]//div[@class="buttons"]/button[normalize-space()="Fermer"]`),
		chromedp.WaitVisible(rowSized("consignes.txt", len(v1))))
	if got := prof.get(itemPath(consignes, "/content")).body; string(got) != string(v1) {
		t.Errorf("after restoring version 1 the file holds %q, want %q", got, v1)
	}
	wantVersionLinks(t, in, prof, consignes, v1)

	// A breadcrumb takes a drop too: consignes.txt goes up into Archives.
	crumb := `//nav[@class="crumbs"]//a[normalize-space()="Archives"]`
	drag(teacher, rowThumb("consignes.txt"), crumb, func() {
		if !js[bool](teacher, "the breadcrumb under the file", `document.evaluate('`+crumb+`', document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue.classList.contains("drop-target")`) {
			t.Error("the breadcrumb under the dragged file is not highlighted")
		}
	})
	teacher.run("consignes.txt went up", chromedp.WaitVisible(toastSaying("« consignes.txt » est maintenant dans « Archives ».")),
		chromedp.WaitVisible(chromedp.CSS(`.empty`)))
	wantParent(t, prof, consignes, archives)
	teacher.checkLog()

	// A pupil may copy the teacher's file of the class space, not move it.
	class := prof.space("group", "6A")
	prof.mustUpload(class, "exercice.txt", []byte("Exercice 1 : 3/4 + 1/4"))
	pupil := b.tab("eleve.6a.01")
	signIn(pupil, in.url, "eleve.6a.01")
	pupil.run("the class space", chromedp.Click(`//nav[@id="nav"]//a[normalize-space()="6A"]`),
		chromedp.Click(`//button[@aria-label="Actions pour « exercice.txt »"]`),
		chromedp.WaitVisible(`//dialog[contains(@class,"menu")]//button[normalize-space()="Copier vers…"]`))
	if entries := get(pupil, "the pupil's menu", chromedp.Text(chromedp.CSS(`dialog.menu`))); strings.Contains(entries, "Déplacer") {
		t.Errorf("a pupil is offered to move the teacher's file: %q", entries)
	}
	pupil.run("close the menu", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`dialog.menu`)))
	pupil.checkLog()
}

// rowID is the id of the row of that name in the list shown.
func rowID(tb *tab, name string) string {
	tb.t.Helper()
	return get(tb, name+"'s id", chromedp.AttributeValue(`//li[contains(@class,"item")][.//a[normalize-space()="`+name+`"]]`, "data-id")).Value
}

func rowThumb(name string) string {
	return `//li[contains(@class,"item")][.//a[normalize-space()="` + name + `"]]//div[contains(@class,"thumb")]`
}

// rowSized is the row of that name once its size reads n bytes (sizes and units
// are joined by a non-breaking space, as the app writes them).
func rowSized(name string, n int) string {
	return fmt.Sprintf(`//li[.//a[normalize-space()=%q]]//div[@class="meta" and starts-with(normalize-space(), "%d`+"\u00a0"+`o ·")]`, name, n)
}

func toastSaying(text string) string {
	return fmt.Sprintf(`//div[contains(@class,"toast")]/span[normalize-space()=%q]`, text)
}

// openMenu picks an entry of an item's menu with the mouse.
func openMenu(tb *tab, name, entry string) {
	tb.t.Helper()
	tb.run(entry+" on "+name, chromedp.Click(`//button[@aria-label="Actions pour « `+name+` »"]`),
		chromedp.Click(`//dialog[contains(@class,"menu")]//button[normalize-space()="`+entry+`"]`))
}

// menuTo walks the open menu down with the arrow key to the entry.
func menuTo(tb *tab, entry string) {
	tb.t.Helper()
	for range 12 {
		if js[string](tb, "focused entry", `document.activeElement.textContent`) == entry {
			return
		}
		tb.run("next entry", chromedp.KeyEvent(kb.ArrowDown))
	}
	tb.t.Fatalf("%s: no menu entry %q reached with the arrows", tb.name, entry)
}

// waitFocus waits until the focused element's text is words.
func waitFocus(tb *tab, words string) {
	tb.t.Helper()
	tb.run("focus on "+words, chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.activeElement.textContent.trim() === %q`, words),
		chromedp.WithPollingTimeout(20*time.Second)))
}

func wantParent(t *testing.T, u *user, id, parent string) {
	t.Helper()
	if it := u.get(itemPath(id)).item(t); it.ParentID == nil || *it.ParentID != parent {
		t.Errorf("%s (%s) is in %v, want %s", it.Name, id, it.ParentID, parent)
	}
}

// wantVersionLinks checks what the versions dialog shows and downloads: each
// version names its author and has a signed link that needs no token (version 1's
// gives its bytes).
func wantVersionLinks(t *testing.T, in *instance, u *user, id string, first []byte) {
	t.Helper()
	var page struct {
		Items []struct {
			Number        int    `json:"number"`
			CreatedByName string `json:"created_by_name"`
			DownloadURL   string `json:"download_url"`
		} `json:"items"`
	}
	u.get(itemPath(id, "/versions")).json(t, &page)
	if len(page.Items) != 3 {
		t.Fatalf("%d versions, want 3", len(page.Items))
	}
	for _, v := range page.Items {
		if v.CreatedByName != "Claire Martin" || v.DownloadURL == "" {
			t.Errorf("version %d: author %q, download_url %q", v.Number, v.CreatedByName, v.DownloadURL)
		}
	}
	res, err := in.http.Get(page.Items[2].DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(body) != string(first) {
		t.Errorf("version 1's link: %d %q, want %q", res.StatusCode, body, first)
	}
}

// drag drags the element at from onto the element at to with the mouse, calling
// over while it is above the target. Headless chromium starts no HTML5 drag from
// DevTools mouse events alone: the drag the mouse starts is intercepted
// (Input.setInterceptDrags), and its data dropped on the target with
// Input.dispatchDragEvent, as Puppeteer does; the page sees dragstart, dragenter,
// dragover and drop as with a person's mouse.
func drag(tb *tab, from, to string, over func()) {
	tb.t.Helper()
	x0, y0 := center(tb, from)
	x1, y1 := center(tb, to)
	intercept := func(on bool) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.SetInterceptDrags, input.SetInterceptDragsParams{Enabled: on})
			return err
		})
	}
	tb.run("intercept drags", intercept(true))
	defer tb.run("stop intercepting drags", intercept(false))
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	started := chromedp.Events(ctx, input.DragIntercepted)
	held := func(p *input.DispatchMouseEventParams) { p.Button, p.Buttons = input.MouseButtonLeft, 1 }
	tb.run("press and move", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0, y0),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, held, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+10, y0+10, held),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x1, y1, held))
	var data *input.DragData
	for ev, err := range started {
		if err != nil {
			tb.t.Fatalf("%s: no drag started from %s: %v", tb.name, from, err)
		}
		data = ev.Data
		break
	}
	dragEvent := func(typ input.DispatchDragEventType) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: x1, Y: y1, Data: data})
			return err
		})
	}
	tb.run("drag over the target", dragEvent(input.DispatchDragEventTypeDragEnter), dragEvent(input.DispatchDragEventTypeDragOver))
	over()
	tb.run("drop", dragEvent(input.DispatchDragEventTypeDrop),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
}

// center is the middle of the element at xpath, in the window's CSS pixels.
func center(tb *tab, xpath string) (float64, float64) {
	tb.t.Helper()
	p := js[[]float64](tb, "where "+xpath+" is", fmt.Sprintf(`(() => {
		const el = document.evaluate(%q, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
		el.scrollIntoView({block: "center"});
		const r = el.getBoundingClientRect();
		return [r.x + r.width / 2, r.y + r.height / 2];
	})()`, xpath))
	return p[0], p[1]
}
