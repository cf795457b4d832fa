package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Config is what a run simulates.
type Config struct {
	Mix      Mix
	Sizes    Sizes
	Think    time.Duration // mean think time between two operations of a user
	LinkBits float64       // each user's upload rate, bits/s (0: unlimited)
	Seed     uint64
	// A step holds when the interactive operations' p95 is below MaxP95 and
	// the errors below MaxErrors of all operations.
	MaxP95    time.Duration
	MaxErrors float64
}

// Pool is the virtual users running, all recording into the current recorder.
type Pool struct {
	ctx     context.Context
	world   *World
	cfg     *Config
	current atomic.Pointer[Recorder]
	users   int
	wg      sync.WaitGroup
}

func newPool(ctx context.Context, w *World, cfg *Config) *Pool {
	p := &Pool{ctx: ctx, world: w, cfg: cfg}
	p.current.Store(&Recorder{})
	return p
}

// grow starts users until n run (users never leave: a ramp only adds).
func (p *Pool) grow(n int) {
	for ; p.users < n; p.users++ {
		u := newUser(p.users, p.world, p.cfg)
		p.wg.Go(func() { u.run(p.ctx, p.current.Load) })
	}
}

// record starts a new recorder and answers it: the operations that end from
// now on are its.
func (p *Pool) record() *Recorder {
	r := &Recorder{}
	p.current.Store(r)
	return r
}

// Step is one step of the ramp.
type Step struct {
	Users   int         `json:"users"`
	Seconds float64     `json:"seconds"`
	Ops     []OpStats   `json:"ops"`
	CPU     Cores       `json:"cores"`
	Server  ServerTimes `json:"server"` // the node's own timings
	Held    bool        `json:"held"`
	Why     string      `json:"why,omitempty"` // why it did not hold
}

// verdict says whether a step's figures hold: interactive p95 below maxP95 and
// errors (of every operation) below maxErrors; else why not.
func verdict(ops []OpStats, maxP95 time.Duration, maxErrors float64) (bool, string) {
	inter, all := find(ops, opInteractive), find(ops, opAll)
	limit := float64(maxP95.Milliseconds())
	switch {
	case all.N == 0:
		return false, "no operation completed"
	case inter.P95 >= limit:
		return false, fmt.Sprintf("interactive p95 %.0f ms ≥ %.0f ms", inter.P95, limit)
	case all.ErrorRate() >= maxErrors:
		return false, fmt.Sprintf("errors %d of %d (%.2f %%) ≥ %.2g %%", all.Errors, all.N, 100*all.ErrorRate(), 100*maxErrors)
	}
	return true, ""
}

// ramp runs the steps in order, each for length, and stops after the first that
// does not hold.
func ramp(ctx context.Context, p *Pool, m *Meter, steps []int, length time.Duration, logf func(string, ...any)) []Step {
	var out []Step
	for _, n := range steps {
		p.grow(n)
		rec := p.record()
		before := m.Read()
		select {
		case <-ctx.Done():
			return out
		case <-time.After(length):
		}
		after := m.Read()
		s := Step{Users: p.users, Seconds: after.At.Sub(before.At).Seconds(), CPU: m.Cores(before, after), Server: after.Server.since(before.Server)}
		s.Ops = byOp(rec.Samples(), p.cfg.Mix, after.At.Sub(before.At))
		s.Held, s.Why = verdict(s.Ops, p.cfg.MaxP95, p.cfg.MaxErrors)
		inter, all := find(s.Ops, opInteractive), find(s.Ops, opAll)
		logf("%5d users: %6.1f op/s, interactive p50 %.0f p95 %.0f p99 %.0f ms (node's own mean %.0f ms, %.1f %% over 500 ms), %d errors of %d, API %.2f cores, worker %.2f, machine %.2f, load %.1f: %s",
			p.users, all.PerSec, inter.P50, inter.P95, inter.P99, s.Server.MeanMs(), 100*s.Server.SlowShare(), all.Errors, all.N, s.CPU.API, s.CPU.Workers, s.CPU.Machine, s.CPU.Load, held(s))
		out = append(out, s)
		if !s.Held {
			break
		}
	}
	return out
}

func held(s Step) string {
	if s.Held {
		return "held"
	}
	return "did not hold (" + s.Why + ")"
}

// best is the highest step that held (nil when none did).
func best(steps []Step) *Step {
	var b *Step
	for i, s := range steps {
		if s.Held && (b == nil || s.Users > b.Users) {
			b = &steps[i]
		}
	}
	return b
}
