package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"cartable/bench/node"
)

// itemView is what the watch needs of an item's JSON.
type itemView struct {
	ID         string         `json:"id"`
	Preview    string         `json:"preview"`
	Thumbnails map[string]any `json:"thumbnails"`
}

// allSizes are the renditions a file has once its preview is complete.
var allSizes = []string{"small", "medium", "large"}

// watcher tells t each watched file's item, and the moment it was seen, until
// ctx ends or t says every file is complete. It is the one place that says how a
// screen learns of thumbnails: followUploads (follow.go), the event stream the
// web app follows, or pollFolder, the teacher's folder listed again and again.
type watcher func(ctx context.Context, c *class, t *tracker) error

// watchers are the -watch flag's choices.
var watchers = map[string]watcher{"stream": followUploads, "poll": pollFolder}

// pollEvery is the polling period of pollFolder.
const pollEvery = 100 * time.Millisecond

// pollFolder lists the class folder every 100 ms, as the teacher's grid would
// refresh it. One listing per period, whatever the number of pending files: the
// alternative, a GET per pending file every 100 ms, is 700 requests a second at
// the start of the burst, which would take the cores the renders need.
func pollFolder(ctx context.Context, c *class, t *tracker) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !t.finished() {
		if err := listAll(ctx, c.teacher, c.folder, t.saw); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// listAll lists every child of folder, page by page, calling seen with each at
// the moment its page arrived.
func listAll(ctx context.Context, c *node.Client, folder string, seen func(itemView, time.Time)) error {
	cursor := ""
	for {
		var page struct {
			Items      []itemView `json:"items"`
			NextCursor string     `json:"next_cursor"`
		}
		path := "/api/v1/items/" + folder + "/children?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.Call(ctx, http.MethodGet, path, nil, &page); err != nil {
			return err
		}
		at := time.Now()
		for _, it := range page.Items {
			seen(it, at)
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// tracker holds, per file, its upload and the moments its thumbnails were seen.
type tracker struct {
	mu       sync.Mutex
	expected int // uploads of the burst
	ended    int // uploads answered, well or not
	sent     map[string]Sent
	small    map[string]time.Time  // first seen with thumbnails.small
	all      map[string]time.Time  // first seen with every size
	failed   map[string]string     // preview "failed"
	added    map[int]chan struct{} // per pupil, a signal at each of their 201s (sentBy)
	complete chan struct{}         // closed once every file is complete or failed
	closed   bool
}

func newTracker(expected int) *tracker {
	return &tracker{expected: expected, sent: map[string]Sent{}, small: map[string]time.Time{},
		all: map[string]time.Time{}, failed: map[string]string{}, added: map[int]chan struct{}{}, complete: make(chan struct{})}
}

// uploaded records an upload's answer.
func (t *tracker) uploaded(s Sent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ended++
	if s.Err == nil {
		t.sent[s.ID] = s
		select {
		case t.addedLocked(s.Pupil) <- struct{}{}:
		default: // a signal not taken yet says it already
		}
	}
	t.closeIfFinishedLocked()
}

// anyPending says whether one of ids is still awaited.
func (t *tracker) anyPending(ids []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.ContainsFunc(ids, t.awaitedLocked)
}

// awaitedLocked says whether the file id has neither every rendition seen nor
// failed.
func (t *tracker) awaitedLocked(id string) bool {
	_, complete := t.all[id]
	return !complete && t.failed[id] == ""
}

// sentBy is signalled when pupil n's upload gets its 201 (one signal may stand
// for several).
func (t *tracker) sentBy(n int) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addedLocked(n)
}

func (t *tracker) addedLocked(n int) chan struct{} {
	if t.added[n] == nil {
		t.added[n] = make(chan struct{}, 1)
	}
	return t.added[n]
}

// pendingOf lists pupil n's files whose renditions are not all seen yet.
func (t *tracker) pendingOf(n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ids []string
	for _, id := range t.pendingLocked() {
		if t.sent[id].Pupil == n {
			ids = append(ids, id)
		}
	}
	return ids
}

// saw records what an item showed at a moment. An item may show before its
// upload's 201 reaches the pupil: its moments are kept by id all the same.
func (t *tracker) saw(it itemView, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if it.Preview == "failed" {
		t.failed[it.ID] = it.Preview
		t.closeIfFinishedLocked()
		return
	}
	if _, ok := it.Thumbnails["small"]; ok {
		if _, seen := t.small[it.ID]; !seen {
			t.small[it.ID] = at
		}
	}
	for _, size := range allSizes {
		if _, ok := it.Thumbnails[size]; !ok {
			return
		}
	}
	if _, seen := t.all[it.ID]; !seen {
		t.all[it.ID] = at
	}
	t.closeIfFinishedLocked()
}

// pendingLocked lists the uploaded files whose renditions are not all seen yet.
func (t *tracker) pendingLocked() []string {
	var ids []string
	for id := range t.sent {
		if t.awaitedLocked(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// finished says that every upload has ended and every uploaded file is complete
// or failed.
func (t *tracker) finished() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.finishedLocked()
}

func (t *tracker) finishedLocked() bool {
	return t.ended == t.expected && len(t.pendingLocked()) == 0
}

func (t *tracker) closeIfFinishedLocked() {
	if !t.closed && t.finishedLocked() {
		t.closed = true
		close(t.complete)
	}
}
