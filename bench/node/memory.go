package node

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"cartable/proc"
)

// Memory is a server's memory before and during a measured call: RSS from /proc,
// and the Go heap in use (go_memstats_heap_inuse_bytes from /metrics), in MiB.
type Memory struct {
	RSSBeforeMiB  float64 `json:"rss_before_mib"`
	RSSPeakMiB    float64 `json:"rss_peak_mib"`
	HeapBeforeMiB float64 `json:"heap_before_mib"`
	HeapPeakMiB   float64 `json:"heap_peak_mib"`
	Samples       int     `json:"samples"`
}

// Sampled runs fn while it samples the server's RSS every 20 ms and its heap every
// 100 ms, and answers the memory, fn's count and the seconds fn took.
func (p *Process) Sampled(ctx context.Context, fn func() (int64, error)) (Memory, int64, float64, error) {
	pid := p.Cmd.Process.Pid
	var m Memory
	m.RSSBeforeMiB = float64(proc.RSS(pid)) / 1024
	m.HeapBeforeMiB = p.HeapInUse(ctx)
	m.RSSPeakMiB, m.HeapPeakMiB = m.RSSBeforeMiB, m.HeapBeforeMiB
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				m.RSSPeakMiB = max(m.RSSPeakMiB, float64(proc.RSS(pid))/1024)
				if m.Samples%5 == 0 { // a scrape costs the server a little: every 100 ms
					m.HeapPeakMiB = max(m.HeapPeakMiB, p.HeapInUse(ctx))
				}
				m.Samples++
			}
		}
	}()
	start := time.Now()
	n, err := fn()
	seconds := time.Since(start).Seconds()
	close(done)
	wg.Wait()
	return m, n, seconds, err
}

// HeapInUse reads the server's Go heap in use, in MiB, from its /metrics (served
// to the loopback without a token); 0 when it cannot.
func (p *Process) HeapInUse(ctx context.Context) float64 {
	return p.metric(ctx, "go_memstats_heap_inuse_bytes") / (1 << 20)
}

// Goroutines reads the server's count of goroutines from its /metrics.
func (p *Process) Goroutines(ctx context.Context) float64 {
	return p.metric(ctx, "go_goroutines")
}

func (p *Process) metric(ctx context.Context, name string) float64 {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Base+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
