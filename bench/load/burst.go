package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// BurstConfig is the 8:00 phase.
type BurstConfig struct {
	Users    int           // navigation users running throughout
	Calm     time.Duration // measured before the burst, as the baseline
	Classes  int           // whole classes sending at once
	Homework int           // files per pupil, sent together over the pupil's link
	Limit    time.Duration // longest the burst is waited for
}

// Burst is what the 8:00 phase measured.
type Burst struct {
	Users    int       `json:"navigation_users"`
	Classes  []string  `json:"classes"`
	Pupils   int       `json:"pupils"`
	Files    int       `json:"files"`
	CalmSecs float64   `json:"calm_s"`
	Seconds  float64   `json:"seconds"` // from the first upload's start to the last's end
	Calm     []OpStats `json:"calm"`    // the navigation users before the burst
	During   []OpStats `json:"during"`  // the navigation users during it
	Uploads  OpStats   `json:"uploads"` // the burst's own uploads
	CalmCPU  Cores     `json:"calm_cores"`
	BurstCPU Cores     `json:"burst_cores"`
	// The node's own timings, calm and during the burst.
	CalmServer  ServerTimes `json:"calm_server"`
	BurstServer ServerTimes `json:"burst_server"`
	Cut         int         `json:"cut"` // uploads still running at the limit
}

// burst runs the navigation users for a calm spell, then has whole classes send
// their homework at once while the navigation goes on, and compares the two.
// Homework draws from the size mix under 10 MB (photos and documents).
func burst(ctx context.Context, p *Pool, m *Meter, bc BurstConfig, logf func(string, ...any)) (Burst, error) {
	b := Burst{Users: bc.Users}
	p.grow(bc.Users)
	calm := p.record()
	start := m.Read()
	if err := pause(ctx, bc.Calm); err != nil {
		return b, err
	}
	mid := m.Read()
	during := p.record()
	uploads := &Recorder{}
	b.Cut = sendHomework(ctx, p, bc, uploads, &b)
	end := m.Read()
	p.record() // what follows is not the burst's
	b.CalmSecs, b.Seconds = mid.At.Sub(start.At).Seconds(), end.At.Sub(mid.At).Seconds()
	b.Calm = byOp(calm.Samples(), p.cfg.Mix, mid.At.Sub(start.At))
	b.During = byOp(during.Samples(), p.cfg.Mix, end.At.Sub(mid.At))
	b.Uploads = summarize(OpUpload, uploads.Samples(), end.At.Sub(mid.At))
	b.CalmCPU, b.BurstCPU = m.Cores(start, mid), m.Cores(mid, end)
	b.CalmServer, b.BurstServer = mid.Server.since(start.Server), end.Server.since(mid.Server)
	c, d := find(b.Calm, opInteractive), find(b.During, opInteractive)
	logf("8:00 burst: %d pupils sent %d files (%.0f MiB) in %.1f s, upload p50 %.1f s, %d errors, %d cut; navigation p95 %.0f ms before, %.0f ms during (%d and %d ops)",
		b.Pupils, b.Files, b.Uploads.MiB, b.Seconds, b.Uploads.P50/1000, b.Uploads.Errors, b.Cut, c.P95, d.P95, c.N, d.N)
	return b, nil
}

// sendHomework has every pupil of the burst's classes send their files at once
// (as many at once as the web app, three, would), each pupil over their own
// link; it answers how many uploads the limit cut.
func sendHomework(ctx context.Context, p *Pool, bc BurstConfig, rec *Recorder, b *Burst) int {
	ctx, cancel := context.WithTimeout(ctx, bc.Limit)
	defer cancel()
	homework := p.cfg.Sizes.below(bigFrom)
	var wg sync.WaitGroup
	var mu sync.Mutex
	cut := 0
	for k := range bc.Classes {
		class := p.world.Classes[k%len(p.world.Classes)]
		// A third class reuses the first's accounts: the server sees the same
		// pupils twice, sending twice the files.
		name := class.Name
		if k >= len(p.world.Classes) {
			name += fmt.Sprintf(" again (%d)", k/len(p.world.Classes)+1)
		}
		b.Classes = append(b.Classes, name)
		for i, pupil := range class.Pupils {
			link := NewLink(p.cfg.LinkBits) // the pupil's files share it
			b.Pupils++
			for f := range bc.Homework {
				u := &User{acct: pupil, world: p.world, link: link, cfg: p.cfg,
					rng: rand.New(rand.NewPCG(uint64(k*10000+i*10+f), p.cfg.Seed+1))}
				b.Files++
				wg.Go(func() {
					s := u.upload(ctx, class.Homework, homework)
					if ctx.Err() != nil {
						mu.Lock()
						cut++
						mu.Unlock()
						return
					}
					rec.Add(s)
				})
			}
		}
	}
	wg.Wait()
	return cut
}

// pause waits d, or answers the context's error.
func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
