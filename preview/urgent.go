package preview

import (
	"context"
	"sync"
	"time"
)

// yieldAtMost bounds how long a larger size waits for the small thumbnails
// being made: a burst that never ends must not starve the large renditions.
const yieldAtMost = 2 * time.Second

// urgency gives the small thumbnails the cores before the larger sizes. River
// takes a queue's jobs by priority, but a render already running keeps its
// cores: at the bell, the photos' provisional thumbnails (Go decoding whole the
// ones without a trusted embedded preview) shared two cores with the large
// renditions of the photos before them, and took some 5 times longer than on a
// quiet machine. So a larger size's render does not start while a small
// thumbnail is being made in the process, for at most yieldAtMost. The zero
// value is ready to use.
type urgency struct {
	mu      sync.Mutex
	running int
	idle    chan struct{} // closed when running drops to zero
}

// begin marks a small thumbnail being made; the function it returns marks it
// done.
func (u *urgency) begin() (end func()) {
	u.mu.Lock()
	if u.running == 0 {
		u.idle = make(chan struct{})
	}
	u.running++
	u.mu.Unlock()
	return func() {
		u.mu.Lock()
		u.running--
		if u.running == 0 {
			close(u.idle)
		}
		u.mu.Unlock()
	}
}

// yield waits until no small thumbnail is being made, at most for most (or
// until ctx ends: the render then finds its own context ended).
func (u *urgency) yield(ctx context.Context, most time.Duration) {
	u.mu.Lock()
	idle, running := u.idle, u.running
	u.mu.Unlock()
	if running == 0 {
		return
	}
	timer := time.NewTimer(most)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
	case <-ctx.Done():
	}
}
