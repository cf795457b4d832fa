package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// guesses bounds the failed link opens of each address — wrong tokens, wrong
// passwords — so that neither can be found by brute force: 10 a second, 30 at
// once. Only failures spend the budget: a class behind one school address browsing
// a link's photo grid, hundreds of thumbnails at once, is never slowed down.
type guesses struct {
	mu     sync.Mutex
	byAddr map[string]*guessBudget
	swept  time.Time
}

type guessBudget struct {
	limiter *rate.Limiter
	seen    time.Time
}

const (
	guessRate  = 10
	guessBurst = 30
	// guessMemory is how long an address's failures are remembered; by then its
	// budget is whole again anyway.
	guessMemory = 3 * time.Minute
)

func newGuesses() *guesses { return &guesses{byAddr: map[string]*guessBudget{}} }

// exhausted reports whether addr has no failure left to spend.
func (g *guesses) exhausted(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	b, ok := g.byAddr[addr]
	return ok && b.limiter.Tokens() < 1
}

// failed spends one failure of addr's budget.
func (g *guesses) failed(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	g.forgetOld(now)
	b := g.byAddr[addr]
	if b == nil {
		b = &guessBudget{limiter: rate.NewLimiter(guessRate, guessBurst)}
		g.byAddr[addr] = b
	}
	b.limiter.AllowN(now, 1)
	b.seen = now
}

// forgetOld drops the addresses not seen for guessMemory, once a minute at most.
func (g *guesses) forgetOld(now time.Time) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	for addr, b := range g.byAddr {
		if now.Sub(b.seen) > guessMemory {
			delete(g.byAddr, addr)
		}
	}
	g.swept = now
}
