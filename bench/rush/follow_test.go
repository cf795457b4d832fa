package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cartable/bench/node"
)

// sse writes server-sent events as the watch endpoint does.
func sse(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "retry: 3000\n\n")
	for _, e := range events {
		fmt.Fprint(w, e+"\n\n")
		w.(http.Flusher).Flush()
	}
}

func item(id string, sizes ...string) string {
	var thumbs []string
	for _, s := range sizes {
		thumbs = append(thumbs, fmt.Sprintf("%q:{\"url\":\"/t/%s\"}", s, s))
	}
	return fmt.Sprintf("event: item\ndata: {\"id\":%q,\"preview\":\"pending\",\"thumbnails\":{%s}}", id, strings.Join(thumbs, ","))
}

// TestWatchStreamReadsEvents: each item event is seen when it comes, a
// heartbeat is skipped, and "done" ends the stream as done.
func TestWatchStreamReadsEvents(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.URL.Query().Get("ids") != "a,b" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		sse(w, item("a", "small"), ": heartbeat", item("b", "small", "medium", "large"), "event: done\ndata: {\"reason\":\"settled\"}")
	}))
	defer srv.Close()
	var seen []string
	done, err := watchStream(context.Background(), &node.Client{Base: srv.URL, Token: "tok"}, []string{"a", "b"}, func(it itemView, _ time.Time) {
		seen = append(seen, fmt.Sprintf("%s:%d", it.ID, len(it.Thumbnails)))
	})
	if err != nil || !done {
		t.Fatalf("done %v, err %v", done, err)
	}
	if want := []string{"a:1", "b:3"}; !slices.Equal(seen, want) {
		t.Fatalf("seen %v, want %v", seen, want)
	}
}

// TestFollowPupilReopensWithEveryFile: a pupil's second file, sent after the
// stream opened, reopens it with both files, and following ends once every file
// is complete.
func TestFollowPupilReopensWithEveryFile(t *testing.T) {
	var mu sync.Mutex
	var asked []string // the ids of each stream opened
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids := r.URL.Query().Get("ids")
		mu.Lock()
		asked = append(asked, ids)
		mu.Unlock()
		if ids == "a" {
			sse(w, item("a", "small")) // then it stays open, as a stream waiting for more
			<-r.Context().Done()
			return
		}
		sse(w, item("a", "small", "medium", "large"), item("b", "small", "medium", "large"), "event: done\ndata: {}")
	}))
	defer srv.Close()
	tr := newTracker(2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	followed := make(chan error, 1)
	go func() { followed <- followPupil(ctx, &node.Client{Base: srv.URL}, 1, tr) }()
	tr.uploaded(Sent{ID: "a", Pupil: 1, End: time.Now()})
	waitFor(t, func() bool { _, ok := tr.snapshotSmall("a"); return ok })
	tr.uploaded(Sent{ID: "b", Pupil: 1, End: time.Now()})
	if err := <-followed; err != nil {
		t.Fatal(err)
	}
	if !tr.finished() {
		t.Fatal("followed to the end with files still pending")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || asked[0] != "a" || (asked[1] != "a,b" && asked[1] != "b,a") {
		t.Fatalf("streams opened with %q, want a, then both", asked)
	}
}

// snapshotSmall is when id was first seen with its small thumbnail.
func (t *tracker) snapshotSmall(id string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.small[id]
	return at, ok
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// TestFollowPupilStreamTroubles: a stream that fails is opened again, as the web
// app does; one that says "done" while its files are incomplete ends the
// scenario with an error instead of waiting for ever.
func TestFollowPupilStreamTroubles(t *testing.T) {
	tests := []struct {
		name    string
		answers []func(w http.ResponseWriter) // one per stream opened, the last repeated
		wantErr string
	}{
		{name: "a failure, then the stream", answers: []func(w http.ResponseWriter){
			func(w http.ResponseWriter) { http.Error(w, "busy", http.StatusServiceUnavailable) },
			func(w http.ResponseWriter) { sse(w, item("a", "small", "medium", "large"), "event: done\ndata: {}") },
		}},
		{name: "done too early", answers: []func(w http.ResponseWriter){
			func(w http.ResponseWriter) { sse(w, item("a", "small"), "event: done\ndata: {}") },
		}, wantErr: "still incomplete"},
		{name: "failing for good", answers: []func(w http.ResponseWriter){
			func(w http.ResponseWriter) { http.Error(w, "busy", http.StatusServiceUnavailable) },
		}, wantErr: "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			opened := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				answer := tt.answers[min(opened, len(tt.answers)-1)]
				opened++
				mu.Unlock()
				answer(w)
			}))
			defer srv.Close()
			tr := newTracker(1)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tr.uploaded(Sent{ID: "a", Pupil: 1, End: time.Now()})
			err := followPupil(ctx, &node.Client{Base: srv.URL}, 1, tr)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
			case tt.wantErr == "" && !tr.finished():
				t.Fatal("followed to the end with the file still pending")
			}
		})
	}
}
