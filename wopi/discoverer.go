package wopi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"cartable"
)

// Refresh periods of the discovery.
const (
	// RefreshEvery is how often the discovery is read again: the office server's
	// actions change with its upgrades, its keys when they rotate.
	RefreshEvery = time.Hour
	// forcedEvery bounds the reads a failed proof triggers (the keys may just have
	// rotated): a forger sending bad proofs cannot make Cartable hammer the office
	// server.
	forcedEvery = time.Minute
)

// Discoverer keeps the office server's discovery: read at start, every hour, and
// again after a proof failed (at most once a minute).
type Discoverer struct {
	url    string
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	// reading serializes the reads, so that the start, a first editor and a failed
	// proof arriving together read the discovery once.
	reading  sync.Mutex
	mu       sync.Mutex
	current  *Discovery
	readAt   time.Time
	forcedAt time.Time
}

// NewDiscoverer makes a discoverer of the discovery at url.
func NewDiscoverer(url string, client *http.Client, log *slog.Logger) *Discoverer {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &Discoverer{url: url, client: client, log: log, now: time.Now}
}

// Current returns the discovery, reading it when it was never read or is older
// than RefreshEvery. When the office server does not answer, the last discovery
// read stays in use; without one, the feature is unavailable.
func (d *Discoverer) Current(ctx context.Context) (*Discovery, error) {
	cur, fresh := d.snapshot()
	if fresh {
		return cur, nil
	}
	if err := d.refreshIfStale(ctx); err != nil {
		if cur != nil {
			d.log.Warn("the office server's discovery could not be read again; the last one stays", "err", err)
			return cur, nil
		}
		return nil, cartable.Errorf(cartable.EUnavailable, "the office server's discovery cannot be read: %v", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current, nil
}

// snapshot returns the discovery held and whether it is recent.
func (d *Discoverer) snapshot() (*Discovery, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current, d.current != nil && d.now().Sub(d.readAt) < RefreshEvery
}

// refreshIfStale reads the discovery unless another read just did.
func (d *Discoverer) refreshIfStale(ctx context.Context) error {
	d.reading.Lock()
	defer d.reading.Unlock()
	if _, fresh := d.snapshot(); fresh {
		return nil
	}
	return d.read(ctx)
}

// Refresh reads the discovery now.
func (d *Discoverer) Refresh(ctx context.Context) error {
	d.reading.Lock()
	defer d.reading.Unlock()
	return d.read(ctx)
}

func (d *Discoverer) read(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return fmt.Errorf("wopi: discovery request: %w", err)
	}
	res, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("wopi: read the discovery: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("wopi: the discovery answered %s", res.Status)
	}
	parsed, err := ParseDiscovery(res.Body)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.current, d.readAt = parsed, d.now()
	d.mu.Unlock()
	return nil
}

// RefreshAfterFailure reads the discovery again after a proof failed, unless it
// was already forced less than a minute ago. It reports whether it read it.
func (d *Discoverer) RefreshAfterFailure(ctx context.Context) bool {
	d.mu.Lock()
	if d.now().Sub(d.forcedAt) < forcedEvery {
		d.mu.Unlock()
		return false
	}
	d.forcedAt = d.now()
	d.mu.Unlock()
	if err := d.Refresh(ctx); err != nil {
		d.log.Warn("the office server's discovery could not be read after a proof failed", "err", err)
		return false
	}
	return true
}

// Run reads the discovery at start and every RefreshEvery until ctx ends, so the
// first editor opened does not wait for it.
func (d *Discoverer) Run(ctx context.Context) {
	for {
		if err := d.refreshIfStale(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("the office server's discovery cannot be read: office editing is unavailable until it can", "url", d.url, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(RefreshEvery):
		}
	}
}
