package live

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/db"
)

// ETooManyStreams refuses a watch to a user who holds too many already (each is a
// connection kept open on the node).
const ETooManyStreams cartable.Code = "too_many_streams"

// MaxItems is how many items one watch follows at most.
const MaxItems = 200

// Config tunes the watches of a node.
type Config struct {
	// PerUser is how many watches a user may hold open at once on one node.
	PerUser int
	// Heartbeat is how often an idle stream sends a comment, so that proxies keep it.
	Heartbeat time.Duration
	// Lifetime is how long a stream lasts at most; the client then reconnects (and
	// its items are read again), which spreads the streams over the nodes.
	Lifetime time.Duration
	// Retry is the reconnection delay a stream suggests to its client.
	Retry time.Duration
}

// DefaultConfig is what a node uses unless told otherwise.
var DefaultConfig = Config{PerUser: 4, Heartbeat: 15 * time.Second, Lifetime: 55 * time.Second, Retry: 3 * time.Second}

// Snapshot is an item as a watch sees it, read afresh for its caller.
type Snapshot struct {
	// VersionID is the file's current version; nil for a folder.
	VersionID *uuid.UUID
	// Waiting: something is still to come for the file (its antivirus verdict, its
	// thumbnails); the watch follows it until nothing is.
	Waiting bool
	// Data is what the client receives: the item as GET /api/v1/items/{id} answers
	// it, on one line.
	Data []byte
}

// Lookup reads an item for the watch's caller: an error of code
// cartable.ENotFound when they may not see it (the item is then silently left out).
type Lookup func(ctx context.Context, itemID uuid.UUID) (Snapshot, error)

// Service serves a node's watches over its hub.
type Service struct {
	hub *Hub
	db  db.DBTX
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	streams map[string]int // user → open watches
}

// New returns the watches of a node: hub hears the changes, q finds the items'
// current blobs.
func New(hub *Hub, q db.DBTX, cfg Config, log *slog.Logger) *Service {
	return &Service{hub: hub, db: q, cfg: cfg, log: log, streams: map[string]int{}}
}

// ParseIDs reads the comma-separated item ids of a watch (duplicates are read once).
func ParseIDs(raw string) ([]uuid.UUID, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, cartable.Errorf(cartable.EInvalid, "ids is required: the comma-separated ids of the items to watch").With("field", "ids")
	}
	parts := strings.Split(raw, ",")
	if len(parts) > MaxItems {
		return nil, cartable.Errorf(cartable.EInvalid, "a watch follows %d items at most, not %d", MaxItems, len(parts)).With("field", "ids")
	}
	ids := make([]uuid.UUID, 0, len(parts))
	for _, p := range parts {
		id, err := uuid.Parse(strings.TrimSpace(p))
		if err != nil {
			return nil, cartable.Errorf(cartable.EInvalid, "%q is not an item id", p).With("field", "ids")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Watch streams to w the items ids that the caller may see, each time its blob
// changes, until none is waiting any more (a "done" event then says so), the
// stream's lifetime is over, the client leaves or the node shuts down. Items the
// caller may not see are left out, as if they did not exist; folders too. Every
// other item is sent at once as it stands, then at each change. Errors before the
// stream opens (too many watches, the database) are returned for the caller to
// answer; later ones end the stream.
func (s *Service) Watch(ctx context.Context, w http.ResponseWriter, userID string, ids []uuid.UUID, lookup Lookup) error {
	release, err := s.admit(userID)
	if err != nil {
		return err
	}
	defer release()
	sub := s.hub.Subscribe()
	defer sub.Close()
	wt := &watch{svc: s, sub: sub, lookup: lookup, items: map[uuid.UUID]*watched{}}
	for _, id := range ids {
		wt.items[id] = &watched{}
	}
	first, err := wt.check(ctx, ids)
	if err != nil {
		return err
	}
	stream, err := openStream(w, s.cfg.Retry)
	if err != nil {
		return nil // the client left
	}
	// Every item as it stands first, waiting or not: what the client read
	// before the stream opened may be older (the web app opens a stream a
	// quarter of a second after an upload, and a photo's provisional thumbnail
	// may come in between, its next change only after the verdict).
	for _, snap := range first {
		if err := stream.event("item", snap.Data); err != nil {
			return nil
		}
	}
	if err := wt.follow(ctx, stream); err != nil && ctx.Err() == nil {
		s.log.Warn("watch ended", "user", userID, "err", err)
	}
	return nil
}

// admit counts a watch of the user, or refuses it when they hold too many.
func (s *Service) admit(userID string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[userID] >= s.cfg.PerUser {
		return nil, cartable.Errorf(ETooManyStreams, "%d watches are open for this user on this node already", s.cfg.PerUser).
			With("retry_after", int(s.cfg.Lifetime.Seconds()))
	}
	s.streams[userID]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.streams[userID]--; s.streams[userID] <= 0 {
			delete(s.streams, userID)
		}
	}, nil
}

// watch is one client's stream.
type watch struct {
	svc    *Service
	sub    *Subscription
	lookup Lookup
	items  map[uuid.UUID]*watched // the items still followed
}

// watched is what a watch knows of one of its items.
type watched struct {
	version, blob uuid.UUID // uuid.Nil: none (a folder, or not resolved yet)
	waiting       bool
}

// follow sends the items whose blob changed, until nothing is waiting.
func (wt *watch) follow(ctx context.Context, stream *eventStream) error {
	cfg := wt.svc.cfg
	heartbeat := time.NewTicker(cfg.Heartbeat)
	defer heartbeat.Stop()
	end := time.NewTimer(cfg.Lifetime)
	defer end.Stop()
	for {
		if !wt.waiting() {
			return stream.event("done", []byte(`{"reason":"settled"}`))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wt.svc.hub.Done():
			return nil
		case <-end.C:
			return nil // the client reconnects
		case <-heartbeat.C:
			if err := stream.comment("heartbeat"); err != nil {
				return err
			}
		case <-wt.sub.Wake():
			snaps, err := wt.check(ctx, wt.affected())
			if err != nil {
				return err
			}
			for _, snap := range snaps {
				if err := stream.event("item", snap.Data); err != nil {
					return err
				}
			}
		}
	}
}

// waiting reports whether any followed item still waits for something.
func (wt *watch) waiting() bool {
	for _, it := range wt.items {
		if it.waiting {
			return true
		}
	}
	return false
}

// affected lists the followed items whose blob changed since the last look.
func (wt *watch) affected() []uuid.UUID {
	changed, all := wt.sub.Take()
	var ids []uuid.UUID
	for id, it := range wt.items {
		if all || slices.Contains(changed, it.blob) {
			ids = append(ids, id)
		}
	}
	return ids
}

// check reads the items afresh: it finds their current blobs and subscribes to
// them first, so that no change after the reading goes unheard, then looks each
// up for the caller. An item the caller may not see, or a folder, is no longer
// followed. It returns the snapshots of the items still followed, in the order of
// ids.
func (wt *watch) check(ctx context.Context, ids []uuid.UUID) ([]Snapshot, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	current, err := currentBlobs(ctx, wt.svc.db, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		wt.items[id].version, wt.items[id].blob = current[id].version, current[id].blob
	}
	wt.subscribe()
	var snaps []Snapshot
	for _, id := range ids {
		snap, err := wt.lookup(ctx, id)
		if cartable.IsCode(err, cartable.ENotFound) {
			delete(wt.items, id)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read item %s for its watch: %w", id, err)
		}
		if snap.VersionID == nil {
			delete(wt.items, id) // a folder: nothing comes for it
			continue
		}
		it := wt.items[id]
		it.waiting = snap.Waiting
		if snap.VersionID != nil && *snap.VersionID != it.version {
			// A new version came between the two readings: its blob is looked for
			// on the next round.
			it.waiting = true
			wt.sub.Recheck()
		}
		snaps = append(snaps, snap)
	}
	wt.subscribe() // without the items left out
	return snaps, nil
}

// subscribe makes the subscription's blobs those of the followed items.
func (wt *watch) subscribe() {
	blobs := make([]uuid.UUID, 0, len(wt.items))
	for _, it := range wt.items {
		if it.blob != uuid.Nil {
			blobs = append(blobs, it.blob)
		}
	}
	wt.sub.Set(blobs)
}
