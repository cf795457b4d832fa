package main

import (
	"context"
	"fmt"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// mode is how the committed ids are announced.
type mode string

const (
	plain   mode = "plain"
	inTx    mode = "in each transaction"
	batched mode = "batched every 20 ms"
)

var modes = []mode{plain, inTx, batched}

const (
	channel    = "bench_notify"
	batchEvery = 20 * time.Millisecond // live.Announcer's batch window
	// maxPayload keeps a NOTIFY under PostgreSQL's 8,000 bytes.
	maxPayload = 7900
)

// Result is one measurement.
type Result struct {
	Server        string  `json:"server"`
	Mode          mode    `json:"mode"`
	Clients       int     `json:"clients"`
	Commits       int     `json:"commits"`
	CommitsPerSec float64 `json:"commits_per_s"`
	P50ms         float64 `json:"p50_ms"`
	P99ms         float64 `json:"p99_ms"`
	Heard         int64   `json:"ids_heard"` // ids the listener received
	Notifies      int64   `json:"notifies"`  // NOTIFY statements sent
}

// measure commits from clients connections for d, announcing each id as m says,
// on a table of its own in a database of its own.
func measure(ctx context.Context, base string, m mode, clients int, d time.Duration) (Result, error) {
	res := Result{Mode: m, Clients: clients}
	url, drop, err := freshDatabase(ctx, base)
	if err != nil {
		return res, err
	}
	defer drop()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return res, err
	}
	cfg.MaxConns = int32(clients + 1)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE changes (blob_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return res, err
	}
	stopListening, err := listen(ctx, url)
	if err != nil {
		return res, err
	}
	sender := newBatcher(pool)
	var notifies atomic.Int64
	deadline := time.Now().Add(d)
	latencies := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				id := uuid.New()
				start := time.Now()
				if err := commit(ctx, pool, m, id); err != nil {
					errs[i] = err
					return
				}
				latencies[i] = append(latencies[i], time.Since(start))
				switch m {
				case inTx:
					notifies.Add(1)
				case batched:
					sender.add(id)
				}
			}
		})
	}
	wg.Wait()
	notifies.Add(sender.stop(ctx))
	time.Sleep(200 * time.Millisecond) // the last notices' way to the listener
	res.Heard = stopListening()
	res.Notifies = notifies.Load()
	var all []time.Duration
	for i := range clients {
		if errs[i] != nil {
			return res, errs[i]
		}
		all = append(all, latencies[i]...)
	}
	slices.Sort(all)
	res.Commits = len(all)
	res.CommitsPerSec = float64(len(all)) / d.Seconds()
	res.P50ms, res.P99ms = quantileMs(all, 0.50), quantileMs(all, 0.99)
	return res, nil
}

// commit is one short write transaction, notifying in it when m says so.
func commit(ctx context.Context, pool *pgxpool.Pool, m mode, id uuid.UUID) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO changes (blob_id) VALUES ($1)`, id); err != nil {
		return err
	}
	if m == inTx {
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, id.String()); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// listen drains the channel on a connection of its own, as a node's hub does; the
// function it returns stops it and says how many ids it heard.
func listen(ctx context.Context, url string) (func() int64, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	var heard atomic.Int64
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := conn.WaitForNotification(lctx)
			if err != nil {
				return
			}
			heard.Add(int64(strings.Count(n.Payload, ",") + 1))
		}
	}()
	return func() int64 {
		cancel()
		<-done
		conn.Close(context.Background())
		return heard.Load()
	}, nil
}

// batcher sends the ids handed to it together, every batchEvery, as one process
// of Cartable would with an announcer of its own.
type batcher struct {
	pool     *pgxpool.Pool
	mu       sync.Mutex
	ids      []string
	sent     int64
	stopping chan struct{}
	done     chan struct{}
}

func newBatcher(pool *pgxpool.Pool) *batcher {
	b := &batcher{pool: pool, stopping: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

func (b *batcher) add(id uuid.UUID) {
	b.mu.Lock()
	b.ids = append(b.ids, id.String())
	b.mu.Unlock()
}

func (b *batcher) run() {
	defer close(b.done)
	tick := time.NewTicker(batchEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			b.flush(context.Background())
		case <-b.stopping:
			b.flush(context.Background())
			return
		}
	}
}

// flush sends what was handed since the last, in payloads under maxPayload.
func (b *batcher) flush(ctx context.Context) {
	b.mu.Lock()
	ids := b.ids
	b.ids = nil
	b.mu.Unlock()
	for len(ids) > 0 {
		n := min(len(ids), maxPayload/37) // 36 characters and a comma each
		if _, err := b.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, strings.Join(ids[:n], ",")); err != nil {
			logf("batched notify: %v", err)
		}
		b.sent++
		ids = ids[n:]
	}
}

// stop sends the rest and returns how many NOTIFYs it sent.
func (b *batcher) stop(context.Context) int64 {
	close(b.stopping)
	<-b.done
	return b.sent
}

func quantileMs(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[int(q*float64(len(sorted)-1))]) / float64(time.Millisecond)
}

// freshDatabase creates an empty database on the server of base and returns its
// URL and a function that drops it.
func freshDatabase(ctx context.Context, base string) (string, func(), error) {
	u, err := neturl.Parse(base)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("bench_notify_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}, nil
}
