package guesses

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"cartable/pgtest"
)

// nodes returns n limiters over the same database (nil: each alone), on a clock
// the test moves.
func nodes(db *pgxpool.Pool, n int, clock *time.Time) []*Limiter {
	out := make([]*Limiter, n)
	for i := range out {
		out[i] = New(db, slog.New(slog.DiscardHandler))
		out[i].now = func() time.Time { return *clock }
	}
	return out
}

// TestBudgetIsTheClusters: failures spread over three nodes behind a round-robin
// proxy spend one budget, not three.
func TestBudgetIsTheClusters(t *testing.T) {
	db := pgtest.New(t)
	tests := []struct {
		name   string
		shared bool
		want   bool // the address is refused once Burst failures are spread over the nodes
	}{
		{"each node alone: three budgets (what a cluster must not do)", false, false},
		{"through the database: one budget", true, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
			pool := db
			if !tt.shared {
				pool = nil
			}
			ns := nodes(pool, 3, &clock)
			addr := "203.0.113." + string(rune('1'+i))
			ctx := context.Background()
			for k := 0; k < Burst; k++ { // no time passes: nothing refills
				n := ns[k%len(ns)]
				if n.Exhausted(addr) {
					t.Fatalf("refused after %d failures, want %d allowed", k, Burst)
				}
				n.Failed(ctx, addr)
			}
			// The node that saw the last failure knows at once; the others after
			// their next failure, which the address then owes.
			refused := ns[(Burst-1)%len(ns)].Exhausted(addr)
			for _, n := range ns {
				if !n.Exhausted(addr) {
					n.Failed(ctx, addr)
				}
				refused = refused && n.Exhausted(addr)
			}
			if refused != tt.want {
				t.Errorf("after %d failures spread over 3 nodes, refused everywhere = %v, want %v", Burst, refused, tt.want)
			}
		})
	}
}

// TestBudgetRefills: a refused address may try again once a failure has refilled,
// later the more it owes.
func TestBudgetRefills(t *testing.T) {
	db := pgtest.New(t)
	clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	ns := nodes(db, 2, &clock)
	ctx := context.Background()
	const addr = "198.51.100.7"
	for k := 0; k < Burst; k++ {
		ns[0].Failed(ctx, addr)
	}
	ns[1].Failed(ctx, addr) // a node that had not learnt: one failure owed
	if !ns[0].Exhausted(addr) || !ns[1].Exhausted(addr) {
		t.Fatal("not refused once the budget was spent")
	}
	clock = clock.Add(time.Second / Rate) // one failure refilled, but one is owed
	if !ns[1].Exhausted(addr) {
		t.Error("node 1 let the address try while it still owed a failure")
	}
	clock = clock.Add(time.Second / Rate)
	if ns[1].Exhausted(addr) {
		t.Error("node 1 still refuses the address once its debt was paid")
	}
	clock = clock.Add(memory + time.Minute)
	ns[0].Failed(ctx, addr) // sweeps the old budgets, the shared one too
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM guess_budgets WHERE refilled_at < $1`, clock).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d old shared budgets left after a sweep", n)
	}
}

// TestBudgetRace: failures racing on two nodes each spend one token, and the
// shared budget never lends more than Burst before refusing.
func TestBudgetRace(t *testing.T) {
	db := pgtest.New(t)
	clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	ns := nodes(db, 2, &clock)
	ctx := context.Background()
	const addr = "192.0.2.44"
	const racers = 20
	var wg sync.WaitGroup
	for k := 0; k < racers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns[k%2].Failed(ctx, addr)
		}()
	}
	wg.Wait()
	var left float64
	if err := db.QueryRow(ctx, `SELECT tokens FROM guess_budgets WHERE addr = $1`, addr).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != Burst-racers {
		t.Errorf("%d racing failures left %v of the shared budget, want %d", racers, left, Burst-racers)
	}
}

// TestFailureSpentWhenTheClientHangsUp: a brute force that closes each connection
// at once (its request's context cancelled) still spends the shared budget.
func TestFailureSpentWhenTheClientHangsUp(t *testing.T) {
	db := pgtest.New(t)
	clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	ns := nodes(db, 1, &clock)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ns[0].Failed(ctx, "192.0.2.9")
	var left float64
	if err := db.QueryRow(context.Background(), `SELECT tokens FROM guess_budgets WHERE addr = '192.0.2.9'`).Scan(&left); err != nil {
		t.Fatalf("no shared budget spent: %v", err)
	}
	if left != Burst-1 {
		t.Errorf("%v left, want %d", left, Burst-1)
	}
}

func TestKey(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		if got := key(tt.addr); got != tt.want {
			t.Errorf("key(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestIPv6AddressesOfOneNetworkShareABudget: a brute force that changes its IPv6
// address at each failure, within the /64 its provider gave it, is refused all
// the same.
func TestIPv6AddressesOfOneNetworkShareABudget(t *testing.T) {
	clock := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	l := nodes(nil, 1, &clock)[0]
	for k := range Burst {
		l.Failed(context.Background(), fmt.Sprintf("2001:db8:5:6::%x", k+1))
	}
	if !l.Exhausted("2001:db8:5:6::ffff") {
		t.Error("a new address of the same /64 may still guess")
	}
	if l.Exhausted("2001:db8:5:7::1") {
		t.Error("the next /64 is refused too")
	}
}
