package live

import (
	"sync"

	"github.com/google/uuid"
)

// Hub fans the changed blobs a node hears out to the subscriptions of its watches.
// Publishing never waits for a subscriber: each subscription gathers the blobs
// changed since it last looked, and is woken once however many came meanwhile.
type Hub struct {
	mu     sync.Mutex
	byBlob map[uuid.UUID]map[*Subscription]struct{}
	subs   map[*Subscription]struct{}
	done   chan struct{} // closed by Close: the node is going away
	closed bool
}

// NewHub returns a hub with no subscriptions.
func NewHub() *Hub {
	return &Hub{byBlob: map[uuid.UUID]map[*Subscription]struct{}{}, subs: map[*Subscription]struct{}{},
		done: make(chan struct{})}
}

// Subscription is one watch's interest in a set of blobs.
type Subscription struct {
	hub  *Hub
	wake chan struct{} // one pending wake-up at most
	// Guarded by hub.mu.
	blobs   map[uuid.UUID]struct{}
	changed map[uuid.UUID]struct{}
	all     bool // everything may have changed (notifications were lost)
}

// Subscribe returns a subscription to blobs (more can be added with Watch). Close
// it when done.
func (h *Hub) Subscribe(blobs ...uuid.UUID) *Subscription {
	s := &Subscription{hub: h, wake: make(chan struct{}, 1), blobs: map[uuid.UUID]struct{}{},
		changed: map[uuid.UUID]struct{}{}}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[s] = struct{}{}
	for _, b := range blobs {
		h.watch(s, b)
	}
	return s
}

// Publish tells the subscribers of a blob that it changed.
func (h *Hub) Publish(blob uuid.UUID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.byBlob[blob] {
		s.changed[blob] = struct{}{}
		s.signal()
	}
}

// RecheckAll tells every subscriber that anything may have changed: the node may
// have missed notifications (its LISTEN connection was down).
func (h *Hub) RecheckAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.all = true
		s.signal()
	}
}

// Done is closed when the hub is closed: watches end, their clients reconnect to
// another node.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Close ends every watch (the node shuts down). Subscriptions still work, idle.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// Subscribers counts the open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// watch adds blob to s; h.mu is held.
func (h *Hub) watch(s *Subscription, blob uuid.UUID) {
	s.blobs[blob] = struct{}{}
	set := h.byBlob[blob]
	if set == nil {
		set = map[*Subscription]struct{}{}
		h.byBlob[blob] = set
	}
	set[s] = struct{}{}
}

// unwatch removes blob from s; h.mu is held.
func (h *Hub) unwatch(s *Subscription, blob uuid.UUID) {
	delete(s.blobs, blob)
	delete(s.changed, blob)
	if set := h.byBlob[blob]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.byBlob, blob)
		}
	}
}

// signal wakes the subscriber unless a wake-up is already waiting; h.mu is held.
func (s *Subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Wake receives when something changed since the last Take.
func (s *Subscription) Wake() <-chan struct{} { return s.wake }

// Take returns the blobs changed since the last Take, and whether anything may
// have changed (then the blobs do not matter), and forgets them.
func (s *Subscription) Take() (changed []uuid.UUID, all bool) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for b := range s.changed {
		changed = append(changed, b)
	}
	clear(s.changed)
	all, s.all = s.all, false
	return changed, all
}

// Recheck wakes the subscriber as if anything had changed.
func (s *Subscription) Recheck() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.all = true
	s.signal()
}

// Set makes the subscription's blobs exactly blobs.
func (s *Subscription) Set(blobs []uuid.UUID) {
	want := make(map[uuid.UUID]struct{}, len(blobs))
	for _, b := range blobs {
		want[b] = struct{}{}
	}
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	for b := range s.blobs {
		if _, ok := want[b]; !ok {
			h.unwatch(s, b)
		}
	}
	for b := range want {
		h.watch(s, b)
	}
}

// Close ends the subscription.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	for b := range s.blobs {
		h.unwatch(s, b)
	}
	delete(h.subs, s)
}
