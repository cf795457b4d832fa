package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The web app's tests drive Debian's chromium, headless, through the DevTools
// protocol (chromedp). Locally a machine without chromium (or without the pinned
// axe-core of web/e2e, which `make test` installs) skips them; under CI they fail.

// chromiumPath finds the browser, or skips (fails under CI) without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "chromium is not installed (apt-get install chromium)")
	return ""
}

// axeSource is axe-core's script, pinned in web/e2e/package.json.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "e2e", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		missing(t, "axe-core is not installed (cd web/e2e && npm ci)")
	}
	return string(b)
}

func missing(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(what)
	}
	t.Skip(what)
}

// browser is one headless chromium; each tab() is a person at their own window.
type browser struct {
	t    *testing.T
	ctx  context.Context
	axe  string
	shot string // where screenshots go
}

func newBrowser(t *testing.T, exe string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // root in CI containers; the pages are the app's own
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.WindowSize(1280, 860),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	dir := os.Getenv("CARTABLE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, axe: axeSource(t), shot: dir}
}

// tab is one window of the browser, with its own page (and so its own memory:
// the app keeps its token there only).
type tab struct {
	*browser
	ctx  context.Context
	name string
	mu   sync.Mutex
	logs []string
}

func (b *browser) tab(name string) *tab {
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	tb := &tab{browser: b, ctx: ctx, name: name}
	// The first call opens the tab for the life of its context: never with a timeout.
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open a tab: %v", err)
	}
	tb.run("open the tab", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.SetInterceptFileChooserDialog, page.SetInterceptFileChooserDialogParams{Enabled: true})
		return err
	}))
	// Script errors and CSP refusals are test failures: the app must run under its policy.
	err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			tb.logs = append(tb.logs, "exception: "+desc)
		case *cdplog.EventEntryAdded:
			// CSP refusals come as "security" entries; a failed request (a 404 the
			// test provokes) as "network" ones, which are not the app's fault.
			if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
				tb.logs = append(tb.logs, string(e.Entry.Source)+": "+e.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tb.logs = append(tb.logs, "console.error: "+strings.Join(parts, " "))
			}
		}
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return tb
}

// run runs actions with a deadline, failing the test with what was being done.
func (tb *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	get(tb, what, chromedp.Steps(actions...))
}

// get runs an action that answers a value, with a deadline.
func get[T any](tb *tab, what string, action chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		// What the window showed when it failed, beside the screenshots.
		shotCtx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
		defer cancel()
		if png, err := chromedp.Run(shotCtx, chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(filepath.Join(tb.shot, "failed-"+tb.name+".png"), png, 0o644)
		}
		tb.mu.Lock()
		defer tb.mu.Unlock()
		tb.t.Fatalf("%s: %s: %v\nbrowser log:\n%s", tb.name, what, err, strings.Join(tb.logs, "\n"))
	}
	return v
}

// js evaluates an expression, awaiting the promise it gives.
func js[T any](tb *tab, what, expr string) T {
	tb.t.Helper()
	return get(tb, what, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// button is the XPath of a button (or a link) by its visible words.
func button(words string) string {
	return fmt.Sprintf(`//*[(self::button or self::a) and normalize-space()=%q]`, words)
}

// axe runs axe-core on the page as it stands and fails on serious or critical
// violations of WCAG 2.1 A and AA (the RGAA's reference).
func (tb *tab) axe(screen string) {
	tb.t.Helper()
	if !js[bool](tb, "load axe", `typeof axe !== "undefined"`) {
		// Evaluated through DevTools, which the page's CSP does not govern: the app
		// itself never loads it.
		tb.run("inject axe", chromedp.Evaluate[chromedp.Void](tb.browser.axe))
	}
	type violation struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	}
	violations := js[[]violation](tb, "axe "+screen, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target}))})))`)
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			targets, _ := json.Marshal(v.Nodes)
			tb.t.Errorf("%s, %s: axe %s (%s): %s on %s", tb.name, screen, v.ID, v.Impact, v.Help, targets)
		} else {
			tb.t.Logf("%s, %s: axe %s (%s): %s", tb.name, screen, v.ID, v.Impact, v.Help)
		}
	}
}

// screenshot saves the window as <name>.png.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	tb.run("settle", chromedp.Sleep(300*time.Millisecond))
	png := get(tb, "screenshot "+name, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(tb.shot, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// phone and desktop size the window.
func (tb *tab) phone() {
	tb.run("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
}
func (tb *tab) desktop() {
	tb.run("desktop size", chromedp.EmulateViewport(1280, 860))
}

// checkLog fails the test on script errors or CSP refusals the tab reported.
func (tb *tab) checkLog() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, l := range tb.logs {
		tb.t.Errorf("%s: %s", tb.name, l)
	}
	tb.logs = nil
}

// arrive waits for the app to show the folder (or list) named title and settle
// there: it focuses its main area once the view is drawn, which may scroll the
// page, and what comes after (thumbnails, notices, the quota) may move the rows;
// a click computed before that lands where a link was. Settled is: the focus on
// main, nothing busy, and the main area's size and number of elements the same
// over two polls in a row.
func arrive(title string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.WaitVisible(`//h1[normalize-space()="`+title+`"]`),
		chromedp.Poll[chromedp.Void](`(() => {
			const m = document.getElementById("main");
			if (document.activeElement !== m || m.hasAttribute("aria-busy")) { window.__settled = ""; return false; }
			const r = m.getBoundingClientRect();
			const now = [r.top, r.height, m.scrollHeight, m.getElementsByTagName("*").length].join(":");
			const same = window.__settled === now;
			window.__settled = now;
			return same;
		})()`, chromedp.WithPollingInterval(100*time.Millisecond)))
}

// byTimer polls on a timer: the default, on animation frames, never runs in a tab
// left in the background while another is in front.
var byTimer = chromedp.WithPollingInterval(50 * time.Millisecond)
