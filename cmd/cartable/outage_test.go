package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// faultProxy forwards TCP connections to a dependency (MinIO, PostgreSQL) and fakes
// its outage on demand: cut resets every connection through it and refuses the new
// ones (accepted, then reset), until restore. The shared test services keep running.
type faultProxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
	// budget, when not negative, is how many more bytes may flow from the target
	// before the proxy cuts (an outage in the middle of an answer).
	budget int64
	wg     sync.WaitGroup
}

// newFaultProxy listens on a free local port and forwards to target ("host:port").
// It stops when the test ends.
func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, ln: ln, target: target, conns: map[net.Conn]struct{}{}, budget: -1}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

func (p *faultProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed at the end of the test
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(client)
		}()
	}
}

func (p *faultProxy) forward(client net.Conn) {
	if p.isDown() {
		reset(client)
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 30*time.Second)
	if err != nil {
		reset(client)
		return
	}
	p.mu.Lock()
	if p.down { // cut while dialing
		p.mu.Unlock()
		reset(client)
		reset(server)
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(server, client); done <- struct{}{} }()
	go func() { p.copyFromTarget(client, server); done <- struct{}{} }()
	<-done
	// One side ended: end both (neither HTTP nor PostgreSQL half-closes).
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
	client.Close()
	server.Close()
	<-done
}

// copyFromTarget forwards the target's bytes, within the budget when one is set.
func (p *faultProxy) copyFromTarget(client, server net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			p.mu.Lock()
			send, exhausted := n, false
			if p.budget >= 0 {
				send = int(min(int64(n), p.budget))
				p.budget -= int64(send)
				exhausted = p.budget == 0
			}
			p.mu.Unlock()
			if _, werr := client.Write(buf[:send]); werr != nil {
				return
			}
			if exhausted {
				p.cut()
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *faultProxy) isDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down
}

// cut resets every connection and refuses new ones until restore.
func (p *faultProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down, p.budget = true, -1
	for c := range p.conns {
		reset(c)
		delete(p.conns, c)
	}
}

// cutAfter lets n more bytes come from the target, then cuts.
func (p *faultProxy) cutAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.budget = n
}

// restore accepts connections again.
func (p *faultProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down, p.budget = false, -1
}

// reset closes a connection with a TCP RST, as a crashed or unreachable peer does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// wantUnavailable checks a 503 unavailable with Retry-After, and that the answer
// shows none of the instance's internals.
func wantUnavailable(t *testing.T, in *instance, r response, what string, secrets ...string) {
	t.Helper()
	wantProblem(t, r, http.StatusServiceUnavailable, "unavailable", what)
	if got := r.Header.Get("Retry-After"); got != "5" {
		t.Errorf("%s: Retry-After %q, want 5", what, got)
	}
	secrets = append(secrets, in.app.cfg.S3Bucket, in.app.cfg.S3AccessKey, in.app.cfg.S3SecretKey, "blobs/", "127.0.0.1",
		"dial", "refused", "reset", "EOF", "postgres", "minio")
	// The problem type names the product; the rest must not name anything internal
	// (the test stack's access key is "cartable" too).
	all := strings.ReplaceAll(string(r.body), "urn:cartable:problem:", "") + " " + headerText(r.Header)
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("%s: the answer shows %q: %s", what, s, all)
		}
	}
}

func headerText(h http.Header) string {
	var b strings.Builder
	h.Write(&b)
	return b.String()
}

// TestStorageOutage: with object storage down, an upload and a download are 503
// unavailable with Retry-After and nothing internal, the download without any of
// the file's headers; /readyz says which dependency is down; once storage is back
// everything works again.
func TestStorageOutage(t *testing.T) {
	var s3 *faultProxy
	var realEndpoint string
	in := startWith(t, func(cfg *Config) {
		realEndpoint = cfg.S3Endpoint
		s3 = newFaultProxy(t, cfg.S3Endpoint)
		cfg.S3Endpoint = s3.addr()
	})
	prof := in.as("prof.martin")
	home := prof.home()
	data := []byte("Leçon 1 : les fractions.\n")
	file := prof.mustUpload(home, "lecon.txt", data)
	secrets := []string{realEndpoint, s3.addr()}

	s3.cut()
	r := prof.upload(home, "devoir.txt", []byte("réponse"), "")
	wantUnavailable(t, in, r, "upload with storage down", secrets...)

	r = prof.get(itemPath(file.ID, "/content"))
	wantUnavailable(t, in, r, "download with storage down", secrets...)
	for _, h := range []string{"Content-Disposition", "ETag", "Last-Modified", "Accept-Ranges", "Content-Range"} {
		if v := r.Header.Get(h); v != "" {
			t.Errorf("download with storage down: %s %q on the problem", h, v)
		}
	}
	if cl := r.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(r.body)) {
		t.Errorf("download with storage down: Content-Length %s for a %d-byte problem", cl, len(r.body))
	}
	var versions struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	vr := prof.get(itemPath(file.ID, "/versions"))
	wantStatus(t, vr, http.StatusOK, "versions with storage down (the database answers)")
	vr.json(t, &versions)
	if len(versions.Items) != 1 {
		t.Fatalf("versions: %s", vr.body)
	}
	r = prof.get(itemPath(file.ID, "/versions/", versions.Items[0].ID, "/content"))
	wantUnavailable(t, in, r, "version download with storage down", secrets...)
	if r.Header.Get("Content-Disposition") != "" || r.Header.Get("ETag") != "" {
		t.Errorf("version download with storage down carries the file's headers: %v", r.Header)
	}

	ready := in.do(http.MethodGet, "/readyz", "", nil, nil)
	wantStatus(t, ready, http.StatusServiceUnavailable, "/readyz with storage down")
	if !bytes.Contains(ready.body, []byte("object storage")) || ready.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz with storage down: %v %s", ready.Header, ready.body)
	}
	for _, s := range append(secrets, in.app.cfg.S3Bucket, "127.0.0.1") {
		if bytes.Contains(ready.body, []byte(s)) {
			t.Errorf("/readyz shows %q: %s", s, ready.body)
		}
	}

	s3.restore()
	wantStatus(t, in.do(http.MethodGet, "/readyz", "", nil, nil), http.StatusOK, "/readyz once storage is back")
	again := prof.mustUpload(home, "devoir.txt", []byte("réponse"))
	r = prof.get(itemPath(again.ID, "/content"))
	wantStatus(t, r, http.StatusOK, "download once storage is back")
	if string(r.body) != "réponse" {
		t.Errorf("download once storage is back: %q", r.body)
	}
	r = prof.get(itemPath(file.ID, "/content"))
	wantStatus(t, r, http.StatusOK, "older file once storage is back")
	if !bytes.Equal(r.body, data) || r.Header.Get("ETag") != file.ETag {
		t.Errorf("older file once storage is back: %q, ETag %s", r.body, r.Header.Get("ETag"))
	}
}

// TestStorageOutageMidDownload: storage lost in the middle of a download aborts the
// connection; the client never gets a short body that looks complete.
func TestStorageOutageMidDownload(t *testing.T) {
	var s3 *faultProxy
	in := startWith(t, func(cfg *Config) {
		s3 = newFaultProxy(t, cfg.S3Endpoint)
		cfg.S3Endpoint = s3.addr()
	})
	prof := in.as("prof.martin")
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16) // 4 MiB
	file := prof.mustUpload(prof.home(), "video.bin", data)

	s3.cutAfter(256 << 10) // the answer's head and the start of the body, then nothing
	req, err := http.NewRequest(http.MethodGet, in.url+itemPath(file.ID, "/content"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+prof.token)
	res, err := in.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("download: status %d", res.StatusCode)
	}
	got, err := io.ReadAll(res.Body)
	if err == nil {
		t.Fatalf("download cut mid-way ended cleanly after %d of %d bytes", len(got), len(data))
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Logf("read error: %v", err)
	}
	if len(got) >= len(data) {
		t.Fatalf("got %d bytes of %d", len(got), len(data))
	}

	s3.restore()
	r := prof.get(itemPath(file.ID, "/content"))
	wantStatus(t, r, http.StatusOK, "download once storage is back")
	if !bytes.Equal(r.body, data) {
		t.Errorf("download once storage is back: %d bytes, want %d", len(r.body), len(data))
	}
}

// TestDatabaseOutage: with PostgreSQL down (every pooled connection reset, new ones
// refused), a listing is 503 unavailable with Retry-After and nothing internal, and
// /readyz says the database is down; once it is back, listings, uploads and
// downloads work again.
func TestDatabaseOutage(t *testing.T) {
	var pg *faultProxy
	var dbURL *url.URL
	in := startWith(t, func(cfg *Config) {
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil || u.Port() == "" {
			t.Skipf("the database URL %q has no TCP host:port to put a proxy in front of", cfg.DatabaseURL)
		}
		dbURL = u
		pg = newFaultProxy(t, u.Host)
		proxied := *u
		proxied.Host = pg.addr()
		cfg.DatabaseURL = proxied.String()
	})
	prof := in.as("prof.martin")
	home := prof.home()
	file := prof.mustUpload(home, "lecon.txt", []byte("Leçon 2"))
	secrets := []string{dbURL.Host, pg.addr(), strings.TrimPrefix(dbURL.Path, "/"), dbURL.User.Username() + "@", "database="}

	pg.cut()
	r := prof.get(itemPath(home, "/children"))
	wantUnavailable(t, in, r, "listing with the database down", secrets...)
	r = prof.get(itemPath(file.ID, "/content"))
	wantUnavailable(t, in, r, "download with the database down", secrets...)
	if r.Header.Get("Content-Disposition") != "" || r.Header.Get("ETag") != "" {
		t.Errorf("download with the database down carries file headers: %v", r.Header)
	}
	r = prof.upload(home, "devoir.txt", []byte("réponse"), "")
	wantUnavailable(t, in, r, "upload with the database down", secrets...)
	// A file manager on WebDAV is told to come back, not asked for its password.
	propfind, err := http.NewRequest("PROPFIND", in.url+"/dav/", nil)
	if err != nil {
		t.Fatal(err)
	}
	propfind.Header.Set("Authorization", "Bearer "+prof.token)
	propfind.Header.Set("Depth", "1")
	if res, err := in.http.Do(propfind); err != nil {
		t.Error(err)
	} else {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("WebDAV with the database down: %d (Retry-After %q) %s, want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"), body)
		}
		for _, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("WebDAV's answer shows %q: %s", s, body)
			}
		}
	}

	ready := in.do(http.MethodGet, "/readyz", "", nil, nil)
	wantStatus(t, ready, http.StatusServiceUnavailable, "/readyz with the database down")
	if !bytes.Contains(ready.body, []byte("database")) {
		t.Errorf("/readyz with the database down: %s", ready.body)
	}
	for _, s := range secrets {
		if bytes.Contains(ready.body, []byte(s)) {
			t.Errorf("/readyz shows %q: %s", s, ready.body)
		}
	}

	pg.restore()
	// As an orchestrator does: wait for the node to say it is ready (its pool drops
	// the connections the outage broke), then serve.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ready = in.do(http.MethodGet, "/readyz", "", nil, nil)
		if ready.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz once the database is back: %d %s", ready.StatusCode, ready.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	r = prof.get(itemPath(home, "/children"))
	wantStatus(t, r, http.StatusOK, "listing once the database is back")
	if !bytes.Contains(r.body, []byte(file.ID)) {
		t.Errorf("listing once the database is back lacks %s: %s", file.ID, r.body)
	}
	again := prof.mustUpload(home, "devoir.txt", []byte("réponse"))
	r = prof.get(itemPath(again.ID, "/content"))
	wantStatus(t, r, http.StatusOK, "download once the database is back")
	if string(r.body) != "réponse" {
		t.Errorf("download once the database is back: %q", r.body)
	}
}
