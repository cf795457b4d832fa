// Package guesses bounds the failed attempts at a secret — a link's token or
// password, an app password — from each address, so that none can be found by
// brute force: 10 a second, 30 at once. Only failures spend the budget: a class
// behind one school address browsing a link's photo grid, hundreds of thumbnails
// at once, is never slowed down.
//
// The budget is the cluster's, not a node's: behind a round-robin proxy, a budget
// per node would let a brute force try as many times more as there are nodes. Yet
// an attempt that succeeds asks nothing of PostgreSQL. Each node keeps its own
// budget of each address it saw fail, and spends a failure both there and in the
// shared one (table guess_budgets); when the shared one is spent, the node refuses
// the address until it has refilled. A node that had not learnt yet lets the
// address try once more, and that failure is owed too: the address then waits
// longer, so that over time it makes no more attempts than one node would allow.
package guesses

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/time/rate"
)

const (
	// Rate is the failures an address may make a second, on average.
	Rate = 10
	// Burst is the failures it may make at once.
	Burst = 30
	// memory is how long an address's failures are remembered; by then its
	// budget is whole again anyway.
	memory = 3 * time.Minute
	// sharedTimeout bounds the spending of a failure in the database.
	sharedTimeout = 2 * time.Second
)

// Limiter is one node's view of the budgets. The zero value is not ready: use New.
type Limiter struct {
	db  *pgxpool.Pool // nil: this node's budgets alone
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	byAddr map[string]*budget
	swept  time.Time
}

type budget struct {
	local   *rate.Limiter
	blocked time.Time // the shared budget is spent until then
	seen    time.Time
}

// New returns a limiter sharing its budgets through db (nil: this node's alone).
func New(db *pgxpool.Pool, log *slog.Logger) *Limiter {
	return &Limiter{db: db, log: log, now: time.Now, byAddr: map[string]*budget{}}
}

// Exhausted reports whether addr has no failure left to spend. It asks nothing of
// the database.
func (l *Limiter) Exhausted(addr string) bool {
	addr = key(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.byAddr[addr]
	if !ok {
		return false
	}
	now := l.now()
	return b.local.TokensAt(now) < 1 || now.Before(b.blocked)
}

// Failed spends one failure of addr's budget, this node's and the cluster's. When
// the database cannot be reached, this node's budget still holds.
func (l *Limiter) Failed(ctx context.Context, addr string) {
	addr = key(addr)
	now := l.now()
	swept := l.spendLocal(addr, now)
	if l.db == nil {
		return
	}
	// Spent even when the client hung up at once: a brute force would.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
	defer cancel()
	if swept {
		l.forgetShared(ctx, now)
	}
	left, err := l.spendShared(ctx, addr, now)
	if err != nil {
		l.log.Warn("spend a failed attempt in the shared budget", "addr", addr, "err", err)
		return
	}
	if left < 1 {
		// Refused until one whole failure has refilled.
		l.block(addr, now.Add(time.Duration((1-left)/Rate*float64(time.Second))))
	}
}

// spendLocal spends a failure of this node's budget of addr; swept says whether
// it forgot old addresses on the way (the shared ones are forgotten then too).
func (l *Limiter) spendLocal(addr string, now time.Time) (swept bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	swept = l.forgetOld(now)
	b := l.byAddr[addr]
	if b == nil {
		b = &budget{local: rate.NewLimiter(Rate, Burst)}
		l.byAddr[addr] = b
	}
	b.local.AllowN(now, 1)
	b.seen = now
	return swept
}

func (l *Limiter) block(addr string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.byAddr[addr]; b != nil && until.After(b.blocked) {
		b.blocked = until
	}
}

// spendShared takes one failure from addr's shared bucket, refilled first for the
// time since its last spending, and returns what is left. What is left may be
// below zero, down to -Burst: an address that kept failing on nodes that had not
// learnt yet is refused the longer, so that, however many nodes it spreads its
// attempts over, it makes no more than Rate a second in the long run. The clock
// is the node's (the nodes' clocks agree, as TLS and the tokens' expiries need).
func (l *Limiter) spendShared(ctx context.Context, addr string, now time.Time) (float64, error) {
	var left float64
	err := l.db.QueryRow(ctx, `
		INSERT INTO guess_budgets AS g (addr, tokens, refilled_at) VALUES ($1, $3 - 1, $4)
		ON CONFLICT (addr) DO UPDATE SET
			tokens = greatest(-$3, least($3, g.tokens + greatest(0, extract(epoch FROM $4 - g.refilled_at)) * $2) - 1),
			refilled_at = greatest(g.refilled_at, $4)
		RETURNING tokens`, addr, float64(Rate), float64(Burst), now).Scan(&left)
	return left, err
}

// forgetOld drops the addresses not seen for memory, once a minute at most, and
// says whether it did.
func (l *Limiter) forgetOld(now time.Time) bool {
	if now.Sub(l.swept) < time.Minute {
		return false
	}
	for addr, b := range l.byAddr {
		if now.Sub(b.seen) > memory {
			delete(l.byAddr, addr)
		}
	}
	l.swept = now
	return true
}

// forgetShared deletes the shared budgets whole again for long.
func (l *Limiter) forgetShared(ctx context.Context, now time.Time) {
	if _, err := l.db.Exec(ctx, `DELETE FROM guess_budgets WHERE refilled_at < $1`, now.Add(-memory)); err != nil {
		l.log.Warn("forget old shared budgets", "err", err)
	}
}

// key is the address a budget belongs to: an IPv4 address itself, an IPv6
// address's /64 network. A home or a phone gets a whole /64 from its provider and
// may pick any address in it: a budget per IPv6 address would let a brute force
// change address at each failure. What is not an address is its own key.
func key(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	return netip.PrefixFrom(ip.WithZone(""), 64).Masked().String()
}
