package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cartable/antivirus"
	"cartable/live"
	"cartable/previewtest"
)

// liveItem is what the watch tests read of an item event.
type liveItem struct {
	ID         string                          `json:"id"`
	Preview    string                          `json:"preview"`
	Scan       string                          `json:"scan"`
	Thumbnails map[string]struct{ URL string } `json:"thumbnails"`
}

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

// sseStream is an open GET /api/v1/items/watch, read as it comes.
type sseStream struct {
	t      *testing.T
	events chan sseEvent // closed when the stream ends
	cancel context.CancelFunc
	ended  chan struct{}
	mu     sync.Mutex
	raw    bytes.Buffer // everything received
	retry  string
}

// watch opens a stream on the items; when the answer is not a stream it returns
// it read whole instead.
func (u *user) watch(ids ...string) (*sseStream, *response) {
	u.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.url+"/api/v1/items/watch?ids="+strings.Join(ids, ","), nil)
	if err != nil {
		u.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Accept", "text/event-stream")
	res, err := u.http.Do(req)
	if err != nil {
		cancel()
		u.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		defer cancel()
		defer res.Body.Close()
		var body bytes.Buffer
		body.ReadFrom(res.Body)
		checkContract(u.t, req, res, body.Bytes())
		return nil, &response{Response: res, body: body.Bytes()}
	}
	s := &sseStream{t: u.t, events: make(chan sseEvent, 64), cancel: cancel, ended: make(chan struct{})}
	go s.read(req, res)
	u.t.Cleanup(s.close)
	return s, nil
}

// read parses the stream into events until it ends, then checks the answer
// against the contract.
func (s *sseStream) read(req *http.Request, res *http.Response) {
	defer close(s.ended)
	defer close(s.events)
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.raw.WriteString(line + "\n")
		s.mu.Unlock()
		switch {
		case line == "":
			if ev.name != "" || ev.data != "" {
				s.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "retry: "):
			s.mu.Lock()
			s.retry = strings.TrimPrefix(line, "retry: ")
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	body := bytes.Clone(s.raw.Bytes())
	s.mu.Unlock()
	checkContract(s.t, req, res, body)
}

// next waits for the next event; ok is false when the stream ended.
func (s *sseStream) next() (sseEvent, bool) {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		return ev, ok
	case <-time.After(3 * time.Minute):
		s.t.Fatalf("no event in 3 minutes; received so far:\n%s", s.text())
		return sseEvent{}, false
	}
}

// item decodes an item event.
func (ev sseEvent) item(t *testing.T) liveItem {
	t.Helper()
	if ev.name != "item" {
		t.Fatalf("event %q (%s), want item", ev.name, ev.data)
	}
	var it liveItem
	if err := json.Unmarshal([]byte(ev.data), &it); err != nil {
		t.Fatalf("item event %s: %v", ev.data, err)
	}
	return it
}

// untilDone collects the events until "done", which must end the stream.
func (s *sseStream) untilDone() []sseEvent {
	s.t.Helper()
	var got []sseEvent
	for {
		ev, ok := s.next()
		if !ok {
			s.t.Fatalf("the stream ended without done; received:\n%s", s.text())
		}
		if ev.name == "done" {
			if ev.data != `{"reason":"settled"}` {
				s.t.Fatalf("done with %s", ev.data)
			}
			if _, more := s.next(); more {
				s.t.Fatalf("events after done:\n%s", s.text())
			}
			return got
		}
		got = append(got, ev)
	}
}

func (s *sseStream) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.String()
}

func (s *sseStream) close() {
	s.cancel()
	<-s.ended
}

// TestLiveWatchTellsThumbnailsAfterTheScan: a pupil uploads a photo while the
// antivirus is down (so its scan waits), and watches it: she hears the photo as it
// stands (pending its scan), then the verdict and the thumbnails as they come,
// then the stream says done and ends.
// Watching a classmate's private photo tells her nothing about it: her stream of
// it alone says done at once, exactly as for an id that does not exist, and
// beside her own photo it is never mentioned. Malformed ids, too many ids and
// too many streams are refused with problems.
func TestLiveWatchTellsThumbnailsAfterTheScan(t *testing.T) {
	in, clamd := startScanning(t, nil)
	lea, zoe := in.as("eleve.6a.01"), in.as("eleve.6a.02")
	clamd.Stop() // the scans wait (fail closed) until it is back
	// PNGs: a JPEG gets a provisional small thumbnail from Go before its scan,
	// and this test wants nothing but the verdict to come first.
	photo := lea.mustUpload(lea.home(), "dessin.png", previewtest.Gradient(320, 240))
	secret := zoe.mustUpload(zoe.home(), "journal.png", previewtest.Gradient(321, 240))
	if it := waitForScan(t, lea, photo.ID, "pending"); it.Preview != "pending" {
		t.Fatalf("a photo waiting for its scan has preview %q, want pending", it.Preview)
	}

	// Refusals first, while the photos are pending.
	_, r := lea.watch("nope")
	wantProblem(t, *r, http.StatusBadRequest, "invalid_request", "a malformed id")
	many := make([]string, live.MaxItems+1)
	for i := range many {
		many[i] = uuid.NewString()
	}
	_, r = lea.watch(many...)
	wantProblem(t, *r, http.StatusBadRequest, "invalid_request", "too many ids")
	if testNodes(t) == 1 { // the limit is per node
		var open []*sseStream
		for range live.DefaultConfig.PerUser {
			s, r := lea.watch(photo.ID)
			if s == nil {
				t.Fatalf("stream refused: %d %s", r.StatusCode, r.body)
			}
			open = append(open, s)
		}
		_, r = lea.watch(photo.ID)
		wantProblem(t, *r, http.StatusTooManyRequests, "too_many_streams", "one stream too many")
		if r.Header.Get("Retry-After") == "" {
			t.Error("too_many_streams without Retry-After")
		}
		for _, s := range open {
			s.close()
		}
	}

	// A classmate's private photo: the same answer as an id nobody has (or a
	// folder, for which nothing comes).
	for _, ids := range [][]string{{secret.ID}, {uuid.NewString()}, {lea.home()}} {
		s := lea.waitForStream(ids...)
		if got := s.untilDone(); len(got) != 0 {
			t.Fatalf("watching %v told %v", ids, got)
		}
		if strings.Contains(s.text(), secret.ID) {
			t.Fatalf("the stream names the classmate's photo:\n%s", s.text())
		}
	}

	s := lea.waitForStream(photo.ID, secret.ID)
	clamd.Restart()
	events := s.untilDone()
	if len(events) < 2 || events[0].item(t).Scan != antivirus.Pending {
		t.Fatalf("the stream told %v; want the photo pending its scan first, then what changed", events)
	}
	for i, ev := range events {
		it := ev.item(t)
		if it.ID != photo.ID {
			t.Fatalf("event %d is about %s, want only the photo %s", i, it.ID, photo.ID)
		}
		if it.Scan != "" && i > 0 {
			t.Fatalf("event %d says scan %q after the verdict was told", i, it.Scan)
		}
	}
	last := events[len(events)-1].item(t)
	if last.Scan != "" || last.Preview != "ready" || last.Thumbnails["small"].URL == "" {
		t.Fatalf("the last event says scan %q, preview %q, thumbnails %v; want clean and ready", last.Scan, last.Preview, last.Thumbnails)
	}
	if strings.Contains(s.text(), secret.ID) {
		t.Fatalf("the stream names the classmate's photo:\n%s", s.text())
	}
	wantStatus(t, lea.get(strings.TrimPrefix(last.Thumbnails["small"].URL, in.url)), http.StatusOK, "the thumbnail told")

	// Watched once settled: told at once, and done.
	late := lea.waitForStream(photo.ID).untilDone()
	if len(late) != 1 || late[0].item(t).Preview != "ready" {
		t.Fatalf("a late watch got %v, want the ready photo", late)
	}
}

// TestLiveWatchTellsWhatCameBeforeIt: a pupil's page reads her new photo, and its
// stream opens a moment later (the web app waits a quarter of a second for the
// rest of a batch). The photo's provisional small thumbnail came in between,
// while the antivirus is down: the stream tells it at once, not at the next
// change (the verdict, which may be minutes away).
func TestLiveWatchTellsWhatCameBeforeIt(t *testing.T) {
	in, clamd := startScanning(t, nil)
	lea := in.as("eleve.6a.01")
	clamd.Stop() // the scans wait: nothing changes after the provisional thumbnail
	photo := lea.mustUpload(lea.home(), "IMG_3001.jpg", previewtest.CameraPhoto(previewtest.CameraOptions{Width: 1600, Height: 1200, Seed: 21}))
	if first := waitForThumbnail(t, lea, photo.ID, "small"); first.Scan != antivirus.Pending {
		t.Fatalf("the provisional thumbnail came with scan %q, want it before the verdict", first.Scan)
	}

	s := lea.waitForStream(photo.ID)
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatalf("the stream ended; received:\n%s", s.text())
		}
		if it := ev.item(t); it.ID != photo.ID || it.Scan != antivirus.Pending || it.Thumbnails["small"].URL == "" {
			t.Fatalf("the first event says %+v; want the photo pending its scan, with its small thumbnail", it)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("nothing told in 20 s of the small thumbnail that came before the stream; received:\n%s", s.text())
	}

	clamd.Restart()
	events := s.untilDone()
	if len(events) == 0 || events[len(events)-1].item(t).Preview != "ready" {
		t.Fatalf("after the verdict the stream told %v, want the photo ready last", events)
	}
}

// waitForStream opens a watch, trying again while the streams of an earlier
// watch are still being let go by the server (too_many_streams).
func (u *user) waitForStream(ids ...string) *sseStream {
	u.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s, r := u.watch(ids...)
		if s != nil {
			return s
		}
		if r.StatusCode != http.StatusTooManyRequests || time.Now().After(deadline) {
			u.t.Fatalf("watch %v: %d %s", ids, r.StatusCode, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLiveWatchHearsAnotherNode: the node a pupil watches on runs no jobs; the
// photo's preview is made by another node on the same database, whose commit
// reaches the first node's listener.
func TestLiveWatchHearsAnotherNode(t *testing.T) {
	in := start(t) // no jobs: nothing renders here
	lea := in.as("eleve.6a.01")
	photo := lea.mustUpload(lea.home(), "photo.jpg", previewtest.Photo(320, 240, 0, 5))
	s := lea.waitForStream(photo.ID)
	// Only now is there a node to render it: what the stream tells came from there.
	in.startNode(t, func(cfg *Config) { cfg.Jobs = true })
	events := s.untilDone()
	if len(events) < 2 || events[0].item(t).Preview != "pending" {
		t.Fatalf("the stream told %v; want the photo pending first, then its thumbnails", events)
	}
	last := events[len(events)-1].item(t)
	if last.Preview != "ready" || last.Thumbnails["small"].URL == "" {
		t.Fatalf("the last event says preview %q, thumbnails %v", last.Preview, last.Thumbnails)
	}
}

// startNode starts one more node of the instance's program on its database and
// bucket, with a change to its configuration.
func (in *instance) startNode(t *testing.T, configure func(*Config)) {
	t.Helper()
	cfg := in.app.cfg
	configure(&cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	node, err := open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- node.run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node %s stopped with %v", ln.Addr(), err)
		}
		node.close()
	})
}

// TestLiveWatchSurvivesADatabaseOutage: the listener's connection is cut, and no
// new connection is let in while a preview fails (its notification is lost). Once
// the database takes connections again, the listener reconnects by itself and the
// watch reads its item again: the pupil is told.
func TestLiveWatchSurvivesADatabaseOutage(t *testing.T) {
	in := start(t) // no jobs: the preview stays pending until the test says
	lea := in.as("eleve.6a.01")
	photo := lea.mustUpload(lea.home(), "photo.jpg", previewtest.Photo(320, 240, 0, 6))
	s := lea.waitForStream(photo.ID)
	ctx := context.Background()
	conn, err := in.app.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	listener := func() (pid int) {
		conn.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			WHERE datname = current_database() AND query = 'LISTEN `+live.Channel+`'`).Scan(&pid)
		return pid
	}
	waitFor(t, "the listener", func() bool { return listener() != 0 })
	var db string
	conn.QueryRow(ctx, `SELECT current_database()`).Scan(&db)
	exec := func(c interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, sql string, args ...any) {
		t.Helper()
		if _, err := c.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// The database refuses new connections (from the cluster's own database: one
	// cannot lock oneself out), the listener's is cut.
	admin, err := pgx.Connect(ctx, os.Getenv("CARTABLE_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	exec(admin, `ALTER DATABASE `+db+` ALLOW_CONNECTIONS false`)
	defer admin.Exec(ctx, `ALTER DATABASE `+db+` ALLOW_CONNECTIONS true`)
	exec(conn, `SELECT pg_terminate_backend($1)`, listener())
	waitFor(t, "the listener to go", func() bool { return listener() == 0 })
	exec(conn, `UPDATE previews SET state = 'failed', failure_code = 'internal' WHERE blob_id =
		(SELECT v.blob_id FROM items i JOIN versions v ON v.id = i.current_version_id WHERE i.id = $1)`, photo.ID)
	exec(conn, `SELECT pg_notify($1, v.blob_id::text) FROM items i JOIN versions v ON v.id = i.current_version_id
		WHERE i.id = $2`, live.Channel, photo.ID) // lost: nobody listens
	exec(admin, `ALTER DATABASE `+db+` ALLOW_CONNECTIONS true`)
	events := s.untilDone()
	if len(events) == 0 || events[len(events)-1].item(t).Preview != "failed" {
		t.Fatalf("after the outage the watch told %v, want the failed preview", events)
	}
}
