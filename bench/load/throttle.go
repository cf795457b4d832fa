package main

import (
	"io"
	"sync"
	"time"
)

// Link is one user's connection: every upload of the user shares its rate, as
// three files sent at once from a phone share its uplink. Zero rate: no limit.
type Link struct {
	rate  float64 // bytes per second
	mu    sync.Mutex
	free  time.Time // when the bytes already sent have left
	now   func() time.Time
	sleep func(time.Duration)
}

// NewLink is a link of bitsPerSecond (0: unlimited).
func NewLink(bitsPerSecond float64) *Link {
	return &Link{rate: bitsPerSecond / 8, now: time.Now, sleep: time.Sleep}
}

// reserve books n bytes on the link at now and answers how long the sender waits
// before they are sent: bytes leave one after another at the rate, so a sender
// waits for what is booked before it and for its own bytes.
func (l *Link) reserve(n int, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := l.free
	if start.Before(now) {
		start = now // an idle link does not save up: no burst after a pause
	}
	l.free = start.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	return l.free.Sub(now)
}

// chunk is the most a throttled read hands over at once: small enough that the
// bytes flow evenly (a 2 Mbit/s link sends it in 64 ms), large enough to keep
// the number of sleeps low.
const chunk = 16 << 10

// Reader reads r at the link's rate (a nil or unlimited link: as fast as r).
func (l *Link) Reader(r io.Reader) *Throttled { return &Throttled{r: r, link: l} }

// Throttled is a reader held back to its link's rate.
type Throttled struct {
	r     io.Reader
	link  *Link
	slept time.Duration
}

// Read hands over at most a chunk, after the time the link needs to send it
// (and whatever else the user sends at the same time).
func (t *Throttled) Read(p []byte) (int, error) {
	if t.link == nil || t.link.rate <= 0 {
		return t.r.Read(p)
	}
	if len(p) > chunk {
		p = p[:chunk]
	}
	n, err := t.r.Read(p)
	if n > 0 {
		if wait := t.link.reserve(n, t.link.now()); wait > 0 {
			t.link.sleep(wait)
			t.slept += wait
		}
	}
	return n, err
}

// Slept is how long the reader was held back: the part of an upload's time
// that is the user's link, not the server.
func (t *Throttled) Slept() time.Duration { return t.slept }
