package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cartable/events"
	"cartable/previewtest"
)

// The portal developer's guide (docs/portal.md) quotes runnable examples
// (docs/portal/*.mjs): TestPortalGuideQuotesItsExamples keeps the quotes equal to the
// files, and TestPortalGuide runs the files with node against an instance.

const guideDir = "../../docs/portal"

// TestPortalGuideQuotesItsExamples: every code block of docs/portal.md that names a
// file (```js portal/share.mjs) is that file, byte for byte, and every example is quoted.
func TestPortalGuideQuotesItsExamples(t *testing.T) {
	guide, err := os.ReadFile("../../docs/portal.md")
	if err != nil {
		t.Fatal(err)
	}
	quoted := map[string]bool{}
	block := regexp.MustCompile("(?ms)^```[a-z]+ (portal/[^\\s`]+)\\n(.*?)^```$")
	for _, m := range block.FindAllSubmatch(guide, -1) {
		name, code := string(m[1]), m[2]
		quoted[name] = true
		file, err := os.ReadFile(filepath.Join("../../docs", name))
		if err != nil {
			t.Errorf("docs/portal.md quotes %s: %v", name, err)
		} else if !bytes.Equal(code, file) {
			t.Errorf("docs/portal.md's block %s differs from docs/%s: copy the file into the guide again", name, name)
		}
	}
	examples, err := filepath.Glob(filepath.Join(guideDir, "*.mjs"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples in %s (%v)", guideDir, err)
	}
	for _, path := range examples {
		if name := "portal/" + filepath.Base(path); !quoted[name] {
			t.Errorf("docs/portal.md does not quote %s", name)
		}
	}
}

// TestPortalGuide runs the guide's examples as a portal developer would, in the
// guide's order: sign in, browse, upload, share, receive the webhook, make and open
// a link, embed files, and meet errors. Node reaches the instance through a proxy
// that checks every answer against the spec and makes Cartable unavailable once.
func TestPortalGuide(t *testing.T) {
	needTool(t, "node")
	if _, err := os.Stat(filepath.Join(guideDir, "node_modules", "tus-js-client")); err != nil {
		skipOrFail(t, "the guide's packages are not installed: run `make portal` (make test does)")
	}
	const secret = "guide-webhook-secret"
	var receiver *nodeProcess
	var outages atomic.Int32
	in := startWith(t, func(cfg *Config) {
		cfg.Jobs = true // the workers render the thumbnail the embed example shows
		receiver = startNode(t, "webhook.mjs", "CARTABLE_WEBHOOK_SECRET="+secret, "PORT=0")
		cfg.WebhookURL, cfg.WebhookSecret = "http://127.0.0.1:"+receiver.waitFor(t, `^listening on port (\d+)`)[1]+"/", secret
		check := contractProxy(t, cfg.PublicURL)
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The first /me meets an outage, so that the examples' retry runs.
			if r.URL.Path == "/api/v1/me" && outages.Add(1) == 1 {
				w.Header().Set("Content-Type", "application/problem+json")
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"type":"urn:cartable:problem:unavailable","title":"Service indisponible","status":503,"code":"unavailable"}`))
				return
			}
			check.ServeHTTP(w, r)
		}))
		t.Cleanup(proxy.Close)
		cfg.PublicURL = proxy.URL
	})
	g := guide{t: t, url: in.url}
	prof, pupil := in.as("prof.martin"), in.as("eleve.6a.01")

	t.Log("Sign in: a dev token, then who Cartable takes us for (after one 503)")
	out, errOut := g.run("CARTABLE_USER=prof.martin", "signin.mjs")
	wantOutput(t, out, "Claire Martin (prof.martin), Teacher", "class 6A (0600001A-6A) as Teacher")
	wantOutput(t, errOut, "Cartable is unavailable, retrying in 1 s")

	t.Log("Browse: a pupil's spaces, the class space two items a page, its modes and flags")
	class := prof.space("group", "6A")
	cours := prof.mkdir(class, "Cours")
	wantStatus(t, prof.sendJSON(http.MethodPatch, itemPath(cours.ID), map[string]any{"mode": "read_only"}, nil), http.StatusOK, "read-only Cours")
	exposes := prof.mkdir(class, "Exposés")
	wantStatus(t, prof.sendJSON(http.MethodPatch, itemPath(exposes.ID), map[string]any{"mode": "collaborative"}, nil), http.StatusOK, "collaborative Exposés")
	prof.mustUpload(class, "consignes.txt", []byte("Rendre l'exposé lundi."))
	out, _ = g.run("CARTABLE_TOKEN="+pupil.token, "browse.mjs", "6A", "2")
	wantOutput(t, out, "personal  Mes documents", "group     6A",
		"folder Cours          read_only      can: -",
		"folder Exposés        collaborative  can: add",
		"file   consignes.txt                 can: -",
		"3 items in 2 pages")

	t.Log("Upload with tus-js-client: into the personal space, then into a folder by id, twice (conflict: rename)")
	dir := t.TempDir()
	photo, clip := filepath.Join(dir, "sortie.jpg"), filepath.Join(dir, "expérience.mp4")
	writeFile(t, photo, previewtest.Photo(640, 480, 0, 7))
	writeFile(t, clip, fakeMP4())
	profEnv := "CARTABLE_TOKEN=" + prof.token
	out, _ = g.run(profEnv, "upload-file.mjs", photo)
	photoID := wantMatch(t, out, `uploaded "sortie.jpg" \(image/jpeg, \d+ bytes\): (\S+)`)[1]
	home := prof.home()
	out, _ = g.run(profEnv, "upload-file.mjs", clip, home)
	clipID := wantMatch(t, out, `uploaded "expérience.mp4" \(video/mp4, 36 bytes\): (\S+)`)[1]
	out, _ = g.run(profEnv, "upload-file.mjs", photo, home)
	wantOutput(t, out, `uploaded "sortie (2).jpg"`)
	if it := prof.get(itemPath(photoID)).item(t); it.ParentID == nil || *it.ParentID != home {
		t.Errorf("the upload without a folder went to %v, not the personal space %s", it.ParentID, home)
	}

	t.Log("Share with 6A's pupils, found by the directory search")
	out, _ = g.run(profEnv, "share.mjs", photoID, "6A")
	wantOutput(t, out, `shared "sortie.jpg" with 6A — élèves (Classe · Collège Jean Moulin) as viewer`)
	if shared := pupil.shared(); len(shared) != 1 || shared[0].ID != photoID {
		t.Errorf("6A's pupil is shared %+v", shared)
	}

	t.Log("The webhook: the share reaches the receiver, signed; a forged one does not")
	// The workers deliver every 10 seconds; deliver now rather than wait (a delivery
	// already under way is skipped, not repeated).
	hook := events.Webhook{URL: in.app.cfg.WebhookURL, Secret: in.app.cfg.WebhookSecret}
	if _, err := events.Deliver(context.Background(), in.app.pool, hook); err != nil {
		t.Fatal(err)
	}
	body := receiver.waitFor(t, `^\{.*"kind":"share".*\}$`)[0]
	t.Logf("the receiver printed %s", body)
	checkWebhook(t, []byte(body))
	var e events.Event
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.ItemID.String() != photoID || e.Actor != "prof.martin" ||
		e.Recipient == nil || *e.Recipient != (events.Recipient{Kind: "group", ID: "0600001A-6A", Profile: "Student"}) || e.Role != "viewer" {
		t.Errorf("the receiver printed %s (%v)", body, err)
	}
	if status := postHook(t, hook.URL, []byte(body), events.Sign("another secret", []byte(body))); status != http.StatusUnauthorized {
		t.Errorf("a forged signature: %d, want 401", status)
	}
	if status := postHook(t, hook.URL, []byte(body), events.Sign(secret, []byte(body))); status != http.StatusNoContent {
		t.Errorf("the same event again: %d, want 204", status)
	}
	select {
	case line := <-receiver.lines:
		t.Errorf("the receiver handled an event twice: %s", line)
	case <-time.After(500 * time.Millisecond):
	}

	t.Log("A view link with a password, opened without an account")
	out, _ = g.run(profEnv, "link.mjs", photoID, "musee2026")
	wantMatch(t, out, `(?m)^link http://\S+/api/v1/links/\S+$`)
	wantOutput(t, out, "\nthe link asks for a password\n")
	download := wantMatch(t, out, `(?m)^it opens "sortie.jpg" \(file\) until \S+; download: (\S+)$`)[1]
	wantStatus(t, in.do(http.MethodGet, strings.TrimPrefix(download, in.url), "", nil, nil), http.StatusOK, "the link's download URL")

	t.Log("Embed: a thumbnail and a video whose URLs need no Authorization header")
	waitForPreview(t, prof, photoID)
	out, _ = g.run(profEnv, "embed.mjs", photoID, clipID)
	img := wantMatch(t, out, `<img src="([^"]+)" width="128" height="128" alt="sortie.jpg" loading="lazy">`)[1]
	video := wantMatch(t, out, `<video controls preload="metadata" src="([^"]+)"(?: poster="[^"]+")?></video>`)[1]
	th := in.do(http.MethodGet, strings.TrimPrefix(html.UnescapeString(img), in.url), "", nil, map[string]string{"Accept": "image/webp"})
	if th.StatusCode != http.StatusOK || th.Header.Get("Content-Type") != "image/webp" {
		t.Errorf("the <img> src: %d %s", th.StatusCode, th.Header.Get("Content-Type"))
	}
	seek := in.do(http.MethodGet, strings.TrimPrefix(html.UnescapeString(video), in.url), "", nil, map[string]string{"Range": "bytes=8-15"})
	if seek.StatusCode != http.StatusPartialContent || string(seek.body) != string(fakeMP4()[8:16]) {
		t.Errorf("a seek in the <video> src: %d %q", seek.StatusCode, seek.body)
	}

	t.Log("Errors: an input refused names its field; a refused upload says why")
	_, errOut = g.fail("CARTABLE_TOKEN="+pupil.token, "browse.mjs", "6A", "0")
	wantMatch(t, errOut, `CartableError: 400 invalid_request: .*\(field: limit\)`)
	_, errOut = g.fail("CARTABLE_TOKEN="+pupil.token, "upload-file.mjs", photo, cours.ID)
	wantMatch(t, errOut, `CartableError: 403 read_only_folder: `)
}

// guide runs the guide's examples against an instance.
type guide struct {
	t   *testing.T
	url string
}

// command prepares node to run an example, killed if it runs for more than a minute.
func (g guide) command(env []string, script string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	g.t.Cleanup(cancel)
	cmd := nodeCommand(ctx, append([]string{"CARTABLE_URL=" + g.url}, env...), script, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

func nodeCommand(ctx context.Context, env []string, script string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = guideDir
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// run runs an example that must succeed; env is one NAME=value.
func (g guide) run(env, script string, args ...string) (stdout, stderr string) {
	g.t.Helper()
	cmd, out, errOut := g.command([]string{env}, script, args...)
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("node %s %s: %v\nstdout:\n%s\nstderr:\n%s", script, strings.Join(args, " "), err, out, errOut)
	}
	g.t.Logf("node %s %s:\n%s", script, strings.Join(args, " "), out)
	return out.String(), errOut.String()
}

// fail runs an example that must fail.
func (g guide) fail(env, script string, args ...string) (stdout, stderr string) {
	g.t.Helper()
	cmd, out, errOut := g.command([]string{env}, script, args...)
	if err := cmd.Run(); err == nil {
		g.t.Fatalf("node %s %s succeeded, want a failure:\n%s", script, strings.Join(args, " "), out)
	}
	g.t.Logf("node %s %s failed:\n%s", script, strings.Join(args, " "), errOut)
	return out.String(), errOut.String()
}

// nodeProcess is an example that keeps running (the webhook receiver); the test
// reads its output line by line.
type nodeProcess struct {
	lines chan string
}

func startNode(t *testing.T, script string, env ...string) *nodeProcess {
	t.Helper()
	cmd := nodeCommand(context.Background(), env, script) // it runs as long as the test
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodeProcess{lines: make(chan string, 100)}
	go func() {
		defer close(p.lines)
		for sc := bufio.NewScanner(stdout); sc.Scan(); {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("node %s stderr:\n%s", script, errOut.String())
		}
	})
	return p
}

// waitFor returns the submatches of the first line matching pattern.
func (p *nodeProcess) waitFor(t *testing.T, pattern string) []string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("the process ended before printing %s", pattern)
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-timeout:
			t.Fatalf("no line matching %s within a minute", pattern)
		}
	}
}

// wantOutput checks that out holds every text.
func wantOutput(t *testing.T, out string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if !strings.Contains(out, text) {
			t.Fatalf("output without %q:\n%s", text, out)
		}
	}
}

// wantMatch returns the submatches of pattern in out.
func wantMatch(t *testing.T, out, pattern string) []string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output without a match of %s:\n%s", pattern, out)
	}
	return m
}

// needTool finds a program the test runs: a machine without it skips the test,
// unless under CI, where it fails.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		skipOrFail(t, name+" is not installed")
	}
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// fakeMP4 is the head of an MP4 file: enough for its type to be sniffed as
// video/mp4 (the guide shows it in a <video>); no player could play it.
func fakeMP4() []byte {
	return append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), []byte("\x00\x00\x00\x10moovdata")...)
}

// postHook POSTs a body to the webhook receiver with a signature, as Cartable does.
func postHook(t *testing.T, url string, body []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(events.SignatureHeader, signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// waitForPreview waits until the file's preview is no longer pending.
func waitForPreview(t *testing.T, u *user, id string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		var it previewItem
		u.get(itemPath(id)).json(t, &it)
		if it.Preview != "pending" && it.RefreshAfter == 0 { // every size: a new file's larger ones come after
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the preview of %s is still being made after 2 minutes", id)
		}
	}
}
