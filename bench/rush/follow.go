package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"cartable/bench/node"
)

// followUploads is how the web app learns of thumbnails (web/static/js/items.js,
// itemWatcher): each pupil's list follows the files they sent on one stream of
// server-sent events, GET /api/v1/items/watch?ids=…, reopened with them all a
// quarter of a second after files are added (a batch of uploads opens one
// stream). A file is seen at the event that brings its thumbnail, as the pupil's
// screen shows it.
func followUploads(ctx context.Context, c *class, t *tracker) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(c.pupils))
	var wg sync.WaitGroup
	for i, pupil := range c.pupils {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := followPupil(ctx, pupil, i+1, t); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("pupil %d: %w", i+1, err)
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // the first, or nil
}

// reopenAfter is how long the web app waits after files are added before it
// reopens its stream with them (items.js, follow).
const reopenAfter = 250 * time.Millisecond

// followPupil follows one pupil's files until every file of the burst is
// complete (or failed). A stream that fails is opened again after 2, 4 s, as the
// web app does; three failures in a row end the scenario (the web app would poll
// instead, which is not what this measures).
func followPupil(ctx context.Context, pupil *node.Client, n int, t *tracker) error {
	added := t.sentBy(n)
	var (
		cancelStream context.CancelFunc // the open stream's, nil when none
		gen          int                // the open stream's number: a stopped stream's end is no news
		ended        = make(chan streamEnd, 1)
		reopen       <-chan time.Time
		failures     int
	)
	stop := func() {
		if cancelStream != nil {
			cancelStream()
			cancelStream = nil
		}
		gen++
	}
	defer stop()
	open := func() {
		stop()
		ids := t.pendingOf(n)
		if len(ids) == 0 {
			return
		}
		sctx, cancel := context.WithCancel(ctx)
		cancelStream = cancel
		go func(gen int) {
			done, err := watchStream(sctx, pupil, ids, t.saw)
			select {
			case ended <- streamEnd{gen, ids, done, err}:
			case <-sctx.Done():
			}
		}(gen)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.complete:
			return nil
		case <-added:
			reopen = time.After(reopenAfter)
		case <-reopen:
			reopen = nil
			open()
		case e := <-ended:
			if e.gen != gen {
				continue // a stream stopped meanwhile
			}
			stop()
			switch {
			case e.err != nil:
				if failures++; failures == 3 {
					return e.err
				}
				reopen = time.After(time.Duration(failures) * 2 * time.Second)
			case e.done && t.anyPending(e.ids):
				return fmt.Errorf("the stream said nothing more was coming with files of %v still incomplete", e.ids)
			case e.done:
				failures = 0 // files sent meanwhile have their own reopening
			default:
				failures = 0
				reopen = time.After(3 * time.Second) // its lifetime is over: again, as the server's retry says
			}
		}
	}
}

type streamEnd struct {
	gen  int
	ids  []string
	done bool // the server said nothing watched is waiting any more
	err  error
}

// watchStream reads one stream of the items ids, calling seen with each item
// event at the moment it came. done is true when the server ended it with its
// "done" event, false when it just ended (its lifetime is over).
func watchStream(ctx context.Context, c *node.Client, ids []string, seen func(itemView, time.Time)) (done bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/api/v1/items/watch?ids="+strings.Join(ids, ","), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("watch: %s", res.Status)
	}
	var event, data string
	lines := bufio.NewScanner(res.Body)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		line := lines.Text()
		switch {
		case line == "":
			if event == "done" {
				return true, nil
			}
			if event == "item" {
				var it itemView
				if err := json.Unmarshal([]byte(data), &it); err != nil {
					return false, fmt.Errorf("item event: %w", err)
				}
				seen(it, time.Now())
			}
			event, data = "", ""
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		}
	}
	if err := lines.Err(); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		return false, err
	}
	return false, nil
}
