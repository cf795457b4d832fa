package balancer

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// backend is one upstream server and what its last health check said.
type backend struct {
	url   *url.URL
	alive atomic.Bool
}

// pool is the backends, taken in turn, skipping the dead ones.
type pool struct {
	backends   []*backend
	next       atomic.Uint64
	healthPath string
	client     *http.Client
	log        *slog.Logger
}

func newPool(urls []string, healthPath string, log *slog.Logger) (*pool, error) {
	p := &pool{healthPath: healthPath, log: log, client: &http.Client{Timeout: 2 * time.Second}}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("backend %q is not an http(s) URL", raw)
		}
		p.backends = append(p.backends, &backend{url: u})
	}
	return p, nil
}

// pick returns the next live backend not in tried, or nil when there is none.
func (p *pool) pick(tried map[*backend]bool) *backend {
	n := uint64(len(p.backends))
	start := p.next.Add(1)
	for i := range n {
		b := p.backends[(start+i)%n]
		if b.alive.Load() && !tried[b] {
			return b
		}
	}
	return nil
}

// markDead takes a backend out of the turn until its health check passes again: it
// refused a connection, so the next requests should not wait for the next check.
func (p *pool) markDead(b *backend, err error) {
	if b.alive.Swap(false) {
		p.log.Warn("backend down", "backend", b.url.Host, "err", err)
	}
}

// watch checks every backend each interval until ctx ends.
func (p *pool) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.checkAll(ctx)
		}
	}
}

// checkAll checks every backend at once.
func (p *pool) checkAll(ctx context.Context) {
	done := make(chan struct{}, len(p.backends))
	for _, b := range p.backends {
		go func() {
			p.check(ctx, b)
			done <- struct{}{}
		}()
	}
	for range p.backends {
		<-done
	}
}

// check asks one backend's health path; a 2xx puts it back in the turn.
func (p *pool) check(ctx context.Context, b *backend) {
	ok := false
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url.JoinPath(p.healthPath).String(), nil)
	if err == nil {
		var res *http.Response
		if res, err = p.client.Do(req); err == nil {
			res.Body.Close()
			ok = res.StatusCode >= 200 && res.StatusCode < 300
			if !ok {
				err = fmt.Errorf("health check answered %d", res.StatusCode)
			}
		}
	}
	switch was := b.alive.Swap(ok); {
	case ok && !was:
		p.log.Info("backend up", "backend", b.url.Host)
	case !ok && was:
		p.log.Warn("backend down", "backend", b.url.Host, "err", err)
	}
}
